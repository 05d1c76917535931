package dev.peon.orc.supervision;

import dev.peon.orc.server.RestartPolicy;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.SupervisionSettings.Crash;
import dev.peon.orc.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;

/**
 * The {@code server_supervision} table (V8): per server the restart policy, autostart, the desired
 * state, the crash-loop flag and the last crash. A row is made on the first write; a server without
 * one has the defaults. Rows go with their server (foreign key, cascade).
 */
final class SupervisionRepository {
  private final Database db;
  private final Clock clock;

  /**
   * @param desiredRunning null until an operator first starts or stops the server
   */
  record Row(
      RestartPolicy restartPolicy,
      boolean autostart,
      Boolean desiredRunning,
      boolean crashLooped,
      Crash lastCrash) {
    static final Row DEFAULTS = new Row(RestartPolicy.DEFAULT, true, null, false, null);
  }

  SupervisionRepository(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  Row load(ServerId id) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT restart_policy, autostart, desired_state, crash_looped, last_crash_at,"
                      + " last_crash_exit_code, last_crash_oom FROM server_supervision"
                      + " WHERE server_id = ?")) {
            ps.setString(1, id.uid());
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Row.DEFAULTS;
              }
              String desired = rs.getString(3);
              String crashAt = rs.getString(5);
              return new Row(
                  RestartPolicy.fromWire(rs.getString(1)).orElse(RestartPolicy.DEFAULT),
                  rs.getInt(2) != 0,
                  desired == null ? null : desired.equals("running"),
                  rs.getInt(4) != 0,
                  crashAt == null
                      ? null
                      : new Crash(Instant.parse(crashAt), rs.getLong(6), rs.getInt(7) != 0));
            }
          }
        });
  }

  /** The operator's wish; a start also clears a crash loop. One statement, one transaction. */
  void setDesired(ServerId id, boolean running) {
    upsert(
        id,
        running ? "desired_state, crash_looped" : "desired_state",
        running
            ? "desired_state = excluded.desired_state, crash_looped = 0"
            : "desired_state = excluded.desired_state",
        running ? new Object[] {"running", 0} : new Object[] {"stopped"});
  }

  /** Sets the desired state only where none is recorded yet (servers older than V8). */
  void initDesired(ServerId id, boolean running) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO server_supervision(server_id, updated_at, desired_state)"
                      + " VALUES (?, ?, ?) ON CONFLICT(server_id) DO UPDATE SET"
                      + " desired_state = excluded.desired_state, updated_at = excluded.updated_at"
                      + " WHERE server_supervision.desired_state IS NULL")) {
            ps.setString(1, id.uid());
            ps.setString(2, clock.instant().toString());
            ps.setString(3, running ? "running" : "stopped");
            ps.executeUpdate();
          }
          return null;
        });
  }

  void setCrashLooped(ServerId id, boolean looped) {
    upsert(id, "crash_looped", "crash_looped = excluded.crash_looped", looped ? 1 : 0);
  }

  void recordCrash(ServerId id, Crash crash) {
    upsert(
        id,
        "last_crash_at, last_crash_exit_code, last_crash_oom",
        "last_crash_at = excluded.last_crash_at, last_crash_exit_code ="
            + " excluded.last_crash_exit_code, last_crash_oom = excluded.last_crash_oom",
        crash.at().toString(),
        crash.exitCode(),
        crash.oomKilled() ? 1 : 0);
  }

  void setRestartPolicy(ServerId id, RestartPolicy policy) {
    upsert(id, "restart_policy", "restart_policy = excluded.restart_policy", policy.wire());
  }

  void setAutostart(ServerId id, boolean autostart) {
    upsert(id, "autostart", "autostart = excluded.autostart", autostart ? 1 : 0);
  }

  /** Inserts the row with these columns or updates them; the statement text is ours only. */
  private void upsert(ServerId id, String columns, String assignments, Object... values) {
    StringBuilder marks = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      marks.append(", ?");
    }
    String sql =
        "INSERT INTO server_supervision(server_id, updated_at, "
            + columns
            + ") VALUES (?, ?"
            + marks
            + ") ON CONFLICT(server_id) DO UPDATE SET "
            + assignments
            + ", updated_at = excluded.updated_at";
    db.inTransaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id.uid());
            ps.setString(2, clock.instant().toString());
            for (int i = 0; i < values.length; i++) {
              ps.setObject(3 + i, values[i]);
            }
            if (ps.executeUpdate() != 1) {
              throw new SQLException("no supervision row written for " + id);
            }
          }
          return null;
        });
  }
}
