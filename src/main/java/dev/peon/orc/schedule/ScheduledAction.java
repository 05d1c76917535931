package dev.peon.orc.schedule;

import java.util.Locale;
import java.util.Optional;

/** What a schedule does to its server when it falls due. */
public enum ScheduledAction {
  START,
  STOP,
  RESTART,
  UPDATE,
  BACKUP,
  /** Console commands, waits and an optional final action ({@link CommandSteps}). */
  COMMAND;

  /** The word used in the API ({@code start}, ...). */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action for an API word; empty for anything else (case matters). */
  public static Optional<ScheduledAction> fromWire(String word) {
    for (ScheduledAction a : values()) {
      if (a.wire().equals(word)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
