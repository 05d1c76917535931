package dev.peon.orc.backup;

import dev.peon.orc.server.ServerId;
import java.time.Instant;
import java.util.Locale;

/**
 * One backup as the database knows it. Only {@link Status#COMPLETE} backups are listed: a row is
 * {@code RUNNING} from the start of a backup until its archive is renamed into place and verified.
 *
 * @param size bytes of the compressed archive
 * @param contentSize bytes of file content inside
 * @param wasRunning whether the server ran when the backup began (for recovery after a crash)
 */
public record BackupRecord(
    BackupId id,
    ServerId server,
    Instant createdAt,
    Instant finishedAt,
    long size,
    String sha256,
    boolean locked,
    Consistency consistency,
    Origin origin,
    Status status,
    boolean wasRunning,
    long files,
    long contentSize) {

  /** Where a backup stands. */
  public enum Status {
    RUNNING,
    COMPLETE
  }

  /** What made a backup. */
  public enum Origin {
    MANUAL,
    SCHEDULE,
    PRE_RESTORE,
    UPLOAD;

    public String wire() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  BackupRecord completed(Instant at, Manifest m) {
    return new BackupRecord(
        id,
        server,
        createdAt,
        at,
        m.archive().size(),
        m.archive().sha256(),
        locked,
        consistency,
        origin,
        Status.COMPLETE,
        wasRunning,
        m.fileCount(),
        m.totalBytes());
  }
}
