package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.store.StoreException;
import java.nio.file.Path;
import java.time.Instant;
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

  @Test
  void addsAndListsDueSchedulesEarliestFirst() {
    Schedule late = repo.add(CAMP, ScheduledAction.STOP, T0.plusSeconds(20), T0);
    Schedule early = repo.add(OTHER, ScheduledAction.RESTART, T0.plusSeconds(10), T0);
    repo.add(CAMP, ScheduledAction.START, T0.plusSeconds(30), T0);

    assertThat(repo.listDue(T0.plusSeconds(9))).isEmpty();
    assertThat(repo.listDue(T0.plusSeconds(20))).containsExactly(early, late);
  }

  @Test
  void replaceDeletesOnlyTheSameActionOfTheSameServer() {
    repo.add(CAMP, ScheduledAction.STOP, T0.plusSeconds(10), T0);
    repo.add(CAMP, ScheduledAction.STOP, T0.plusSeconds(11), T0);
    Schedule start = repo.add(CAMP, ScheduledAction.START, T0.plusSeconds(5), T0);
    Schedule otherStop = repo.add(OTHER, ScheduledAction.STOP, T0.plusSeconds(5), T0);

    Schedule stop = repo.replace(CAMP, ScheduledAction.STOP, T0.plusSeconds(60), T0);

    assertThat(repo.listByServer(CAMP)).containsExactly(start, stop);
    assertThat(repo.listByServer(OTHER)).containsExactly(otherStop);
  }

  @Test
  void removesByServerAndByAction() {
    repo.add(CAMP, ScheduledAction.STOP, T0.plusSeconds(10), T0);
    repo.add(CAMP, ScheduledAction.START, T0.plusSeconds(20), T0);
    repo.add(OTHER, ScheduledAction.STOP, T0.plusSeconds(10), T0);

    assertThat(repo.removeByServer(CAMP, ScheduledAction.STOP)).isEqualTo(1);
    assertThat(repo.nextDue(CAMP)).contains(T0.plusSeconds(20));
    assertThat(repo.removeByServer(CAMP)).isEqualTo(1);
    assertThat(repo.nextDue(CAMP)).isEmpty();
    assertThat(repo.nextDue(OTHER)).contains(T0.plusSeconds(10));
  }

  @Test
  void nextDueIsTheServersEarliest() {
    repo.add(CAMP, ScheduledAction.STOP, T0.plusSeconds(30), T0);
    repo.add(CAMP, ScheduledAction.START, T0.plusSeconds(10), T0);
    repo.add(OTHER, ScheduledAction.STOP, T0.plusSeconds(5), T0);

    assertThat(repo.nextDue(CAMP)).contains(T0.plusSeconds(10));
    assertThat(repo.nextDueByServer())
        .containsEntry(CAMP, T0.plusSeconds(10))
        .containsEntry(OTHER, T0.plusSeconds(5))
        .hasSize(2);
  }

  @Test
  void claimingDeletesSoASecondClaimGetsNothing() {
    Schedule s = repo.add(CAMP, ScheduledAction.STOP, T0, T0);

    assertThat(repo.claimDue(T0)).containsExactly(s);
    assertThat(repo.claimDue(T0)).isEmpty();
    assertThat(repo.delete(s.id())).isFalse();
  }

  @Test
  void deleteByIdReportsWhetherTheRowExisted() {
    Schedule s = repo.add(CAMP, ScheduledAction.STOP, T0, T0);
    assertThat(repo.delete(s.id())).isTrue();
    assertThat(repo.delete(s.id())).isFalse();
  }

  @Test
  void keepsMillisecondPrecision() {
    Instant due = Instant.parse("2026-01-01T00:00:01.234567Z");
    Schedule s = repo.add(CAMP, ScheduledAction.STOP, due, T0);
    assertThat(s.dueAt()).isEqualTo(Instant.parse("2026-01-01T00:00:01.234Z"));
    assertThat(repo.listByServer(CAMP)).containsExactly(s);
  }

  @Test
  void schedulesGoAwayWithTheirServer() {
    repo.add(CAMP, ScheduledAction.STOP, T0, T0);
    ScheduleStore.deleteServer(db, CAMP);
    assertThat(repo.listDue(T0)).isEmpty();
  }

  @Test
  void refusesSchedulesForUnknownServers() {
    ServerId ghost = ServerId.parse("valheim.ghost");
    assertThatThrownBy(() -> repo.add(ghost, ScheduledAction.STOP, T0, T0))
        .isInstanceOf(StoreException.class);
  }
}
