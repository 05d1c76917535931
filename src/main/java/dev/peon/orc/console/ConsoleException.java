package dev.peon.orc.console;

/** A console request refused or failed; {@link Kind} says which, never the message text. */
public final class ConsoleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    INVALID(400),
    NOT_FOUND(404),
    NOT_RUNNING(409),
    RATE_LIMITED(429),
    UNAVAILABLE(502);

    private final int status;

    Kind(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final Kind kind;

  public ConsoleException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
