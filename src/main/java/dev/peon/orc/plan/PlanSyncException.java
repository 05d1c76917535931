package dev.peon.orc.plan;

import java.util.Locale;

/** The plan source could not be read; current plans are unchanged. */
public final class PlanSyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a sync failed, classified by the type of the failure, never by its message. */
  public enum Reason {
    /** The host did not answer: unknown name, connection refused, timeout. */
    UNREACHABLE,
    /** The host answered but has no such repository. */
    NOT_FOUND,
    /** The repository wants credentials (or refused the ones in the URL). */
    AUTH_REQUIRED,
    /** The repository has no such branch. */
    BRANCH_NOT_FOUND,
    /** The configured local folder does not exist. */
    SOURCE_MISSING,
    /** Writing the local copy failed (disk full, permissions, a broken local repository). */
    LOCAL_COPY,
    /** Anything else the transport reported. */
    FAILED;

    /** The wire name, e.g. {@code auth-required}. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Reason reason;

  public PlanSyncException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
