package dev.peon.orc.server;

/** A server operation refused or failed; {@link Kind} says which, never the message text. */
public final class ServerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, mapped to an HTTP status by the API layers. */
  public enum Kind {
    INVALID(400),
    MISSING_SETTINGS(400),
    NOT_FOUND(404),
    PLAN_NOT_FOUND(404),
    ALREADY_EXISTS(409),
    /** A container or network of the server's name exists that is not this orchestrator's. */
    NAME_TAKEN(409),
    PORTS_USED(409),
    /** The server is recorded but its config.json cannot be read; it can only be deleted. */
    BROKEN(409),
    BUSY(409),
    /** No cluster node can take the server now (down, drained, or none carries the labels). */
    NODE_UNAVAILABLE(409),
    IMAGE_UNAVAILABLE(502),
    RUNTIME(502),
    INTERNAL(500);

    private final int status;

    Kind(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final Kind kind;
  private final String errCode;
  private final transient PortConflict conflict;

  public ServerException(Kind kind, String message) {
    this(kind, message, null, null);
  }

  public ServerException(Kind kind, String message, String errCode, Throwable cause) {
    this(kind, message, errCode, cause, null);
  }

  /**
   * @param conflict for {@link Kind#PORTS_USED}: the port that could not be had, or null
   */
  public ServerException(
      Kind kind, String message, String errCode, Throwable cause, PortConflict conflict) {
    super(message, cause);
    this.kind = kind;
    this.errCode = errCode;
    this.conflict = conflict;
  }

  public Kind kind() {
    return kind;
  }

  /** PEON error code such as {@code srv.portsused}, or null. */
  public String errCode() {
    return errCode;
  }

  /** For {@link Kind#PORTS_USED}: which port and who holds it, when known. */
  public java.util.Optional<PortConflict> conflict() {
    return java.util.Optional.ofNullable(conflict);
  }
}
