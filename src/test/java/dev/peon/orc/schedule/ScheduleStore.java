package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import java.nio.file.Path;
import java.sql.PreparedStatement;

/** Opens a real SQLite database for schedule tests and inserts the servers schedules refer to. */
final class ScheduleStore {
  private ScheduleStore() {}

  static Database open(Path dir) {
    return Database.open(dir.resolve("peon.db"));
  }

  static void insertServer(Database db, ServerId id) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO servers(server_id, game_uid, servername, port_group, status,"
                      + " created_at) VALUES (?, ?, ?, 0, 'created', datetime('now'))")) {
            ps.setString(1, id.uid());
            ps.setString(2, id.game().value());
            ps.setString(3, id.name());
            return ps.executeUpdate();
          }
        });
  }

  static void deleteServer(Database db, ServerId id) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM servers WHERE server_id = ?")) {
            ps.setString(1, id.uid());
            return ps.executeUpdate();
          }
        });
  }
}
