package dev.peon.orc.runtime;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of a container's output, without its line break.
 *
 * @param time the engine's timestamp (nanosecond precision on Docker)
 */
public record LogLine(Instant time, Stream stream, String text) {

  public LogLine {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(text, "text");
  }

  /** Which output stream of the process the line came from. */
  public enum Stream {
    STDOUT,
    STDERR
  }
}
