package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleRepositoryTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp1");
  private static final ServerId OTHER = ServerId.parse("csgo.main");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  private Database db;
  private ScheduleRepository repo;

  @BeforeEach
  void open() {
    db = ScheduleStore.open(dir);
    ScheduleStore.insertServer(db, CAMP);
    ScheduleStore.insertServer(db, OTHER);
    repo = new ScheduleRepository(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  static Schedule once(ServerId server, ScheduledAction action, Instant at, ScheduleOrigin origin) {
    return new Schedule(
        0,
        server,
        action,
        null,
        at,
        Schedule.UTC,
        true,
        Misfire.RUN_ONCE,
        action == ScheduledAction.UPDATE ? ScheduledUpdateMode.FULL : null,
        origin,
        at,
        null,
        null,
        T0);
  }

  static Schedule cron(ServerId server, String cron, String zone, Instant next) {
    return new Schedule(
        0,
        server,
        ScheduledAction.UPDATE,
        CronExpression.parse(cron),
        null,
        ZoneId.of(zone),
        true,
        Misfire.SKIP,
        ScheduledUpdateMode.IMAGE,
        ScheduleOrigin.V2,
        next,
        null,
        null,
        T0);
  }

  @Test
  void anUnreadableRowIsDisabledWithItsReasonAndNeverStopsTheOthers() {
    Schedule good = repo.insert(once(CAMP, ScheduledAction.STOP, T0, ScheduleOrigin.V2));
    Schedule zone = repo.insert(once(OTHER, ScheduledAction.START, T0, ScheduleOrigin.V2));
    Schedule action = repo.insert(once(OTHER, ScheduledAction.STOP, T0, ScheduleOrigin.V2));
    db.inTransaction(
        c -> {
          try (Statement st = c.createStatement()) {
            // a zone a tzdata update dropped; an action a newer version wrote before a downgrade
            st.executeUpdate(
                "UPDATE schedules SET time_zone = 'Mars/Olympus_Mons' WHERE id = " + zone.id());
            st.executeUpdate("UPDATE schedules SET action = 'TELEPORT' WHERE id = " + action.id());
          }
          return null;
        });

    assertThat(repo.listPending()).extracting(Schedule::id).containsExactly(good.id());
    assertThat(repo.claimDue(T0, s -> null)).extracting(Schedule::id).containsExactly(good.id());

    db.inTransaction(
        c -> {
          try (Statement st = c.createStatement();
              var rs =
                  st.executeQuery(
                      "SELECT id, enabled, next_run, last_status, last_detail FROM schedules"
                          + " WHERE id IN ("
                          + zone.id()
                          + ", "
                          + action.id()
                          + ") ORDER BY id")) {
            int n = 0;
            while (rs.next()) {
              n++;
              assertThat(rs.getInt(2)).isZero();
              rs.getLong(3);
              assertThat(rs.wasNull()).isTrue();
              assertThat(rs.getString(4)).isEqualTo("FAILED");
              assertThat(rs.getString(5))
                  .startsWith("This schedule cannot be read and was disabled")
                  .containsAnyOf("Mars/Olympus_Mons", "TELEPORT");
            }
            assertThat(n).isEqualTo(2);
          }
          return null;
        });
  }

  @Test
  void storesAndReadsBackEveryField() {
    Schedule stored = repo.insert(cron(CAMP, "0 30 4 * * MON-FRI", "Europe/Berlin", T0));

    assertThat(stored.id()).isPositive();
    assertThat(repo.find(stored.id())).contains(stored);
    assertThat(stored.cron().text()).isEqualTo("0 30 4 * * MON-FRI");
    assertThat(stored.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(stored.misfire()).isEqualTo(Misfire.SKIP);
    assertThat(stored.updateMode()).isEqualTo(ScheduledUpdateMode.IMAGE);
    assertThat(stored.origin()).isEqualTo(ScheduleOrigin.V2);
    assertThat(stored.lastRun()).isNull();
    assertThat(stored.lastResult()).isNull();
  }

  @Test
  void recordsTheLastRunAndResult() {
    Schedule s = repo.insert(cron(CAMP, "*/5 * * * *", "UTC", T0));

    assertThat(repo.recordResult(s.id(), T0, new RunResult(RunResult.Status.FAILED, "boom")))
        .isTrue();

    Schedule read = repo.find(s.id()).orElseThrow();
    assertThat(read.lastRun()).isEqualTo(T0);
    assertThat(read.lastResult()).isEqualTo(new RunResult(RunResult.Status.FAILED, "boom"));
    assertThat(repo.recordResult(999, T0, RunResult.succeeded())).isFalse();
  }

  @Test
  void replacingAV1StopKeepsOtherActionsAndV2Stops() {
    repo.insert(once(CAMP, ScheduledAction.STOP, T0.plusSeconds(10), ScheduleOrigin.V1));
    Schedule start =
        repo.insert(once(CAMP, ScheduledAction.START, T0.plusSeconds(5), ScheduleOrigin.V1));
    Schedule v2Stop =
        repo.insert(once(CAMP, ScheduledAction.STOP, T0.plusSeconds(7), ScheduleOrigin.V2));
    Schedule otherStop =
        repo.insert(once(OTHER, ScheduledAction.STOP, T0.plusSeconds(5), ScheduleOrigin.V1));

    Schedule stop =
        repo.replaceV1(once(CAMP, ScheduledAction.STOP, T0.plusSeconds(60), ScheduleOrigin.V1));

    assertThat(repo.listByServer(CAMP)).containsExactly(start, v2Stop, stop);
    assertThat(repo.listByServer(OTHER)).containsExactly(otherStop);
    assertThat(repo.removeV1(CAMP, ScheduledAction.STOP)).isEqualTo(1);
    assertThat(repo.listByServer(CAMP)).containsExactly(start, v2Stop);
  }

  @Test
  void nextOfIsTheEarliestEnabledRun() {
    repo.insert(once(CAMP, ScheduledAction.STOP, T0.plusSeconds(30), ScheduleOrigin.V1));
    Schedule disabled =
        once(CAMP, ScheduledAction.START, T0.plusSeconds(5), ScheduleOrigin.V2).withEnabled(false);
    repo.insert(disabled);
    Schedule restart =
        repo.insert(once(CAMP, ScheduledAction.RESTART, T0.plusSeconds(10), ScheduleOrigin.V2));

    assertThat(repo.nextOf(CAMP)).contains(restart);
    assertThat(repo.nextOf(OTHER)).isEmpty();
    assertThat(repo.listPending()).hasSize(2);
    assertThat(repo.count()).isEqualTo(3);
  }

  @Test
  void claimingAppliesTheAdvanceSoASecondClaimGetsNothing() {
    Schedule v1 = repo.insert(once(CAMP, ScheduledAction.STOP, T0, ScheduleOrigin.V1));
    Schedule v2 = repo.insert(once(OTHER, ScheduledAction.STOP, T0, ScheduleOrigin.V2));

    assertThat(
            repo.claimDue(
                T0,
                s ->
                    s.origin() == ScheduleOrigin.V1
                        ? null
                        : s.withEnabled(false).withNextRun(null)))
        .containsExactly(v1, v2);
    assertThat(repo.claimDue(T0, s -> null)).isEmpty();
    assertThat(repo.find(v1.id())).isEmpty();
    Schedule after = repo.find(v2.id()).orElseThrow();
    assertThat(after.enabled()).isFalse();
    assertThat(after.nextRun()).isNull();
  }

  @Test
  void deleteIsScopedToTheServer() {
    Schedule s = repo.insert(once(CAMP, ScheduledAction.STOP, T0, ScheduleOrigin.V2));
    assertThat(repo.delete(OTHER, s.id())).isFalse();
    assertThat(repo.delete(CAMP, s.id())).isTrue();
    assertThat(repo.delete(CAMP, s.id())).isFalse();
  }

  @Test
  void keepsMillisecondPrecision() {
    Instant due = Instant.parse("2026-01-01T00:00:01.234567Z");
    Schedule s = repo.insert(once(CAMP, ScheduledAction.STOP, due, ScheduleOrigin.V1));
    assertThat(s.nextRun()).isEqualTo(Instant.parse("2026-01-01T00:00:01.234Z"));
    assertThat(repo.listByServer(CAMP)).containsExactly(s);
  }

  @Test
  void schedulesGoAwayWithTheirServer() {
    repo.insert(once(CAMP, ScheduledAction.STOP, T0, ScheduleOrigin.V1));
    ScheduleStore.deleteServer(db, CAMP);
    assertThat(repo.listDue(T0)).isEmpty();
  }

  @Test
  void refusesSchedulesForUnknownServers() {
    ServerId ghost = ServerId.parse("valheim.ghost");
    assertThatThrownBy(() -> repo.insert(once(ghost, ScheduledAction.STOP, T0, ScheduleOrigin.V2)))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void migratesPendingV1StopsOfAVersion2DatabaseIntoV1OneShots(@TempDir Path old) throws Exception {
    Path file = old.resolve("peon.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY,"
              + " applied_at TEXT NOT NULL)");
      for (int v = 1; v <= 2; v++) {
        String sql = Files.readString(Path.of("src/main/resources/db/migration/V" + v + ".sql"));
        for (String part : sql.split(";\\s*(\\r?\\n|$)")) {
          if (!part.isBlank()) {
            s.execute(part);
          }
        }
        s.execute("INSERT INTO schema_version VALUES (" + v + ", datetime('now'))");
      }
      s.execute(
          "INSERT INTO servers(server_id, game_uid, servername, port_group, status, created_at)"
              + " VALUES ('valheim.camp1', 'valheim', 'camp1', 0, 'created', datetime('now'))");
      s.execute(
          "INSERT INTO schedules(server_id, action, due_at, created_at)"
              + " VALUES ('valheim.camp1', 'STOP', "
              + T0.plusSeconds(60).toEpochMilli()
              + ", "
              + T0.toEpochMilli()
              + ")");
    }

    try (Database migrated = Database.open(file)) {
      ScheduleRepository r = new ScheduleRepository(migrated);
      Schedule s = r.listByServer(CAMP).getFirst();
      assertThat(s.origin()).isEqualTo(ScheduleOrigin.V1);
      assertThat(s.action()).isEqualTo(ScheduledAction.STOP);
      assertThat(s.at()).isEqualTo(T0.plusSeconds(60));
      assertThat(s.nextRun()).isEqualTo(T0.plusSeconds(60));
      assertThat(s.enabled()).isTrue();
      assertThat(s.zone()).isEqualTo(Schedule.UTC);
      assertThat(s.createdAt()).isEqualTo(T0);
      Schedule added = r.insert(once(CAMP, ScheduledAction.START, T0, ScheduleOrigin.V2));
      assertThat(added.id()).isGreaterThan(s.id());
      ScheduleStore.deleteServer(migrated, CAMP);
      assertThat(r.count()).isZero();
    }
  }
}
