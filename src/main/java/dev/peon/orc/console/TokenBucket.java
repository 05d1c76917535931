package dev.peon.orc.console;

import java.time.Clock;

/** A token bucket: {@code ratePerSecond} sustained, {@code burst} at once. Not thread-safe. */
final class TokenBucket {
  private final Clock clock;
  private final double ratePerMilli;
  private final double burst;
  private double tokens;
  private long lastMillis;

  TokenBucket(Clock clock, double ratePerSecond, double burst) {
    if (ratePerSecond <= 0 || burst < 1) {
      throw new IllegalArgumentException("rate and burst must be positive");
    }
    this.clock = clock;
    this.ratePerMilli = ratePerSecond / 1000.0;
    this.burst = burst;
    this.tokens = burst;
    this.lastMillis = clock.millis();
  }

  /** Takes one token if there is one. */
  boolean tryTake() {
    long now = clock.millis();
    if (now > lastMillis) {
      tokens = Math.min(burst, tokens + (now - lastMillis) * ratePerMilli);
      lastMillis = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
