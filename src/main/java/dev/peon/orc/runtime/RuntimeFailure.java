package dev.peon.orc.runtime;

/** A failure of the container runtime, classified by {@link Kind}, never by message text. */
public final class RuntimeFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    NOT_FOUND,
    CONFLICT,
    PORT_IN_USE,
    IMAGE_NOT_FOUND,
    REGISTRY_UNREACHABLE,
    ENGINE_UNREACHABLE,
    /** The engine did not answer in time (or a pull made no progress); the call was abandoned. */
    TIMEOUT,
    /** The runtime cannot do this at all (for example, draining the node of a single engine). */
    UNSUPPORTED,
    OTHER
  }

  private final Kind kind;

  public RuntimeFailure(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public RuntimeFailure(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
