package dev.peon.orc.testing;

import dev.peon.orc.store.Database;
import java.sql.PreparedStatement;

/** Server records written straight into a test database, for features keyed by server. */
public final class TestServers {
  private TestServers() {}

  public static void insert(Database db, String uid) {
    int dot = uid.indexOf('.');
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO servers(server_id, game_uid, servername, port_group, status,"
                      + " created_at) VALUES (?, ?, ?, 0, 'ACTIVE', datetime('now'))")) {
            ps.setString(1, uid);
            ps.setString(2, uid.substring(0, dot));
            ps.setString(3, uid.substring(dot + 1));
            return ps.executeUpdate();
          }
        });
  }

  public static void delete(Database db, String uid) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM servers WHERE server_id = ?")) {
            ps.setString(1, uid);
            return ps.executeUpdate();
          }
        });
  }
}
