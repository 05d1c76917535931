package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T20:00:00Z"));

  private int takeAll(TokenBucket b) {
    int n = 0;
    while (b.tryTake()) {
      n++;
    }
    return n;
  }

  @Test
  void allowsTheBurstThenTheSustainedRate() {
    TokenBucket b = new TokenBucket(clock, 10, 5);
    assertThat(takeAll(b)).isEqualTo(5);
    clock.advance(Duration.ofMillis(500));
    assertThat(takeAll(b)).isEqualTo(5);
    clock.advance(Duration.ofMillis(200));
    assertThat(takeAll(b)).isEqualTo(2);
    clock.advance(Duration.ofHours(1));
    assertThat(takeAll(b)).as("never more than the burst").isEqualTo(5);
  }

  @Test
  void sustainsThousandsOfLinesPerSecond() {
    TokenBucket b = new TokenBucket(clock, 30_000, 3_000);
    int total = takeAll(b);
    for (int i = 0; i < 100; i++) {
      clock.advance(Duration.ofMillis(10));
      total += takeAll(b);
    }
    assertThat(total).isEqualTo(3_000 + 30_000);
  }
}
