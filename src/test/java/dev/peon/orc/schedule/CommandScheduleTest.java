package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command schedule is stored with its steps and, when due, runs them through the scheduler. */
class CommandScheduleTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp1");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final List<String> log = new CopyOnWriteArrayList<>();
  private Database db;
  private Scheduler scheduler;
  private ScheduleRepository repo;

  @BeforeEach
  void open() {
    db = ScheduleStore.open(dir);
    ScheduleStore.insertServer(db, CAMP);
    repo = new ScheduleRepository(db);
    ScheduledActionHandler handler = (server, action, mode) -> log.add(action.wire());
    StepRunner steps =
        new StepRunner(
            (server, line) -> {
              if (line.contains("fail")) {
                throw new IllegalStateException("The server's input is not available.");
              }
              log.add("console: " + line);
            },
            handler,
            d -> {
              log.add("wait " + CommandSteps.format(d));
              clock.advance(d);
            });
    scheduler =
        new Scheduler(repo, clock, handler, new EventBus(clock), new CallerRunsExecutor(), steps);
  }

  @AfterEach
  void close() {
    scheduler.close();
    db.close();
  }

  private Schedule commandAt(Instant at, ScheduleStep... steps) {
    return new Schedule(
        0,
        CAMP,
        ScheduledAction.COMMAND,
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
        T0,
        new CommandSteps(List.of(steps)));
  }

  @Test
  void storesTheStepsAndRunsThemInOrderWhenDue() {
    Schedule s =
        scheduler.create(
            commandAt(
                T0.plusSeconds(60),
                new ScheduleStep.Command("say restarting in 5 minutes"),
                new ScheduleStep.Wait(Duration.ofMinutes(5)),
                new ScheduleStep.Command("say restarting now"),
                new ScheduleStep.Action(ScheduledAction.RESTART)));
    assertThat(repo.find(s.id()).orElseThrow().steps()).isEqualTo(s.steps());

    clock.advance(Duration.ofSeconds(60));
    assertThat(scheduler.runDue()).isEqualTo(1);
    assertThat(log)
        .containsExactly(
            "console: say restarting in 5 minutes",
            "wait 5m",
            "console: say restarting now",
            "restart");
    RunResult result = repo.find(s.id()).orElseThrow().lastResult();
    assertThat(result.status()).isEqualTo(RunResult.Status.SUCCEEDED);
  }

  @Test
  void aFailingStepFailsTheRunAndSkipsTheRest() {
    Schedule s =
        scheduler.create(
            commandAt(
                T0.plusSeconds(60),
                new ScheduleStep.Command("say fail"),
                new ScheduleStep.Action(ScheduledAction.STOP)));
    clock.advance(Duration.ofSeconds(60));
    scheduler.runDue();
    assertThat(log).isEmpty();
    RunResult result = repo.find(s.id()).orElseThrow().lastResult();
    assertThat(result.status()).isEqualTo(RunResult.Status.FAILED);
    assertThat(result.detail())
        .isEqualTo("step 1 (console command) failed: The server's input is not available.");
  }
}
