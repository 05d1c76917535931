package dev.peon.orc.schedule;

import java.time.Duration;
import java.util.Objects;

/**
 * One step of a {@link ScheduledAction#COMMAND} schedule: a line typed into the server's console, a
 * pause, or the final power or backup action.
 */
public sealed interface ScheduleStep {
  /** The longest console line a step may type. */
  int MAX_COMMAND = 500;

  /** Types {@code text} into the console (one line, no control characters). */
  record Command(String text) implements ScheduleStep {
    public Command {
      Objects.requireNonNull(text, "text");
      if (text.isBlank() || text.length() > MAX_COMMAND) {
        throw new IllegalArgumentException("a command is 1-" + MAX_COMMAND + " characters");
      }
      if (text.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("a command is one line without control characters");
      }
    }
  }

  /** Waits before the next step. */
  record Wait(Duration duration) implements ScheduleStep {
    public Wait {
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("a wait is longer than zero");
      }
    }
  }

  /** The last step: start, stop, restart or back up the server. */
  record Action(ScheduledAction action) implements ScheduleStep {
    public Action {
      if (!CommandSteps.FINAL_ACTIONS.contains(action)) {
        throw new IllegalArgumentException("a final action is start, stop, restart or backup");
      }
    }
  }
}
