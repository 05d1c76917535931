package dev.peon.orc.schedule;

import java.util.Locale;
import java.util.Optional;

/**
 * The update mode of an {@code update} schedule, in the words of the v2 update endpoint. Kept here
 * rather than reusing the server feature's type so that schedules depend on servers only for {@code
 * ServerId}; the composition root maps it.
 */
public enum ScheduledUpdateMode {
  FULL,
  IMAGE,
  SERVER,
  REINIT,
  RESTART;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<ScheduledUpdateMode> fromWire(String word) {
    for (ScheduledUpdateMode m : values()) {
      if (m.wire().equals(word)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
