package dev.peon.orc.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void defaultScheduleIsTenSecondsThirtySecondsTwoMinutesTenMinutesThenGivesUp() {
    List<Duration> waits = new ArrayList<>();
    for (int made = 1; RetryPolicy.DEFAULT.next(made, null).isPresent(); made++) {
      waits.add(RetryPolicy.DEFAULT.next(made, null).get());
    }
    assertThat(waits)
        .containsExactly(
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            Duration.ofMinutes(2),
            Duration.ofMinutes(10));
    assertThat(RetryPolicy.DEFAULT.next(5, null)).isEmpty();
  }

  @Test
  void scheduleScalesWithItsBaseAndKeepsTheLastFactor() {
    RetryPolicy p = new RetryPolicy(Duration.ofMillis(10), 7);
    assertThat(p.next(1, null)).contains(Duration.ofMillis(10));
    assertThat(p.next(4, null)).contains(Duration.ofMillis(600));
    assertThat(p.next(6, null)).contains(Duration.ofMillis(600));
    assertThat(p.next(7, null)).isEmpty();
  }

  @Test
  void retryAfterIsHonouredWhenLongerAndCappedAtAnHour() {
    assertThat(RetryPolicy.DEFAULT.next(1, Duration.ofSeconds(90)))
        .contains(Duration.ofSeconds(90));
    assertThat(RetryPolicy.DEFAULT.next(1, Duration.ofSeconds(1))).contains(Duration.ofSeconds(10));
    assertThat(RetryPolicy.DEFAULT.next(1, Duration.ofDays(2))).contains(Duration.ofHours(1));
  }

  @Test
  void readsRetryAfterInSecondsOrAsAnHttpDate() {
    assertThat(RetryPolicy.retryAfter("120", NOW)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryPolicy.retryAfter("Thu, 03 Dec 2026 10:01:00 GMT", NOW))
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(RetryPolicy.retryAfter("Thu, 03 Dec 2026 09:00:00 GMT", NOW))
        .isEqualTo(Duration.ZERO);
    assertThat(RetryPolicy.retryAfter("soon", NOW)).isNull();
    assertThat(RetryPolicy.retryAfter(null, NOW)).isNull();
  }

  @Test
  void retriesServerErrorsTooManyRequestsAndTimeoutsOnly() {
    assertThat(RetryPolicy.retryable(500)).isTrue();
    assertThat(RetryPolicy.retryable(503)).isTrue();
    assertThat(RetryPolicy.retryable(429)).isTrue();
    assertThat(RetryPolicy.retryable(408)).isTrue();
    assertThat(RetryPolicy.retryable(400)).isFalse();
    assertThat(RetryPolicy.retryable(404)).isFalse();
    assertThat(RetryPolicy.retryable(301)).isFalse();
  }
}
