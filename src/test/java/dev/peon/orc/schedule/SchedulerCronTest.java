package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.schedule.RecordingHandler.Call;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v2 schedules: cron, enable and disable, results, events, misfire after downtime. */
class SchedulerCronTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp1");
  private static final ServerId OTHER = ServerId.parse("csgo.main");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final EventBus events = new EventBus(clock);
  private final List<Event> published = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Database db;
  private ScheduleRepository repo;

  @BeforeEach
  void open() {
    db = reopen();
    ScheduleStore.insertServer(db, CAMP);
    ScheduleStore.insertServer(db, OTHER);
    events.subscribe(0, published::add);
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
    Scheduler s = new Scheduler(repo, clock, handler, events, new CallerRunsExecutor());
    toClose.add(s);
    return s;
  }

  private static Schedule cron(ServerId server, ScheduledAction action, String cron, Misfire m) {
    return new Schedule(
        0,
        server,
        action,
        CronExpression.parse(cron),
        null,
        Schedule.UTC,
        true,
        m,
        action == ScheduledAction.UPDATE ? ScheduledUpdateMode.IMAGE : null,
        ScheduleOrigin.V2,
        null,
        null,
        null,
        T0);
  }

  private static Schedule once(ServerId server, ScheduledAction action, Instant at) {
    return new Schedule(
        0,
        server,
        action,
        null,
        at,
        Schedule.UTC,
        true,
        Misfire.RUN_ONCE,
        null,
        ScheduleOrigin.V2,
        null,
        null,
        null,
        T0);
  }

  @Test
  void aCronScheduleFiresEachDueTimeOnceAndMovesToItsNextRun() {
    RecordingHandler handler = new RecordingHandler(3);
    Scheduler scheduler = scheduler(handler);
    Schedule s =
        scheduler.create(cron(CAMP, ScheduledAction.RESTART, "*/10 * * * * *", Misfire.RUN_ONCE));
    assertThat(s.nextRun()).isEqualTo(T0.plusSeconds(10));

    clock.advance(Duration.ofMillis(9_999));
    assertThat(scheduler.runDue()).isZero();
    clock.advance(Duration.ofMillis(1));
    assertThat(scheduler.runDue()).isEqualTo(1);
    assertThat(scheduler.runDue()).isZero();
    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plusSeconds(20));

    clock.set(T0.plusSeconds(20));
    assertThat(scheduler.runDue()).isEqualTo(1);
    // a late wake-up fires the overdue run once, then waits for the next future time
    clock.set(T0.plusSeconds(35));
    assertThat(scheduler.runDue()).isEqualTo(1);
    assertThat(scheduler.runDue()).isZero();

    assertThat(handler.calls()).hasSize(3).allMatch(c -> c.action() == ScheduledAction.RESTART);
    assertThat(scheduler.find(CAMP, s.id()).orElseThrow().nextRun()).isEqualTo(T0.plusSeconds(40));
  }

  @Test
  void aDisabledScheduleNeverFires() {
    RecordingHandler handler = new RecordingHandler(0);
    Scheduler scheduler = scheduler(handler);
    Schedule s =
        scheduler.create(
            cron(CAMP, ScheduledAction.STOP, "* * * * *", Misfire.RUN_ONCE).withEnabled(false));

    assertThat(s.nextRun()).isNull();
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();
    clock.advance(Duration.ofDays(1));
    assertThat(scheduler.runDue()).isZero();
    assertThat(handler.calls()).isEmpty();
  }

  @Test
  void disablingStopsRunsAndEnablingPlansTheNextFromNow() {
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler scheduler = scheduler(handler);
    Schedule s = scheduler.create(cron(CAMP, ScheduledAction.STOP, "0 * * * *", Misfire.SKIP));

    Schedule off = scheduler.change(s.withEnabled(false)).orElseThrow();
    assertThat(off.nextRun()).isNull();
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();
    clock.advance(Duration.ofMinutes(90));
    assertThat(scheduler.runDue()).isZero();

    Schedule on = scheduler.change(off.withEnabled(true)).orElseThrow();
    assertThat(on.nextRun()).isEqualTo(T0.plus(Duration.ofHours(2)));
    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plus(Duration.ofHours(2)));
  }

  @Test
  void recordsSuccessAndFailureAsLastResultAndPublishesEachRun() {
    Scheduler scheduler = scheduler(new RecordingHandler(2, OTHER));
    Schedule ok = scheduler.create(cron(CAMP, ScheduledAction.START, "* * * * *", Misfire.SKIP));
    Schedule bad = scheduler.create(cron(OTHER, ScheduledAction.START, "* * * * *", Misfire.SKIP));

    clock.advance(Duration.ofMinutes(1));
    scheduler.runDue();

    Schedule okAfter = scheduler.find(CAMP, ok.id()).orElseThrow();
    assertThat(okAfter.lastRun()).isEqualTo(T0.plusSeconds(60));
    assertThat(okAfter.lastResult()).isEqualTo(RunResult.succeeded());
    Schedule badAfter = scheduler.find(OTHER, bad.id()).orElseThrow();
    assertThat(badAfter.lastResult())
        .isEqualTo(new RunResult(RunResult.Status.FAILED, "container is gone"));
    assertThat(badAfter.nextRun()).isEqualTo(T0.plusSeconds(120));

    assertThat(published)
        .filteredOn(e -> e.type().equals("schedule.run"))
        .extracting(Event::data)
        .containsExactlyInAnyOrder(
            Map.of(
                "schedule",
                ok.id(),
                "server",
                "valheim.camp1",
                "action",
                "start",
                "result",
                "succeeded",
                "at",
                "2026-01-01T00:01:00Z"),
            Map.of(
                "schedule",
                bad.id(),
                "server",
                "csgo.main",
                "action",
                "start",
                "result",
                "failed",
                "detail",
                "container is gone",
                "at",
                "2026-01-01T00:01:00Z"));
  }

  @Test
  void anUpdateScheduleHandsItsModeToTheHandler() {
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler scheduler = scheduler(handler);
    scheduler.create(cron(CAMP, ScheduledAction.UPDATE, "0 4 * * *", Misfire.RUN_ONCE));

    clock.advance(Duration.ofHours(4));
    scheduler.runDue();

    assertThat(handler.calls()).containsExactly(new Call(CAMP, ScheduledAction.UPDATE));
    assertThat(handler.modes()).containsExactly("image");
  }

  @Test
  void aV2OneShotStaysListedDisabledWithItsResultAfterFiring() {
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler scheduler = scheduler(handler);
    Schedule s = scheduler.create(once(CAMP, ScheduledAction.STOP, T0.plusSeconds(30)));
    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plusSeconds(30));

    clock.advance(Duration.ofSeconds(30));
    assertThat(scheduler.runDue()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(30));
    assertThat(scheduler.runDue()).isZero();

    Schedule after = scheduler.list(CAMP).getFirst();
    assertThat(after.id()).isEqualTo(s.id());
    assertThat(after.enabled()).isFalse();
    assertThat(after.nextRun()).isNull();
    assertThat(after.lastRun()).isEqualTo(T0.plusSeconds(30));
    assertThat(after.lastResult()).isEqualTo(RunResult.succeeded());
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();
    assertThat(handler.calls()).hasSize(1);
  }

  @Test
  void v1CallsLeaveV2SchedulesAloneButNextEventSeesBoth() {
    Scheduler scheduler = scheduler(new RecordingHandler(0));
    Schedule v2Stop = scheduler.create(once(CAMP, ScheduledAction.STOP, T0.plusSeconds(100)));
    scheduler.scheduleStop(CAMP, T0.plusSeconds(50));
    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plusSeconds(50));
    assertThat(scheduler.nextSchedule(CAMP).orElseThrow().origin()).isEqualTo(ScheduleOrigin.V1);

    scheduler.scheduleStop(CAMP, T0.plusSeconds(200));
    assertThat(scheduler.list(CAMP)).hasSize(2);
    assertThat(scheduler.nextEvent(CAMP)).contains(T0.plusSeconds(100));

    assertThat(scheduler.cancel(CAMP, ScheduledAction.STOP)).isEqualTo(1);
    assertThat(scheduler.list(CAMP)).extracting(Schedule::id).containsExactly(v2Stop.id());
    assertThat(scheduler.cancelAll(CAMP)).isEqualTo(1);
    assertThat(scheduler.nextEvent(CAMP)).isEmpty();
  }

  @Test
  void afterDowntimeRunOnceFiresOnceAndSkipRecordsSkipped() throws Exception {
    Scheduler first = scheduler(new RecordingHandler(0));
    Schedule runOnce =
        first.create(cron(CAMP, ScheduledAction.RESTART, "* * * * *", Misfire.RUN_ONCE));
    Schedule skip = first.create(cron(OTHER, ScheduledAction.RESTART, "* * * * *", Misfire.SKIP));
    Schedule skippedOnce =
        first.create(
            new Schedule(
                0,
                OTHER,
                ScheduledAction.STOP,
                null,
                T0.plusSeconds(30),
                Schedule.UTC,
                true,
                Misfire.SKIP,
                null,
                ScheduleOrigin.V2,
                null,
                null,
                null,
                T0));
    first.close();
    db.close();

    // ten minutes down: ten runs of each cron schedule were missed
    clock.advance(Duration.ofMinutes(10).plusSeconds(20));
    reopen();
    RecordingHandler handler = new RecordingHandler(1);
    Scheduler second = scheduler(handler);
    second.start();

    assertThat(handler.calls()).containsExactly(new Call(CAMP, ScheduledAction.RESTART));
    Instant restartedAt = T0.plus(Duration.ofMinutes(10).plusSeconds(20));
    Instant nextMinute = T0.plus(Duration.ofMinutes(11));
    Schedule ran = second.find(CAMP, runOnce.id()).orElseThrow();
    assertThat(ran.lastResult()).isEqualTo(RunResult.succeeded());
    assertThat(ran.lastRun()).isEqualTo(restartedAt);
    assertThat(ran.nextRun()).isEqualTo(nextMinute);
    Schedule skipped = second.find(OTHER, skip.id()).orElseThrow();
    assertThat(skipped.lastResult().status()).isEqualTo(RunResult.Status.SKIPPED);
    assertThat(skipped.lastResult().detail()).contains("while the orchestrator was down");
    assertThat(skipped.nextRun()).isEqualTo(nextMinute);
    Schedule once = second.find(OTHER, skippedOnce.id()).orElseThrow();
    assertThat(once.lastResult().status()).isEqualTo(RunResult.Status.SKIPPED);
    assertThat(once.enabled()).isFalse();
    assertThat(published)
        .filteredOn(e -> e.type().equals("schedule.run"))
        .extracting(e -> e.data().get("result"))
        .containsExactlyInAnyOrder("succeeded", "skipped", "skipped");
  }
}
