package dev.peon.orc.console;

import dev.peon.orc.runtime.LogLine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code capacity} lines of one server, numbered: a ring buffer that never grows. Not
 * thread-safe; the owning console guards it.
 */
final class ConsoleHistory {
  private final ConsoleLine[] ring;
  private long nextSeq = 1;

  ConsoleHistory(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.ring = new ConsoleLine[capacity];
  }

  ConsoleLine append(Instant time, LogLine.Stream stream, ConsoleLine.Source source, String text) {
    ConsoleLine line = new ConsoleLine(nextSeq, time, stream, source, text);
    ring[(int) ((nextSeq - 1) % ring.length)] = line;
    nextSeq++;
    return line;
  }

  /** Sequence number of the newest line, 0 when empty. */
  long lastSeq() {
    return nextSeq - 1;
  }

  /** Sequence number of the oldest line still held, 0 when empty. */
  long firstSeq() {
    return nextSeq == 1 ? 0 : Math.max(1, nextSeq - ring.length);
  }

  int size() {
    return (int) Math.min(ring.length, nextSeq - 1);
  }

  int capacity() {
    return ring.length;
  }

  /** The newest {@code limit} lines, oldest first. */
  List<ConsoleLine> recent(int limit) {
    return before(nextSeq, limit);
  }

  /** Up to {@code limit} lines with a sequence number below {@code seq}, oldest first. */
  List<ConsoleLine> before(long seq, int limit) {
    long end = Math.min(seq, nextSeq); // exclusive
    long start = Math.max(firstSeq(), end - Math.max(0, limit));
    List<ConsoleLine> out = new ArrayList<>();
    if (start < 1) {
      return out;
    }
    for (long s = start; s < end; s++) {
      out.add(ring[(int) ((s - 1) % ring.length)]);
    }
    return out;
  }

  /** The newest {@code limit} lines at or after {@code since}, oldest first. */
  List<ConsoleLine> since(Instant since, int limit) {
    List<ConsoleLine> all = recent(ring.length);
    List<ConsoleLine> out = new ArrayList<>();
    for (ConsoleLine l : all) {
      if (since == null || !l.time().isBefore(since)) {
        out.add(l);
      }
    }
    return out.size() > limit ? out.subList(out.size() - limit, out.size()) : out;
  }
}
