package dev.peon.orc.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Backups and per-server backup policies in SQLite (migration V4). */
final class BackupRepository {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      "id, server_id, created_at, finished_at, size, sha256, locked, consistency, origin, status,"
          + " was_running, files, content_size";

  private final Database db;

  BackupRepository(Database db) {
    this.db = db;
  }

  void insert(BackupRecord r) {
    db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO backups(" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            bind(s, r);
            s.executeUpdate();
          }
          return null;
        });
  }

  /**
   * Stores a backup's outcome and lock; {@code was_running} is set only by {@link #markWasRunning}.
   */
  void update(BackupRecord r) {
    db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE backups SET finished_at=?, size=?, sha256=?, locked=?, status=?,"
                      + " files=?, content_size=? WHERE id=?")) {
            if (r.finishedAt() == null) {
              s.setNull(1, Types.INTEGER);
            } else {
              s.setLong(1, r.finishedAt().toEpochMilli());
            }
            s.setLong(2, r.size());
            s.setString(3, r.sha256());
            s.setInt(4, r.locked() ? 1 : 0);
            s.setString(5, r.status().name());
            s.setLong(6, r.files());
            s.setLong(7, r.contentSize());
            s.setString(8, r.id().value());
            s.executeUpdate();
          }
          return null;
        });
  }

  /** Records, before quiescing, that the server ran: a crash recovery starts it again. */
  void markWasRunning(BackupId id) {
    db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("UPDATE backups SET was_running=1 WHERE id=?")) {
            s.setString(1, id.value());
            s.executeUpdate();
          }
          return null;
        });
  }

  void delete(BackupId id) {
    db.inTransaction(
        c -> {
          try (PreparedStatement s = c.prepareStatement("DELETE FROM backups WHERE id=?")) {
            s.setString(1, id.value());
            s.executeUpdate();
          }
          return null;
        });
  }

  Optional<BackupRecord> find(ServerId server, BackupId id) {
    return query("WHERE id=? AND server_id=? AND detached_at IS NULL", id.value(), server.uid())
        .stream()
        .findFirst();
  }

  /** Complete backups of a server, newest first. */
  List<BackupRecord> complete(ServerId server) {
    return query(
        "WHERE server_id=? AND detached_at IS NULL AND status='COMPLETE'"
            + " ORDER BY created_at DESC, id DESC",
        server.uid());
  }

  /** Backups left {@code RUNNING} by a crash. */
  List<BackupRecord> unfinished() {
    return query("WHERE status='RUNNING'");
  }

  private List<BackupRecord> query(String where, String... args) {
    return db.inTransaction(
        c -> {
          List<BackupRecord> out = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement("SELECT " + COLUMNS + " FROM backups " + where)) {
            for (int i = 0; i < args.length; i++) {
              s.setString(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                out.add(read(rs));
              }
            }
          }
          return out;
        });
  }

  private static void bind(PreparedStatement s, BackupRecord r) throws SQLException {
    s.setString(1, r.id().value());
    s.setString(2, r.server().uid());
    s.setLong(3, r.createdAt().toEpochMilli());
    if (r.finishedAt() == null) {
      s.setNull(4, Types.INTEGER);
    } else {
      s.setLong(4, r.finishedAt().toEpochMilli());
    }
    s.setLong(5, r.size());
    s.setString(6, r.sha256());
    s.setInt(7, r.locked() ? 1 : 0);
    s.setString(8, r.consistency().name());
    s.setString(9, r.origin().name());
    s.setString(10, r.status().name());
    s.setInt(11, r.wasRunning() ? 1 : 0);
    s.setLong(12, r.files());
    s.setLong(13, r.contentSize());
  }

  private static BackupRecord read(ResultSet rs) throws SQLException {
    long fin = rs.getLong(4);
    boolean finNull = rs.wasNull();
    return new BackupRecord(
        new BackupId(rs.getString(1)),
        ServerId.parse(rs.getString(2)),
        Instant.ofEpochMilli(rs.getLong(3)),
        finNull ? null : Instant.ofEpochMilli(fin),
        rs.getLong(5),
        rs.getString(6),
        rs.getInt(7) == 1,
        Consistency.valueOf(rs.getString(8)),
        BackupRecord.Origin.valueOf(rs.getString(9)),
        BackupRecord.Status.valueOf(rs.getString(10)),
        rs.getInt(11) == 1,
        rs.getLong(12),
        rs.getLong(13));
  }

  // ------------------------------------------------------------------ policies

  BackupPolicy policy(ServerId server) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT mode, excludes, keep_last, keep_daily, keep_weekly, keep_monthly,"
                      + " max_total FROM backup_policies WHERE server_id=?")) {
            s.setString(1, server.uid());
            try (ResultSet rs = s.executeQuery()) {
              if (!rs.next()) {
                return BackupPolicy.DEFAULT;
              }
              String mode = rs.getString(1);
              return new BackupPolicy(
                  mode == null ? null : Consistency.valueOf(mode.toUpperCase(Locale.ROOT)),
                  parseList(rs.getString(2)),
                  new Retention(
                      integer(rs, 3), integer(rs, 4), integer(rs, 5), integer(rs, 6), along(rs)));
            }
          }
        });
  }

  void savePolicy(ServerId server, BackupPolicy p) {
    db.inTransaction(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT OR REPLACE INTO backup_policies(server_id, mode, excludes, keep_last,"
                      + " keep_daily, keep_weekly, keep_monthly, max_total) VALUES"
                      + " (?,?,?,?,?,?,?,?)")) {
            s.setString(1, server.uid());
            s.setString(2, p.mode() == null ? null : p.mode().name());
            s.setString(3, JSON.writeValueAsString(p.excludes()));
            setInt(s, 4, p.retention().keepLast());
            setInt(s, 5, p.retention().keepDaily());
            setInt(s, 6, p.retention().keepWeekly());
            setInt(s, 7, p.retention().keepMonthly());
            if (p.retention().maxTotalBytes() == null) {
              s.setNull(8, Types.INTEGER);
            } else {
              s.setLong(8, p.retention().maxTotalBytes());
            }
            s.executeUpdate();
          } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
          }
          return null;
        });
  }

  private static List<String> parseList(String json) {
    try {
      return JSON.readValue(json, new TypeReference<List<String>>() {});
    } catch (JsonProcessingException e) {
      return List.of();
    }
  }

  private static Integer integer(ResultSet rs, int col) throws SQLException {
    int v = rs.getInt(col);
    return rs.wasNull() ? null : v;
  }

  private static Long along(ResultSet rs) throws SQLException {
    long v = rs.getLong(7);
    return rs.wasNull() ? null : v;
  }

  private static void setInt(PreparedStatement s, int col, Integer v) throws SQLException {
    if (v == null) {
      s.setNull(col, Types.INTEGER);
    } else {
      s.setInt(col, v);
    }
  }
}
