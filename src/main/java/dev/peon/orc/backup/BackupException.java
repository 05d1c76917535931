package dev.peon.orc.backup;

/** A backup action refused or failed; {@link Kind} says which, never the message text. */
public final class BackupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, mapped to a problem type by {@link BackupRoutes}. */
  public enum Kind {
    /** Bad input (a path, a policy value). */
    INVALID,
    /** No such backup. */
    NOT_FOUND,
    /** The archive is damaged, incomplete, or does not match its manifest. */
    CORRUPT,
    /** The archive holds entries that would leave the server folder, or of a refused type. */
    UNSAFE,
    /** The caller lacks a permission this restore needs (the definition: server.settings). */
    FORBIDDEN,
    /** The backup is locked (delete refused). */
    LOCKED,
    /** The destination ran out of space. */
    NO_SPACE,
    /** Anything else: disk, engine. */
    FAILED
  }

  private final Kind kind;

  public BackupException(Kind kind, String message) {
    this(kind, message, null);
  }

  public BackupException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
