package dev.peon.orc.operation;

/** Another exclusive operation runs on the same server. */
public final class OperationBusyException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String runningOperationId;

  OperationBusyException(String server, String runningOperationId) {
    super("Another operation (" + runningOperationId + ") is running on [" + server + "].");
    this.runningOperationId = runningOperationId;
  }

  public String runningOperationId() {
    return runningOperationId;
  }
}
