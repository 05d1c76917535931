package dev.peon.orc.game;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code server_game} table (V12): per server its game-settings override (JSON), whether it
 * sleeps (stopped, ports watched for a wake), the last stop and restart reasons, and the last time
 * from container start to ready. A row appears at the first write and goes with its server.
 */
final class GameRepository {
  private final Database db;
  private final Clock clock;

  /** One row; null fields were never written. */
  record Row(
      String settings,
      boolean sleeping,
      String lastStopReason,
      Instant lastStopAt,
      String lastRestartReason,
      Instant lastRestartAt,
      Integer readySeconds) {
    static final Row EMPTY = new Row(null, false, null, null, null, null, null);
  }

  GameRepository(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  Map<String, Row> loadAll() {
    return db.inTransaction(
        c -> {
          Map<String, Row> rows = new HashMap<>();
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT server_id, settings, sleeping, last_stop_reason, last_stop_at,"
                          + " last_restart_reason, last_restart_at, ready_seconds FROM server_game");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              int ready = rs.getInt(8);
              rows.put(
                  rs.getString(1),
                  new Row(
                      rs.getString(2),
                      rs.getInt(3) != 0,
                      rs.getString(4),
                      instant(rs.getString(5)),
                      rs.getString(6),
                      instant(rs.getString(7)),
                      rs.wasNull() ? null : ready));
            }
          }
          return rows;
        });
  }

  private static Instant instant(String s) {
    return s == null ? null : Instant.parse(s);
  }

  void setSettings(ServerId id, String json) {
    upsert(id, "settings", json);
  }

  void setSleeping(ServerId id, boolean sleeping) {
    upsert(id, "sleeping", sleeping ? 1 : 0);
  }

  void recordStop(ServerId id, String reason, Instant at) {
    upsert(id, "last_stop_reason", reason, "last_stop_at", at.toString());
  }

  void recordRestart(ServerId id, String reason, Instant at) {
    upsert(id, "last_restart_reason", reason, "last_restart_at", at.toString());
  }

  void setReadySeconds(ServerId id, int seconds) {
    upsert(id, "ready_seconds", seconds);
  }

  /** Column names come from this class only; values are bound. */
  private void upsert(ServerId id, Object... columnsAndValues) {
    StringBuilder cols = new StringBuilder();
    StringBuilder marks = new StringBuilder();
    StringBuilder sets = new StringBuilder();
    for (int i = 0; i < columnsAndValues.length; i += 2) {
      String col = (String) columnsAndValues[i];
      cols.append(", ").append(col);
      marks.append(", ?");
      sets.append(col).append(" = excluded.").append(col).append(", ");
    }
    String sql =
        "INSERT INTO server_game(server_id, updated_at"
            + cols
            + ") VALUES (?, ?"
            + marks
            + ") ON CONFLICT(server_id) DO UPDATE SET "
            + sets
            + "updated_at = excluded.updated_at";
    db.inTransaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id.uid());
            ps.setString(2, clock.instant().toString());
            for (int i = 1, p = 3; i < columnsAndValues.length; i += 2, p++) {
              ps.setObject(p, columnsAndValues[i]);
            }
            ps.executeUpdate();
          }
          return null;
        });
  }
}
