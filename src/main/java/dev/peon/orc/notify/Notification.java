package dev.peon.orc.notify;

import dev.peon.orc.event.Event;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One thing to tell webhooks about.
 *
 * @param server the server's id ({@code game.name}), or null
 * @param data JSON-ready details (the event's payload)
 */
public record Notification(
    NotificationKind kind, String server, Instant at, Map<String, Object> data) {

  public Notification {
    data =
        data == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(data));
  }

  /** The notification an event of the bus stands for, if any. */
  public static Optional<Notification> of(Event e) {
    NotificationKind kind =
        switch (e.type()) {
          case "server.crashed" -> NotificationKind.SERVER_CRASHED;
          case "server.crashloop" -> NotificationKind.SERVER_CRASHLOOP;
          case "server.started" -> NotificationKind.SERVER_STARTED;
          case "server.stopped" -> NotificationKind.SERVER_STOPPED;
          case "backup.created" -> NotificationKind.BACKUP_SUCCEEDED;
          case "backup.failed" -> NotificationKind.BACKUP_FAILED;
          case "update.succeeded" -> NotificationKind.UPDATE_SUCCEEDED;
          case "update.failed" -> NotificationKind.UPDATE_FAILED;
          case "schedule.run" ->
              "failed".equals(String.valueOf(e.data().get("result")))
                  ? NotificationKind.SCHEDULE_FAILED
                  : null;
          default -> null;
        };
    return kind == null
        ? Optional.empty()
        : Optional.of(new Notification(kind, e.server(), e.at(), e.data()));
  }

  /** A human sentence saying what happened (Discord, logs). */
  String describe() {
    String who = server == null ? "The orchestrator" : "Server " + server;
    return switch (kind) {
      case SERVER_CRASHED ->
          who
              + " crashed (exit code "
              + data.get("exitCode")
              + (Boolean.TRUE.equals(data.get("oomKilled")) ? ", out of memory" : "")
              + ")"
              + (data.get("restartInSeconds") == null
                  ? "; no restart."
                  : "; restart in " + data.get("restartInSeconds") + " s.");
      case SERVER_CRASHLOOP ->
          who
              + " crashed "
              + data.get("crashes")
              + " times in "
              + data.get("windowSeconds")
              + " s: restarts stopped until it is started by hand.";
      case SERVER_STARTED -> who + " started (" + data.get("reason") + ").";
      case SERVER_STOPPED -> who + " stopped (" + data.get("reason") + ").";
      case BACKUP_SUCCEEDED ->
          who + ": backup " + data.get("backup") + " done (" + data.get("size") + " bytes).";
      case BACKUP_FAILED -> who + ": backup failed: " + data.get("error");
      case UPDATE_SUCCEEDED -> who + " updated (mode " + data.get("mode") + ").";
      case UPDATE_FAILED -> who + ": update failed: " + data.get("error");
      case SCHEDULE_FAILED ->
          who
              + ": scheduled "
              + data.get("action")
              + " (schedule "
              + data.get("schedule")
              + ") failed: "
              + data.get("detail");
      case TEST -> "A test notification from PEON Orchestrator: this webhook works.";
    };
  }
}
