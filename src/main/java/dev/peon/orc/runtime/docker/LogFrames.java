package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.peon.orc.runtime.LogLine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Consumer;

/**
 * Turns the engine's log output (requested with timestamps) into {@link LogLine}s, one per line
 * break, per stream. docker-java cuts the engine's frames into pieces of at most 1 KiB wherever a
 * socket read ends, so frame boundaries mean nothing here: bytes are joined per stream and split at
 * line breaks, and each line starts with its timestamp. Lines longer than {@link #MAX_LINE} bytes
 * are cut. Not thread-safe: one per stream.
 */
final class LogFrames {
  static final int MAX_LINE = 64 * 1024;

  /** {@code 2026-11-26T20:00:00.123456789Z} and some slack. */
  private static final int MAX_STAMP = 40;

  private final Consumer<LogLine> sink;
  private final Pending stdout = new Pending(LogLine.Stream.STDOUT);
  private final Pending stderr = new Pending(LogLine.Stream.STDERR);

  LogFrames(Consumer<LogLine> sink) {
    this.sink = sink;
  }

  void accept(Frame frame) {
    if (frame.getStreamType() == StreamType.STDIN) {
      return;
    }
    (frame.getStreamType() == StreamType.STDERR ? stderr : stdout).add(frame.getPayload());
  }

  /** Emits what is left without a final line break (the stream ended mid-line). */
  void flush() {
    stdout.flush();
    stderr.flush();
  }

  private final class Pending {
    private final LogLine.Stream stream;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private Instant last;

    Pending(LogLine.Stream stream) {
      this.stream = stream;
    }

    void add(byte[] payload) {
      int start = 0;
      while (start < payload.length) {
        int nl = indexOf(payload, (byte) '\n', start);
        int end = nl < 0 ? payload.length : nl;
        int room = MAX_LINE + MAX_STAMP - line.size();
        line.write(payload, start, Math.max(0, Math.min(room, end - start)));
        if (nl < 0) {
          return;
        }
        emit();
        start = nl + 1;
      }
    }

    void flush() {
      if (line.size() > 0) {
        emit();
      }
    }

    private void emit() {
      byte[] bytes = line.toByteArray();
      line.reset();
      int space = indexOf(bytes, (byte) ' ', 0);
      Instant time = null;
      int textStart = 0;
      if (space > 0 && space <= MAX_STAMP) {
        time = parse(new String(bytes, 0, space, StandardCharsets.US_ASCII));
        if (time != null) {
          textStart = space + 1;
        }
      }
      if (time == null) {
        // never seen from the engine; keep the order instead of inventing a clock reading
        time = last == null ? Instant.EPOCH : last.plusNanos(1);
      }
      int length = Math.min(bytes.length - textStart, MAX_LINE);
      String text = new String(bytes, textStart, length, StandardCharsets.UTF_8);
      if (text.endsWith("\r")) {
        text = text.substring(0, text.length() - 1);
      }
      last = time;
      sink.accept(new LogLine(time, stream, text));
    }
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static Instant parse(String stamp) {
    try {
      return Instant.parse(stamp);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
