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
 * Turns the engine's multiplexed log frames (requested with timestamps) into {@link LogLine}s, one
 * per line break, per stream. A line the engine split into partial entries (over 16 KiB) is joined
 * again; lines longer than {@link #MAX_LINE} bytes are cut. Not thread-safe: one per stream.
 */
final class LogFrames {
  static final int MAX_LINE = 64 * 1024;

  private final Consumer<LogLine> sink;
  private final Pending stdout = new Pending(LogLine.Stream.STDOUT);
  private final Pending stderr = new Pending(LogLine.Stream.STDERR);

  LogFrames(Consumer<LogLine> sink) {
    this.sink = sink;
  }

  void accept(Frame frame) {
    Pending p = frame.getStreamType() == StreamType.STDERR ? stderr : stdout;
    if (frame.getStreamType() == StreamType.STDIN) {
      return;
    }
    p.add(frame.getPayload());
  }

  /** Emits what is left without a final line break (the stream ended mid-line). */
  void flush() {
    stdout.flush();
    stderr.flush();
  }

  private final class Pending {
    private final LogLine.Stream stream;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private Instant time;

    Pending(LogLine.Stream stream) {
      this.stream = stream;
    }

    void add(byte[] payload) {
      int start = 0;
      while (start < payload.length) {
        int nl = indexOf(payload, (byte) '\n', start);
        int end = nl < 0 ? payload.length : nl;
        int textStart = start;
        // each entry starts with its timestamp, continuations of a partial line too
        int space = indexOf(payload, (byte) ' ', start);
        if (space > start && space < end && space - start <= 40) {
          Instant t = parse(new String(payload, start, space - start, StandardCharsets.US_ASCII));
          if (t != null) {
            if (time == null) {
              time = t;
            }
            textStart = space + 1;
          }
        }
        int room = MAX_LINE - buffer.size();
        buffer.write(payload, textStart, Math.max(0, Math.min(room, end - textStart)));
        if (nl < 0) {
          return;
        }
        emit();
        start = nl + 1;
      }
    }

    void flush() {
      if (buffer.size() > 0 || time != null) {
        emit();
      }
    }

    private void emit() {
      String text = buffer.toString(StandardCharsets.UTF_8);
      if (text.endsWith("\r")) {
        text = text.substring(0, text.length() - 1);
      }
      Instant t = time == null ? Instant.now() : time;
      buffer.reset();
      time = null;
      sink.accept(new LogLine(t, stream, text));
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
