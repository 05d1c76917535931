package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {
  private static final String ADDR = "203.0.113.7";
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final AuthThrottle throttle =
      new AuthThrottle(clock, 3, Duration.ofSeconds(60), Duration.ofMinutes(5), 100);

  @Test
  void blocksAfterTooManyFailuresWithinTheWindow() {
    throttle.recordFailure(ADDR);
    throttle.recordFailure(ADDR);
    assertThat(throttle.isBlocked(ADDR)).isFalse();
    throttle.recordFailure(ADDR);

    assertThat(throttle.isBlocked(ADDR)).isTrue();
    assertThat(throttle.retryAfter(ADDR)).isEqualTo(Duration.ofMinutes(5));
    assertThat(throttle.isBlocked("198.51.100.1")).isFalse();
  }

  @Test
  void releasesAfterTheCoolDown() {
    for (int i = 0; i < 3; i++) {
      throttle.recordFailure(ADDR);
    }
    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(throttle.isBlocked(ADDR)).isTrue();
    assertThat(throttle.retryAfter(ADDR)).isEqualTo(Duration.ofMillis(1));

    clock.advance(Duration.ofMillis(1));
    assertThat(throttle.isBlocked(ADDR)).isFalse();
    assertThat(throttle.retryAfter(ADDR)).isZero();

    throttle.recordFailure(ADDR);
    assertThat(throttle.isBlocked(ADDR)).isFalse();
  }

  @Test
  void failuresOutsideTheWindowDoNotCount() {
    throttle.recordFailure(ADDR);
    throttle.recordFailure(ADDR);
    clock.advance(Duration.ofSeconds(61));
    throttle.recordFailure(ADDR);
    throttle.recordFailure(ADDR);
    assertThat(throttle.isBlocked(ADDR)).isFalse();
    throttle.recordFailure(ADDR);
    assertThat(throttle.isBlocked(ADDR)).isTrue();
  }

  @Test
  void successClearsTheCountButNotALockOut() {
    throttle.recordFailure(ADDR);
    throttle.recordFailure(ADDR);
    throttle.recordSuccess(ADDR);
    throttle.recordFailure(ADDR);
    throttle.recordFailure(ADDR);
    assertThat(throttle.isBlocked(ADDR)).isFalse();

    throttle.recordFailure(ADDR);
    throttle.recordSuccess(ADDR);
    assertThat(throttle.isBlocked(ADDR)).isTrue();
  }

  @Test
  void failuresDuringALockOutDoNotExtendIt() {
    for (int i = 0; i < 3; i++) {
      throttle.recordFailure(ADDR);
    }
    clock.advance(Duration.ofMinutes(4));
    for (int i = 0; i < 10; i++) {
      throttle.recordFailure(ADDR);
    }
    clock.advance(Duration.ofMinutes(1));
    assertThat(throttle.isBlocked(ADDR)).isFalse();
  }

  @Test
  void remembersAtMostTheConfiguredNumberOfAddressesForgettingTheOldest() {
    AuthThrottle small = new AuthThrottle(clock, 1, Duration.ofMinutes(1), Duration.ofHours(1), 3);
    small.recordFailure("10.0.0.1");
    small.recordFailure("10.0.0.2");
    small.recordFailure("10.0.0.3");
    small.recordFailure("10.0.0.4");

    assertThat(small.trackedAddresses()).isEqualTo(3);
    assertThat(small.isBlocked("10.0.0.1")).isFalse();
    assertThat(small.isBlocked("10.0.0.4")).isTrue();

    for (int i = 0; i < 10_000; i++) {
      small.recordFailure("10.1." + (i / 256) + "." + (i % 256));
    }
    assertThat(small.trackedAddresses()).isEqualTo(3);
  }

  @Test
  void countsFailuresFromManyThreadsExactly() throws Exception {
    AuthThrottle wide =
        new AuthThrottle(clock, 1_000, Duration.ofMinutes(1), Duration.ofMinutes(5), 100);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try (var pool = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < 999; i++) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  wide.recordFailure(ADDR);
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(wide.isBlocked(ADDR)).isFalse();
    wide.recordFailure(ADDR);
    assertThat(wide.isBlocked(ADDR)).isTrue();
  }

  @Test
  void slowsFailuresDownBeforeTheLockOut() {
    AuthThrottle t =
        new AuthThrottle(clock, 10, Duration.ofSeconds(60), Duration.ofMinutes(5), 100);
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      t.recordFailure(ADDR);
      delays.add(t.delay(ADDR));
    }
    assertThat(delays)
        .containsExactly(
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(300),
            Duration.ofMillis(400),
            Duration.ofMillis(500),
            Duration.ofMillis(600),
            Duration.ZERO); // locked out: refused at once instead
    assertThat(t.delay("198.51.100.1")).isZero();
    clock.advance(Duration.ofMinutes(6));
    t.recordFailure(ADDR);
    assertThat(t.delay(ADDR)).isZero();
    for (int i = 0; i < 8; i++) {
      t.recordFailure(ADDR);
    }
    assertThat(t.delay(ADDR)).isEqualTo(Duration.ofMillis(600));
    clock.advance(Duration.ofSeconds(61)); // old failures leave the window
    assertThat(t.delay(ADDR)).isZero();
  }
}
