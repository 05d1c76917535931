package dev.peon.orc.console;

import dev.peon.orc.runtime.LogLine;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * What has been read from a container's log, per stream: the newest timestamp and how many lines
 * carried exactly it. A re-follow starts at a whole second (the engine's granularity) and this
 * drops what was already seen, so lines are neither lost nor doubled. Per stream because the engine
 * orders lines within a stream but not across stdout and stderr. Not thread-safe.
 */
final class LogCursor {
  private final Map<LogLine.Stream, Position> positions = new EnumMap<>(LogLine.Stream.class);
  private final Map<LogLine.Stream, Integer> replaying = new EnumMap<>(LogLine.Stream.class);

  private record Position(Instant time, int count) {}

  /** True when {@code line} is new, recording it; false for a line already seen. */
  boolean admit(LogLine line) {
    LogLine.Stream stream = line.stream();
    Position p = positions.get(stream);
    if (p != null) {
      int c = line.time().compareTo(p.time());
      if (c < 0) {
        return false;
      }
      if (c == 0) {
        int left = replaying.getOrDefault(stream, 0);
        if (left > 0) {
          replaying.put(stream, left - 1); // replayed: seen before the re-follow
          return false;
        }
        positions.put(stream, new Position(p.time(), p.count() + 1));
        return true;
      }
    }
    positions.put(stream, new Position(line.time(), 1));
    replaying.remove(stream);
    return true;
  }

  /**
   * Marks the start of a re-follow and returns where to follow from: null when nothing was seen,
   * else the earliest of the streams' newest timestamps.
   */
  Instant resume() {
    replaying.clear();
    Instant from = null;
    for (Map.Entry<LogLine.Stream, Position> e : positions.entrySet()) {
      replaying.put(e.getKey(), e.getValue().count());
      if (from == null || e.getValue().time().isBefore(from)) {
        from = e.getValue().time();
      }
    }
    return from;
  }
}
