package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.runtime.LogLine;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogCursorTest {
  private static final Instant T = Instant.parse("2026-11-26T20:00:00.500000000Z");

  private static LogLine out(long nanos, String text) {
    return new LogLine(T.plusNanos(nanos), LogLine.Stream.STDOUT, text);
  }

  private static LogLine err(long nanos, String text) {
    return new LogLine(T.plusNanos(nanos), LogLine.Stream.STDERR, text);
  }

  @Test
  void dropsWhatAReReadFromTheWholeSecondRepeats() {
    LogCursor c = new LogCursor();
    assertThat(c.resume()).isNull();
    assertThat(c.admit(out(1, "a"))).isTrue();
    assertThat(c.admit(out(2, "b"))).isTrue();
    assertThat(c.resume()).isEqualTo(T.plusNanos(2));
    // the engine starts again at 20:00:00 and replays a and b
    assertThat(c.admit(out(1, "a"))).isFalse();
    assertThat(c.admit(out(2, "b"))).isFalse();
    assertThat(c.admit(out(3, "c"))).isTrue();
  }

  @Test
  void tracksStdoutAndStderrApartBecauseTheyInterleaveOutOfOrder() {
    LogCursor c = new LogCursor();
    assertThat(c.admit(out(10, "late out"))).isTrue();
    assertThat(c.admit(err(5, "earlier err"))).isTrue();
    assertThat(c.resume()).isEqualTo(T.plusNanos(5));
    assertThat(c.admit(err(5, "earlier err"))).isFalse();
    assertThat(c.admit(out(10, "late out"))).isFalse();
    assertThat(c.admit(err(6, "new err"))).isTrue();
  }
}
