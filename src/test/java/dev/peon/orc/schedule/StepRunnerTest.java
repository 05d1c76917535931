package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The steps run in order against a recording console, pause and handler. */
class StepRunnerTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp1");
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final MutableClock clock = new MutableClock(java.time.Instant.EPOCH);

  private StepRunner runner(String failingCommand) {
    return new StepRunner(
        (server, line) -> {
          if (line.equals(failingCommand)) {
            throw new IllegalStateException("The server [" + server + "] is not running.");
          }
          log.add(clock.instant() + " console " + server.uid() + ": " + line);
        },
        (server, action, mode) ->
            log.add(clock.instant() + " " + action.wire() + " " + server.uid()),
        d -> {
          log.add(clock.instant() + " wait " + d.toSeconds() + "s");
          clock.advance(d);
        });
  }

  @Test
  void typesWaitsAndActsInOrder() throws Exception {
    runner(null)
        .run(
            CAMP,
            new CommandSteps(
                List.of(
                    new ScheduleStep.Command("say restarting in 5 minutes"),
                    new ScheduleStep.Wait(Duration.ofMinutes(5)),
                    new ScheduleStep.Command("say restarting now"),
                    new ScheduleStep.Action(ScheduledAction.RESTART))));
    assertThat(log)
        .containsExactly(
            "1970-01-01T00:00:00Z console valheim.camp1: say restarting in 5 minutes",
            "1970-01-01T00:00:00Z wait 300s",
            "1970-01-01T00:05:00Z console valheim.camp1: say restarting now",
            "1970-01-01T00:05:00Z restart valheim.camp1");
  }

  @Test
  void stopsAtTheFirstFailingStepWithoutTheFinalAction() {
    CommandSteps steps =
        new CommandSteps(
            List.of(
                new ScheduleStep.Command("say bye"),
                new ScheduleStep.Command("save hunter2"),
                new ScheduleStep.Action(ScheduledAction.STOP)));
    assertThatThrownBy(() -> runner("save hunter2").run(CAMP, steps))
        .isInstanceOf(StepRunner.StepFailedException.class)
        .hasMessage("step 2 (console command) failed: The server [valheim.camp1] is not running.")
        .message()
        .doesNotContain("hunter2");
    assertThat(log).containsExactly("1970-01-01T00:00:00Z console valheim.camp1: say bye");
  }
}
