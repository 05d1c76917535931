package dev.peon.orc.console;

import dev.peon.orc.runtime.LogLine;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * The newest timestamp read from a container's log, per stream. Re-reads start at a whole second
 * (the engine's granularity) and this drops lines at or before what was seen, so lines are neither
 * lost nor doubled. Per stream because the engine orders lines within a stream but not across
 * stdout and stderr; its timestamps have nanosecond precision, so two lines of one stream do not
 * share one. Not thread-safe.
 */
final class LogCursor {
  private final Map<LogLine.Stream, Instant> newest = new EnumMap<>(LogLine.Stream.class);

  /** True when {@code line} is new, recording it; false for a line already seen. */
  boolean admit(LogLine line) {
    Instant seen = newest.get(line.stream());
    if (seen != null && !line.time().isAfter(seen)) {
      return false;
    }
    newest.put(line.stream(), line.time());
    return true;
  }

  /** Where a re-read starts: null when nothing was seen, else the earliest stream's newest. */
  Instant resume() {
    Instant from = null;
    for (Instant t : newest.values()) {
      if (from == null || t.isBefore(from)) {
        from = t;
      }
    }
    return from;
  }
}
