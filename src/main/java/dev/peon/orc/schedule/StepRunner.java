package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the steps of a command schedule in order: types each command into the console, pauses
 * for each wait, and hands the final action to the schedule handler. The first failing step ends
 * the run (a restart after a warning that never reached the players would surprise them); its
 * message names the step.
 */
final class StepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

  /** How a wait step waits; tests pass one that only advances a fake clock. */
  @FunctionalInterface
  interface Pause {
    Pause SLEEP = d -> Thread.sleep(d.toMillis());

    void pause(Duration d) throws InterruptedException;
  }

  private final ConsoleInput console;
  private final ScheduledActionHandler handler;
  private final Pause pause;

  StepRunner(ConsoleInput console, ScheduledActionHandler handler, Pause pause) {
    this.console = Objects.requireNonNull(console, "console");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.pause = Objects.requireNonNull(pause, "pause");
  }

  void run(ServerId server, CommandSteps steps) throws Exception {
    List<ScheduleStep> all = steps.steps();
    for (int i = 0; i < all.size(); i++) {
      ScheduleStep step = all.get(i);
      try {
        switch (step) {
          case ScheduleStep.Command c -> {
            console.send(server, c.text());
            // the length only: a typed line may carry a password
            LOG.atInfo()
                .addKeyValue("serverId", server)
                .addKeyValue("step", i + 1)
                .addKeyValue("length", c.text().length())
                .log("scheduled console command sent");
          }
          case ScheduleStep.Wait w -> pause.pause(w.duration());
          case ScheduleStep.Action a -> handler.run(server, a.action(), null);
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        throw new StepFailedException(
            "step " + (i + 1) + " (" + describe(step) + ") failed: " + e.getMessage(), e);
      }
    }
  }

  /** How a step reads in a run's result; a command's text is not repeated. */
  static String describe(ScheduleStep step) {
    return switch (step) {
      case ScheduleStep.Command c -> "console command";
      case ScheduleStep.Wait w -> "wait " + CommandSteps.format(w.duration());
      case ScheduleStep.Action a -> a.action().wire();
    };
  }

  /** A step that failed; the run ends there. */
  static final class StepFailedException extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
