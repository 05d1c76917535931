package dev.peon.orc.game;

import java.time.Duration;

/**
 * A probe and its timing.
 *
 * @param interval between two probes of one server
 * @param timeout for one probe
 * @param grace after the container starts, failures do not count (the game may download itself)
 * @param failures consecutive failures that make a server unhealthy (or, for the readiness probe
 *     once the grace is over, not ready in time)
 */
public record ProbeSpec(
    Probe probe, Duration interval, Duration timeout, Duration grace, int failures) {
  public ProbeSpec {
    if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("interval and timeout must be positive");
    }
    if (grace.isNegative() || failures < 1) {
      throw new IllegalArgumentException("grace cannot be negative and failures must be >= 1");
    }
  }
}
