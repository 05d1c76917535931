package dev.peon.orc.plan;

/** The plan source could not be read; current plans are unchanged. */
public final class PlanSyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PlanSyncException(String message, Throwable cause) {
    super(message, cause);
  }
}
