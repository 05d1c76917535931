package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules in SQLite ({@code schedules} table). Instants are stored as epoch milliseconds, enums
 * by name. Rows of a deleted server go with it (foreign key, {@code ON DELETE CASCADE}).
 */
public final class ScheduleRepository {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleRepository.class);
  private static final String COLUMNS =
      "id, server_id, action, cron, at, time_zone, enabled, misfire, update_mode, origin,"
          + " next_run, last_run, last_status, last_detail, created_at, steps";
  private static final String DUE =
      " FROM schedules WHERE enabled = 1 AND next_run IS NOT NULL AND next_run <= ?"
          + " ORDER BY next_run, id";

  private final Database db;

  public ScheduleRepository(Database db) {
    this.db = Objects.requireNonNull(db, "db");
  }

  /** Stores a new schedule; its id is ignored and the stored one returned. */
  public Schedule insert(Schedule s) {
    return db.inTransaction(c -> insert(c, s));
  }

  /**
   * Replaces the server's v1 schedules of the same action by {@code s} (a v1 one-shot), in one
   * transaction: a new v1 scheduled stop replaces the previous one, and nothing else.
   */
  public Schedule replaceV1(Schedule s) {
    return db.inTransaction(
        c -> {
          deleteV1(c, s.server(), s.action());
          return insert(c, s);
        });
  }

  /** Saves the definition and next run of an existing schedule; last run and result stay. */
  public Optional<Schedule> update(Schedule s) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE schedules SET cron = ?, at = ?, time_zone = ?, enabled = ?, misfire = ?,"
                      + " update_mode = ?, next_run = ?, steps = ? WHERE id = ? AND server_id = ?")) {
            ps.setString(1, s.cron() == null ? null : s.cron().text());
            setInstant(ps, 2, s.at());
            ps.setString(3, s.zone().getId());
            ps.setInt(4, s.enabled() ? 1 : 0);
            ps.setString(5, s.misfire().name());
            ps.setString(6, s.updateMode() == null ? null : s.updateMode().name());
            setInstant(ps, 7, s.nextRun());
            ps.setString(8, s.steps() == null ? null : s.steps().toJsonText());
            ps.setLong(9, s.id());
            ps.setString(10, s.server().uid());
            if (ps.executeUpdate() == 0) {
              return Optional.empty();
            }
          }
          return find(c, s.id());
        });
  }

  /** Records how a run ended; false when the schedule is gone (a fired v1 one-shot, deleted). */
  public boolean recordResult(long id, Instant ranAt, RunResult result) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE schedules SET last_run = ?, last_status = ?, last_detail = ?"
                      + " WHERE id = ?")) {
            ps.setLong(1, ranAt.toEpochMilli());
            ps.setString(2, result.status().name());
            ps.setString(3, result.detail());
            ps.setLong(4, id);
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** Removes all of the server's schedules, of both origins; returns how many. */
  public int removeByServer(ServerId server) {
    Objects.requireNonNull(server, "server");
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM schedules WHERE server_id = ?")) {
            ps.setString(1, server.uid());
            return ps.executeUpdate();
          }
        });
  }

  /** Removes the server's v1 schedules of {@code action}; v2 schedules stay. Returns how many. */
  public int removeV1(ServerId server, ScheduledAction action) {
    Objects.requireNonNull(action, "action");
    return db.inTransaction(c -> deleteV1(c, server, action));
  }

  /** Removes one schedule of {@code server}; false when there is no such schedule. */
  public boolean delete(ServerId server, long id) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM schedules WHERE id = ? AND server_id = ?")) {
            ps.setLong(1, id);
            ps.setString(2, server.uid());
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** One schedule by id, whatever its server. */
  public Optional<Schedule> find(long id) {
    return db.inTransaction(c -> find(c, id));
  }

  /** Enabled schedules due at {@code now} or earlier, earliest first. */
  public List<Schedule> listDue(Instant now) {
    return db.inTransaction(c -> selectDue(c, now));
  }

  /**
   * Claims every enabled schedule due at {@code now} in one transaction, so that each run is handed
   * out exactly once even when two callers race. {@code advance} gives each schedule's state after
   * the claim (its next run, or disabled); null deletes the row. Returns the claimed schedules as
   * they were, earliest first.
   */
  public List<Schedule> claimDue(Instant now, UnaryOperator<Schedule> advance) {
    return db.inTransaction(
        c -> {
          List<Schedule> due = selectDue(c, now);
          for (Schedule s : due) {
            Schedule after = advance.apply(s);
            if (after == null) {
              try (PreparedStatement ps =
                  c.prepareStatement("DELETE FROM schedules WHERE id = ?")) {
                ps.setLong(1, s.id());
                ps.executeUpdate();
              }
            } else {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "UPDATE schedules SET enabled = ?, next_run = ? WHERE id = ?")) {
                ps.setInt(1, after.enabled() ? 1 : 0);
                setInstant(ps, 2, after.nextRun());
                ps.setLong(3, s.id());
                ps.executeUpdate();
              }
            }
          }
          return due;
        });
  }

  /** The server's enabled schedule with the earliest next run (the v1 {@code time} field). */
  public Optional<Schedule> nextOf(ServerId server) {
    Objects.requireNonNull(server, "server");
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLUMNS
                      + " FROM schedules WHERE server_id = ? AND enabled = 1"
                      + " AND next_run IS NOT NULL ORDER BY next_run, id LIMIT 1")) {
            ps.setString(1, server.uid());
            return read(ps).stream().findFirst();
          }
        });
  }

  /** Every enabled schedule with a next run, earliest first, for warming a cache. */
  public List<Schedule> listPending() {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + COLUMNS
                      + " FROM schedules WHERE enabled = 1 AND next_run IS NOT NULL"
                      + " ORDER BY next_run, id")) {
            return read(ps);
          }
        });
  }

  /** How many schedules there are, enabled or not. */
  public int count() {
    return db.inTransaction(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM schedules")) {
            rs.next();
            return rs.getInt(1);
          }
        });
  }

  /** The server's schedules by id. */
  public List<Schedule> listByServer(ServerId server) {
    Objects.requireNonNull(server, "server");
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT " + COLUMNS + " FROM schedules WHERE server_id = ? ORDER BY id")) {
            ps.setString(1, server.uid());
            return read(ps);
          }
        });
  }

  private static Schedule insert(Connection c, Schedule s) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO schedules(server_id, action, cron, at, time_zone, enabled, misfire,"
                + " update_mode, origin, next_run, last_run, last_status, last_detail, created_at,"
                + " steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, s.server().uid());
      ps.setString(2, s.action().name());
      ps.setString(3, s.cron() == null ? null : s.cron().text());
      setInstant(ps, 4, s.at());
      ps.setString(5, s.zone().getId());
      ps.setInt(6, s.enabled() ? 1 : 0);
      ps.setString(7, s.misfire().name());
      ps.setString(8, s.updateMode() == null ? null : s.updateMode().name());
      ps.setString(9, s.origin().name());
      setInstant(ps, 10, s.nextRun());
      setInstant(ps, 11, s.lastRun());
      ps.setString(12, s.lastResult() == null ? null : s.lastResult().status().name());
      ps.setString(13, s.lastResult() == null ? null : s.lastResult().detail());
      ps.setLong(14, s.createdAt().toEpochMilli());
      ps.setString(15, s.steps() == null ? null : s.steps().toJsonText());
      ps.executeUpdate();
      long id;
      try (ResultSet keys = ps.getGeneratedKeys()) {
        keys.next();
        id = keys.getLong(1);
      }
      return find(c, id).orElseThrow();
    }
  }

  private static Optional<Schedule> find(Connection c, long id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + COLUMNS + " FROM schedules WHERE id = ?")) {
      ps.setLong(1, id);
      return read(ps).stream().findFirst();
    }
  }

  private static int deleteV1(Connection c, ServerId server, ScheduledAction action)
      throws SQLException {
    Objects.requireNonNull(server, "server");
    try (PreparedStatement ps =
        c.prepareStatement(
            "DELETE FROM schedules WHERE server_id = ? AND action = ? AND origin = 'V1'")) {
      ps.setString(1, server.uid());
      ps.setString(2, action.name());
      return ps.executeUpdate();
    }
  }

  private static List<Schedule> selectDue(Connection c, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + DUE)) {
      ps.setLong(1, now.toEpochMilli());
      return read(ps);
    }
  }

  private static void setInstant(PreparedStatement ps, int index, Instant value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setLong(index, value.toEpochMilli());
    }
  }

  private static Instant instant(ResultSet rs, int index) throws SQLException {
    long millis = rs.getLong(index);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  /**
   * The schedules the statement selects. A row that no longer parses (a time zone dropped by a
   * tzdata update, an action or cron form this version does not know) is disabled with the reason
   * as its last result and skipped: one bad row never stops the others.
   */
  private static List<Schedule> read(PreparedStatement ps) throws SQLException {
    List<Schedule> result = new ArrayList<>();
    Map<Long, String> broken = new LinkedHashMap<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        try {
          result.add(row(rs));
        } catch (RuntimeException e) {
          broken.put(rs.getLong(1), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
    }
    for (Map.Entry<Long, String> b : broken.entrySet()) {
      disableBroken(ps.getConnection(), b.getKey(), b.getValue());
    }
    return result;
  }

  private static void disableBroken(Connection c, long id, String reason) throws SQLException {
    String detail = "This schedule cannot be read and was disabled: " + reason;
    if (detail.length() > 500) {
      detail = detail.substring(0, 500);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE schedules SET enabled = 0, next_run = NULL, last_status = ?, last_detail = ?"
                + " WHERE id = ?")) {
      ps.setString(1, RunResult.Status.FAILED.name());
      ps.setString(2, detail);
      ps.setLong(3, id);
      ps.executeUpdate();
    }
    LOG.atWarn()
        .addKeyValue("scheduleId", id)
        .addKeyValue("reason", reason)
        .log("unreadable schedule disabled");
  }

  private static Schedule row(ResultSet rs) throws SQLException {
    String cron = rs.getString(4);
    String mode = rs.getString(9);
    String status = rs.getString(13);
    return new Schedule(
        rs.getLong(1),
        ServerId.parse(rs.getString(2)),
        ScheduledAction.valueOf(rs.getString(3)),
        cron == null ? null : CronExpression.parse(cron),
        instant(rs, 5),
        ZoneId.of(rs.getString(6)),
        rs.getInt(7) == 1,
        Misfire.valueOf(rs.getString(8)),
        mode == null ? null : ScheduledUpdateMode.valueOf(mode),
        ScheduleOrigin.valueOf(rs.getString(10)),
        instant(rs, 11),
        instant(rs, 12),
        status == null ? null : new RunResult(RunResult.Status.valueOf(status), rs.getString(14)),
        Instant.ofEpochMilli(rs.getLong(15)),
        CommandSteps.parse(rs.getString(16)));
  }
}
