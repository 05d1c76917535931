package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.runtime.LogLine;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConsoleHistoryTest {
  private static final Instant T0 = Instant.parse("2026-11-26T20:00:00Z");

  private static ConsoleHistory filled(int capacity, int lines) {
    ConsoleHistory h = new ConsoleHistory(capacity);
    for (int i = 1; i <= lines; i++) {
      h.append(T0.plusSeconds(i), LogLine.Stream.STDOUT, ConsoleLine.Source.GAME, "line " + i);
    }
    return h;
  }

  @Test
  void numbersLinesAndKeepsOnlyTheNewest() {
    ConsoleHistory h = filled(3, 5);
    assertThat(h.size()).isEqualTo(3);
    assertThat(h.firstSeq()).isEqualTo(3);
    assertThat(h.lastSeq()).isEqualTo(5);
    assertThat(h.recent(10))
        .extracting(ConsoleLine::text)
        .containsExactly("line 3", "line 4", "line 5");
    assertThat(h.recent(2)).extracting(ConsoleLine::seq).containsExactly(4L, 5L);
  }

  @Test
  void pagesBackwardsBeforeASequenceNumber() {
    ConsoleHistory h = filled(10, 8);
    assertThat(h.before(6, 2)).extracting(ConsoleLine::seq).containsExactly(4L, 5L);
    assertThat(h.before(2, 5)).extracting(ConsoleLine::seq).containsExactly(1L);
    assertThat(h.before(1, 5)).isEmpty();
    assertThat(h.before(100, 3)).extracting(ConsoleLine::seq).containsExactly(6L, 7L, 8L);
    assertThat(filled(3, 8).before(8, 10)).extracting(ConsoleLine::seq).containsExactly(6L, 7L);
  }

  @Test
  void filtersByTimeAndIsEmptyAtFirst() {
    ConsoleHistory h = filled(10, 5);
    assertThat(h.since(T0.plusSeconds(4), 10)).extracting(ConsoleLine::seq).containsExactly(4L, 5L);
    assertThat(h.since(null, 2)).extracting(ConsoleLine::seq).containsExactly(4L, 5L);
    ConsoleHistory empty = new ConsoleHistory(5);
    assertThat(empty.recent(5)).isEmpty();
    assertThat(empty.firstSeq()).isZero();
    assertThat(empty.lastSeq()).isZero();
  }

  @Test
  void neverGrowsBeyondItsCapacity() {
    ConsoleHistory h = filled(1000, 100_000);
    assertThat(h.size()).isEqualTo(1000);
    assertThat(h.recent(1000).getFirst().seq()).isEqualTo(99_001);
  }

  @Test
  void dropsTheOldestLinesBeyondItsTextBudgetButKeepsTheNewest() {
    ConsoleHistory h = new ConsoleHistory(100, 25);
    for (int i = 1; i <= 5; i++) {
      h.append(T0.plusSeconds(i), LogLine.Stream.STDOUT, ConsoleLine.Source.GAME, "ten chars" + i);
    }
    assertThat(h.recent(100)).extracting(ConsoleLine::seq).containsExactly(4L, 5L);
    assertThat(h.firstSeq()).isEqualTo(4);
    assertThat(h.size()).isEqualTo(2);
    assertThat(h.before(5, 10)).extracting(ConsoleLine::seq).containsExactly(4L);
    h.append(T0.plusSeconds(9), LogLine.Stream.STDOUT, ConsoleLine.Source.GAME, "x".repeat(500));
    assertThat(h.recent(100)).extracting(ConsoleLine::seq).containsExactly(6L);
    h.append(T0.plusSeconds(10), LogLine.Stream.STDOUT, ConsoleLine.Source.GAME, "short");
    assertThat(h.recent(100)).extracting(ConsoleLine::text).containsExactly("short");
  }
}
