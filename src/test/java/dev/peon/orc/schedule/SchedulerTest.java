package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.schedule.RecordingHandler.Call;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.CapturedLogs;
import dev.peon.orc.testing.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp1");
  private static final ServerId OTHER = ServerId.parse("csgo.main");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Database db;
  private ScheduleRepository repo;

  @BeforeEach
  void open() {
    db = reopen();
    ScheduleStore.insertServer(db, CAMP);
    ScheduleStore.insertServer(db, OTHER);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private Database reopen() {
    Database d = ScheduleStore.open(dir);
    toClose.add(d);
    repo = new ScheduleRepository(d);
    return d;
  }

  private Scheduler scheduler(ScheduledActionHandler handler) {
    Scheduler s =
        new Scheduler(repo, clock, handler, new EventBus(clock), new CallerRunsExecutor());
    toClose.add(s);
    return s;
  }

  @Test
  void firesExactlyOnceAtDueTimeAndNotBefore() {
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler scheduler = scheduler(handler);
    scheduler.scheduleStop(CAMP, T0.plusSeconds(10));

    clock.advance(Duration.ofMillis(9_999));
    assertThat(scheduler.runDue()).isZero();
    assertThat(handler.calls()).isEmpty();

    clock.advance(Duration.ofMillis(1));
    assertThat(scheduler.runDue()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(5));
    assertThat(scheduler.runDue()).isZero();

    assertThat(handler.calls()).containsExactly(new Call(CAMP, ScheduledAction.STOP));
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();
    assertThat(repo.listByServer(CAMP)).isEmpty();
  }

  @Test
  void newScheduledStopReplacesThePreviousOne() {
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler scheduler = scheduler(handler);
    scheduler.scheduleStop(CAMP, T0.plusSeconds(10));
    scheduler.scheduleStop(CAMP, T0.plusSeconds(20));

    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plusSeconds(20));
    clock.advance(Duration.ofSeconds(10));
    assertThat(scheduler.runDue()).isZero();
    clock.advance(Duration.ofSeconds(10));
    assertThat(scheduler.runDue()).isEqualTo(1);
    assertThat(handler.calls()).hasSize(1);
  }

  @Test
  void otherActionsAreKeptWhenAStopIsReplaced() {
    RecordingHandler handler = new RecordingHandler(2);
    Scheduler scheduler = scheduler(handler);
    scheduler.schedule(CAMP, ScheduledAction.RESTART, T0.plusSeconds(5));
    scheduler.scheduleStop(CAMP, T0.plusSeconds(10));
    scheduler.scheduleStop(CAMP, T0.plusSeconds(10));

    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plusSeconds(5));
    clock.advance(Duration.ofSeconds(10));
    scheduler.runDue();
    assertThat(handler.calls())
        .containsExactly(
            new Call(CAMP, ScheduledAction.RESTART), new Call(CAMP, ScheduledAction.STOP));
  }

  @Test
  void cancelledSchedulesNeverFire() {
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler scheduler = scheduler(handler);
    scheduler.scheduleStop(CAMP, T0.plusSeconds(10));
    scheduler.schedule(CAMP, ScheduledAction.START, T0.plusSeconds(20));
    scheduler.scheduleStop(OTHER, T0.plusSeconds(10));

    assertThat(scheduler.cancel(CAMP, ScheduledAction.STOP)).isEqualTo(1);
    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plusSeconds(20));
    assertThat(scheduler.cancelAll(CAMP)).isEqualTo(1);
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();

    clock.advance(Duration.ofHours(1));
    scheduler.runDue();
    assertThat(handler.calls()).containsExactly(new Call(OTHER, ScheduledAction.STOP));
  }

  @Test
  void schedulesSurviveARestartAndPastDueOnesFireAtStart() throws Exception {
    Scheduler first = scheduler(new RecordingHandler(0));
    first.scheduleStop(CAMP, T0.plusSeconds(10));
    first.scheduleStop(OTHER, T0.plusSeconds(100));
    first.close();
    db.close();

    clock.advance(Duration.ofSeconds(50));
    reopen();
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler second = new Scheduler(repo, clock, handler, new EventBus(clock));
    toClose.add(second);

    assertThat(second.nextEvent(CAMP)).contains(T0.plusSeconds(10));
    assertThat(second.nextEvent(OTHER)).contains(T0.plusSeconds(100));
    second.start();

    assertThat(handler.called().await(5, TimeUnit.SECONDS)).isTrue();
    second.close();
    assertThat(handler.calls()).containsExactly(new Call(CAMP, ScheduledAction.STOP));
    assertThat(second.nextEvent(CAMP)).isEmpty();
    assertThat(second.nextEvent(OTHER)).contains(T0.plusSeconds(100));
    assertThat(repo.listByServer(OTHER)).hasSize(1);
  }

  @Test
  void aFailingHandlerDoesNotStopLaterSchedulesAndIsNotRetried() {
    RecordingHandler handler = new RecordingHandler(2, CAMP);
    Scheduler scheduler = scheduler(handler);
    scheduler.scheduleStop(CAMP, T0.plusSeconds(1));
    scheduler.scheduleStop(OTHER, T0.plusSeconds(2));

    clock.advance(Duration.ofSeconds(2));
    assertThat(scheduler.runDue()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(2));
    assertThat(scheduler.runDue()).isZero();

    assertThat(handler.calls())
        .containsExactly(
            new Call(CAMP, ScheduledAction.STOP), new Call(OTHER, ScheduledAction.STOP));
  }

  @Test
  void aHandlerFailureIsLoggedAsWarningWithTheServer() {
    Scheduler scheduler = scheduler(new RecordingHandler(1, CAMP));
    scheduler.scheduleStop(CAMP, T0);
    try (CapturedLogs logs = new CapturedLogs(Scheduler.class)) {
      scheduler.runDue();
      assertThat(logs.lines())
          .anySatisfy(
              line ->
                  assertThat(line)
                      .startsWith("WARN scheduled action failed")
                      .contains("serverId=valheim.camp1", "action=STOP", "container is gone"));
    }
  }

  @Test
  void aSlowHandlerIsNotFiredTwice() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Scheduler scheduler =
        new Scheduler(
            repo,
            clock,
            (server, action, mode) -> {
              runs.incrementAndGet();
              entered.countDown();
              release.await();
            },
            new EventBus(clock),
            Executors.newVirtualThreadPerTaskExecutor());
    toClose.add(scheduler);
    scheduler.scheduleStop(CAMP, T0);

    assertThat(scheduler.runDue()).isEqualTo(1);
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(scheduler.runDue()).isZero();
    release.countDown();
    scheduler.close();

    assertThat(runs).hasValue(1);
  }

  @Test
  void concurrentScheduledStopsLeaveExactlyOne() throws Exception {
    Scheduler scheduler = scheduler(new RecordingHandler(0));
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Schedule>> results = new ArrayList<>();
    try (var pool = Executors.newFixedThreadPool(16)) {
      for (int i = 0; i < 64; i++) {
        Instant due = T0.plusSeconds(60 + i);
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return scheduler.scheduleStop(CAMP, due);
                }));
      }
      go.countDown();
      for (Future<Schedule> f : results) {
        f.get(10, TimeUnit.SECONDS);
      }
    }

    List<Schedule> rows = repo.listByServer(CAMP);
    assertThat(rows).hasSize(1);
    assertThat(scheduler.nextEvent(CAMP)).contains(rows.getFirst().nextRun());
  }

  @Test
  void schedulesOfADeletedServerVanishWithoutFiring() {
    RecordingHandler handler = new RecordingHandler(0);
    Scheduler scheduler = scheduler(handler);
    scheduler.scheduleStop(CAMP, T0.plusSeconds(10));
    ScheduleStore.deleteServer(db, CAMP);

    clock.advance(Duration.ofSeconds(10));
    assertThat(scheduler.runDue()).isZero();
    assertThat(handler.calls()).isEmpty();
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();
  }

  @Test
  void backgroundThreadFiresOnTimeAndWakesForAnEarlierSchedule() throws Exception {
    Clock system = Clock.systemUTC();
    AtomicReference<Instant> firedAt = new AtomicReference<>();
    CountDownLatch fired = new CountDownLatch(1);
    Scheduler scheduler =
        new Scheduler(
            repo,
            system,
            (server, action, mode) -> {
              firedAt.set(system.instant());
              fired.countDown();
            },
            new EventBus(system));
    toClose.add(scheduler);
    scheduler.scheduleStop(OTHER, system.instant().plus(Duration.ofHours(1)));
    scheduler.start();

    Instant due = system.instant().plusMillis(300);
    scheduler.scheduleStop(CAMP, due);

    assertThat(fired.await(3, TimeUnit.SECONDS)).isTrue();
    assertThat(firedAt.get()).isAfterOrEqualTo(due.truncatedTo(ChronoUnit.MILLIS));
    assertThat(Duration.between(due, firedAt.get())).isLessThan(Duration.ofSeconds(2));
    assertThat(scheduler.nextEvent(OTHER)).isPresent();
  }
}
