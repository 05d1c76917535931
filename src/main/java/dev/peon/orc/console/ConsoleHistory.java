package dev.peon.orc.console;

import dev.peon.orc.runtime.LogLine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The last lines of one server, numbered: a ring buffer that never grows, bounded both by {@code
 * capacity} lines and by {@code maxChars} characters of text (the oldest lines go first; the newest
 * line always stays), so a game printing long lines cannot pin megabytes per server. Not
 * thread-safe; the owning console guards it.
 */
final class ConsoleHistory {
  /** The default text budget per server: about 1 MiB. */
  static final long DEFAULT_MAX_CHARS = 1L << 20;

  private final ConsoleLine[] ring;
  private final long maxChars;
  private long nextSeq = 1;
  private long oldest = 1;
  private long chars;

  ConsoleHistory(int capacity) {
    this(capacity, DEFAULT_MAX_CHARS);
  }

  ConsoleHistory(int capacity, long maxChars) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be positive: " + maxChars);
    }
    this.ring = new ConsoleLine[capacity];
    this.maxChars = maxChars;
  }

  ConsoleLine append(Instant time, LogLine.Stream stream, ConsoleLine.Source source, String text) {
    if (nextSeq - oldest == ring.length) {
      dropOldest(); // the slot is about to be reused
    }
    ConsoleLine line = new ConsoleLine(nextSeq, time, stream, source, text);
    ring[slot(nextSeq)] = line;
    chars += text.length();
    nextSeq++;
    while (chars > maxChars && nextSeq - oldest > 1) {
      dropOldest();
    }
    return line;
  }

  private void dropOldest() {
    int i = slot(oldest);
    chars -= ring[i].text().length();
    ring[i] = null;
    oldest++;
  }

  private int slot(long seq) {
    return (int) ((seq - 1) % ring.length);
  }

  /** Sequence number of the newest line, 0 when empty. */
  long lastSeq() {
    return nextSeq - 1;
  }

  /** Sequence number of the oldest line still held, 0 when empty. */
  long firstSeq() {
    return nextSeq == 1 ? 0 : oldest;
  }

  int size() {
    return (int) (nextSeq - oldest);
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
    long start = Math.max(oldest, end - Math.max(0, limit));
    List<ConsoleLine> out = new ArrayList<>();
    for (long s = start; s < end; s++) {
      out.add(ring[slot(s)]);
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
