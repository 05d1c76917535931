package dev.peon.orc.notify;

import java.util.Optional;

/**
 * The closed set of things a webhook can be told, with their stable wire names. {@link #TEST} is
 * sent only by the test endpoint and is never filtered out.
 */
public enum NotificationKind {
  SERVER_CRASHED("server.crashed", "Server crashed", 0xE74C3C),
  SERVER_CRASHLOOP("server.crashloop", "Server in a crash loop", 0x992D22),
  SERVER_STARTED("server.started", "Server started", 0x2ECC71),
  SERVER_STOPPED("server.stopped", "Server stopped", 0x95A5A6),
  BACKUP_SUCCEEDED("backup.succeeded", "Backup done", 0x3498DB),
  BACKUP_FAILED("backup.failed", "Backup failed", 0xE67E22),
  UPDATE_SUCCEEDED("update.succeeded", "Update done", 0x1ABC9C),
  UPDATE_FAILED("update.failed", "Update failed", 0xE67E22),
  SCHEDULE_FAILED("schedule.failed", "Scheduled action failed", 0xE67E22),
  TEST("test", "Test notification", 0x9B59B6);

  private final String wire;
  private final String title;
  private final int color;

  NotificationKind(String wire, String title, int color) {
    this.wire = wire;
    this.title = title;
    this.color = color;
  }

  public String wire() {
    return wire;
  }

  /** A short human title (Discord embeds). */
  String title() {
    return title;
  }

  /** The Discord embed colour, {@code 0xRRGGBB}. */
  int color() {
    return color;
  }

  /** The kind of a wire name, empty if unknown. */
  public static Optional<NotificationKind> fromWire(String s) {
    for (NotificationKind k : values()) {
      if (k.wire.equals(s)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** The wire names a filter may name (everything but {@link #TEST}), for messages. */
  static String filterable() {
    StringBuilder b = new StringBuilder();
    for (NotificationKind k : values()) {
      if (k != TEST) {
        b.append(b.isEmpty() ? "" : ", ").append(k.wire);
      }
    }
    return b.toString();
  }
}
