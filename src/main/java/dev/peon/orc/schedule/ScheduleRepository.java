package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Pending schedules in SQLite ({@code schedules} table). Instants are stored as epoch milliseconds.
 * Rows of a deleted server go with it (foreign key, {@code ON DELETE CASCADE}).
 */
public final class ScheduleRepository {
  private static final String COLUMNS = "id, server_id, action, due_at, created_at";

  private final Database db;

  public ScheduleRepository(Database db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /** Adds a schedule next to any the server already has. */
  public Schedule add(ServerId server, ScheduledAction action, Instant dueAt, Instant createdAt) {
    return db.inTransaction(c -> insert(c, server, action, dueAt, createdAt));
  }

  /** Replaces the server's pending schedules of {@code action} by this one, in one transaction. */
  public Schedule replace(
      ServerId server, ScheduledAction action, Instant dueAt, Instant createdAt) {
    return db.inTransaction(
        c -> {
          delete(c, server, action);
          return insert(c, server, action, dueAt, createdAt);
        });
  }

  /** Removes all of the server's pending schedules; returns how many. */
  public int removeByServer(ServerId server) {
    return db.inTransaction(c -> delete(c, server, null));
  }

  /** Removes the server's pending schedules of {@code action}; returns how many. */
  public int removeByServer(ServerId server, ScheduledAction action) {
    Objects.requireNonNull(action, "action");
    return db.inTransaction(c -> delete(c, server, action));
  }

  /** Removes one schedule; false when it was already gone (fired, cancelled or cascaded). */
  public boolean delete(long id) {
    return db.inTransaction(c -> deleteById(c, id));
  }

  /** Schedules due at {@code now} or earlier, earliest first. */
  public List<Schedule> listDue(Instant now) {
    return db.inTransaction(c -> selectDue(c, now));
  }

  /**
   * Claims every schedule due at {@code now}: reads and deletes them in one transaction, so that
   * each is handed out exactly once even when two callers race. Earliest first.
   */
  public List<Schedule> claimDue(Instant now) {
    return db.inTransaction(
        c -> {
          List<Schedule> due = selectDue(c, now);
          for (Schedule s : due) {
            deleteById(c, s.id());
          }
          return due;
        });
  }

  /** The server's earliest pending due time (the v1 {@code time} field). */
  public Optional<Instant> nextDue(ServerId server) {
    Objects.requireNonNull(server, "server");
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT MIN(due_at) FROM schedules WHERE server_id = ?")) {
            ps.setString(1, server.uid());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              long millis = rs.getLong(1);
              return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
            }
          }
        });
  }

  /** Every server's earliest pending due time, for warming a cache in one query. */
  public Map<ServerId, Instant> nextDueByServer() {
    return db.inTransaction(
        c -> {
          Map<ServerId, Instant> result = new HashMap<>();
          try (Statement s = c.createStatement();
              ResultSet rs =
                  s.executeQuery(
                      "SELECT server_id, MIN(due_at) FROM schedules GROUP BY server_id")) {
            while (rs.next()) {
              result.put(ServerId.parse(rs.getString(1)), Instant.ofEpochMilli(rs.getLong(2)));
            }
          }
          return result;
        });
  }

  /** The server's pending schedules, earliest first. */
  public List<Schedule> listByServer(ServerId server) {
    Objects.requireNonNull(server, "server");
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLUMNS
                      + " FROM schedules WHERE server_id = ? ORDER BY due_at, id")) {
            ps.setString(1, server.uid());
            return read(ps);
          }
        });
  }

  private static Schedule insert(
      Connection c, ServerId server, ScheduledAction action, Instant dueAt, Instant createdAt)
      throws SQLException {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(action, "action");
    long due = dueAt.toEpochMilli();
    long created = createdAt.toEpochMilli();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO schedules(server_id, action, due_at, created_at) VALUES (?, ?, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, server.uid());
      ps.setString(2, action.name());
      ps.setLong(3, due);
      ps.setLong(4, created);
      ps.executeUpdate();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        keys.next();
        return new Schedule(
            keys.getLong(1),
            server,
            action,
            Instant.ofEpochMilli(due),
            Instant.ofEpochMilli(created));
      }
    }
  }

  private static int delete(Connection c, ServerId server, ScheduledAction action)
      throws SQLException {
    Objects.requireNonNull(server, "server");
    String sql =
        action == null
            ? "DELETE FROM schedules WHERE server_id = ?"
            : "DELETE FROM schedules WHERE server_id = ? AND action = ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, server.uid());
      if (action != null) {
        ps.setString(2, action.name());
      }
      return ps.executeUpdate();
    }
  }

  private static boolean deleteById(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM schedules WHERE id = ?")) {
      ps.setLong(1, id);
      return ps.executeUpdate() == 1;
    }
  }

  private static List<Schedule> selectDue(Connection c, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + COLUMNS + " FROM schedules WHERE due_at <= ? ORDER BY due_at, id")) {
      ps.setLong(1, now.toEpochMilli());
      return read(ps);
    }
  }

  private static List<Schedule> read(PreparedStatement ps) throws SQLException {
    List<Schedule> result = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        result.add(
            new Schedule(
                rs.getLong(1),
                ServerId.parse(rs.getString(2)),
                ScheduledAction.valueOf(rs.getString(3)),
                Instant.ofEpochMilli(rs.getLong(4)),
                Instant.ofEpochMilli(rs.getLong(5))));
      }
    }
    return result;
  }
}
