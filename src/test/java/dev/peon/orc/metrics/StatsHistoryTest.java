package dev.peon.orc.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsHistoryTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  private final StatsHistory history = new StatsHistory(clock);

  private static ServerSample sample(String server, String state, double cpu, long memory) {
    return new ServerSample(server, "g", state, cpu, memory, 0, 0);
  }

  private void round(ServerSample... samples) {
    history.record(List.of(samples));
    clock.advance(Duration.ofSeconds(15));
  }

  @Test
  void keepsTheLastHourAsTakenAndBoundsIt() {
    for (int i = 0; i < 1000; i++) {
      round(sample("g.a", "running", i, i * 10L));
    }
    StatsHistory.Series s = history.of("g.a").orElseThrow();
    assertThat(s.recent()).hasSize(StatsHistory.RECENT);
    assertThat(s.recent().getLast().cpuPercent()).isEqualTo(999);
    assertThat(s.recent().getFirst().cpuPercent()).isEqualTo(1000 - StatsHistory.RECENT);
    // 1000 samples of 15 s = 250 minutes = 50 five-minute buckets
    assertThat(s.longTerm()).hasSize(50);
  }

  @Test
  void averagesFiveMinuteBucketsAlignedToTheClockAndShowsTheOpenOne() {
    for (int i = 0; i < 20; i++) { // 20 x 15 s = the bucket 10:00-10:05
      round(sample("g.a", "running", i < 10 ? 10 : 30, 100));
    }
    round(sample("g.a", "running", 50, 300)); // first of 10:05
    List<StatsHistory.Point> lt = history.of("g.a").orElseThrow().longTerm();
    assertThat(lt).hasSize(2);
    assertThat(lt.get(0).at()).isEqualTo(Instant.parse("2026-12-03T10:00:00Z"));
    assertThat(lt.get(0).cpuPercent()).isEqualTo(20);
    assertThat(lt.get(0).memoryBytes()).isEqualTo(100);
    assertThat(lt.get(1).at()).isEqualTo(Instant.parse("2026-12-03T10:05:00Z"));
    assertThat(lt.get(1).cpuPercent()).isEqualTo(50);
  }

  @Test
  void longTermIsBoundedToADay() {
    for (int i = 0; i < 300 * 20 + 5; i++) {
      round(sample("g.a", "running", 1, 1));
    }
    assertThat(history.of("g.a").orElseThrow().longTerm()).hasSize(StatsHistory.LONG_TERM);
  }

  @Test
  void aStoppedServerCountsZeroAndAServerThatLeavesIsForgotten() {
    round(sample("g.a", "exited", 80, 900), sample("g.b", "running", 5, 6));
    assertThat(history.of("g.a").orElseThrow().recent().getFirst().cpuPercent()).isZero();
    round(sample("g.b", "running", 5, 6));
    assertThat(history.of("g.a")).isEmpty();
    assertThat(history.of("g.b").orElseThrow().recent()).hasSize(2);
    assertThat(history.of("g.unknown")).isEmpty();
  }
}
