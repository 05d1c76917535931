package dev.peon.orc.app;

/** The orchestrator cannot start; the message says why in words an operator can act on. */
public final class StartupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
