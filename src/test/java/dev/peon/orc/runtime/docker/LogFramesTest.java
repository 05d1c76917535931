package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.peon.orc.runtime.LogLine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogFramesTest {
  private final List<LogLine> lines = new ArrayList<>();
  private final LogFrames frames = new LogFrames(lines::add);

  private void feed(StreamType type, String text) {
    frames.accept(new Frame(type, text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void parsesTimestampAndTextPerLine() {
    feed(StreamType.STDOUT, "2026-11-26T20:00:00.123456789Z hello world\n");
    feed(StreamType.STDERR, "2026-11-26T20:00:01Z oops\r\n");
    assertThat(lines)
        .containsExactly(
            new LogLine(
                Instant.parse("2026-11-26T20:00:00.123456789Z"),
                LogLine.Stream.STDOUT,
                "hello world"),
            new LogLine(Instant.parse("2026-11-26T20:00:01Z"), LogLine.Stream.STDERR, "oops"));
  }

  @Test
  void joinsPiecesCutAnywhereEvenInsideTheTimestamp() {
    String all = "2026-11-26T20:00:00.000000001Z tick 1\n2026-11-26T20:00:00.000000002Z tick 2\n";
    for (int cut = 1; cut < all.length(); cut++) {
      lines.clear();
      feed(StreamType.STDOUT, all.substring(0, cut));
      feed(StreamType.STDOUT, all.substring(cut));
      assertThat(lines)
          .extracting(LogLine::text)
          .as("cut at %d", cut)
          .containsExactly("tick 1", "tick 2");
      assertThat(lines.get(1).time()).isEqualTo(Instant.parse("2026-11-26T20:00:00.000000002Z"));
    }
  }

  @Test
  void keepsStreamsApartWhenTheirPiecesInterleave() {
    feed(StreamType.STDOUT, "2026-11-26T20:00:00Z out ");
    feed(StreamType.STDERR, "2026-11-26T20:00:00Z err\n");
    feed(StreamType.STDOUT, "line\n");
    assertThat(lines).extracting(LogLine::text).containsExactly("err", "out line");
  }

  @Test
  void keepsMultiByteCharactersCutBetweenPieces() {
    byte[] bytes = "2026-11-26T20:00:00Z grüße\n".getBytes(StandardCharsets.UTF_8);
    int cut = 24; // inside the ü
    byte[] a = java.util.Arrays.copyOfRange(bytes, 0, cut);
    byte[] b = java.util.Arrays.copyOfRange(bytes, cut, bytes.length);
    frames.accept(new Frame(StreamType.STDOUT, a));
    frames.accept(new Frame(StreamType.STDOUT, b));
    assertThat(lines).extracting(LogLine::text).containsExactly("grüße");
  }

  @Test
  void cutsOverlongLinesAndFlushesAnUnfinishedOne() {
    feed(StreamType.STDOUT, "2026-11-26T20:00:00Z " + "x".repeat(LogFrames.MAX_LINE + 500) + "\n");
    feed(StreamType.STDOUT, "2026-11-26T20:00:01Z no newline");
    frames.flush();
    assertThat(lines.get(0).text()).hasSize(LogFrames.MAX_LINE);
    assertThat(lines.get(1).text()).isEqualTo("no newline");
  }

  @Test
  void neverStampsALineWithTheLocalClock() {
    feed(StreamType.STDOUT, "2026-11-26T20:00:00Z first\n");
    feed(StreamType.STDOUT, "garbage without stamp\n");
    assertThat(lines.get(1).time()).isEqualTo(Instant.parse("2026-11-26T20:00:00.000000001Z"));
  }
}
