package dev.peon.orc.backup;

import dev.peon.orc.config.OrchestratorConfig;
import java.time.Duration;

/**
 * What backups take from the configuration.
 *
 * @param containerUser {@code UID[:GID]} that owns what a restore extracts
 * @param reserveBytes the least free space a backup, upload or restore leaves on its disk
 * @param reservePercent the same as a share of the disk; the larger applies
 * @param preRestoreKeep how long a pre-restore backup is exempt from retention
 */
public record BackupSettings(
    String containerUser, long reserveBytes, int reservePercent, Duration preRestoreKeep) {

  public static BackupSettings of(OrchestratorConfig c) {
    return new BackupSettings(
        c.containerUser(),
        c.backupReserveBytes(),
        c.backupReservePercent(),
        Duration.ofDays(c.backupPreRestoreKeepDays()));
  }

  /** The reserve on a disk of {@code total} bytes. */
  long reserve(long total) {
    if (total <= 0 || total == Long.MAX_VALUE) {
      return reserveBytes;
    }
    return Math.max(reserveBytes, total / 100 * reservePercent);
  }

  BackupArchive.Owner owner() {
    return BackupArchive.Owner.parse(containerUser);
  }
}
