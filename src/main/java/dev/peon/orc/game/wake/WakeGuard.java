package dev.peon.orc.game.wake;

import dev.peon.orc.config.AddressRange;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flood guard of one sleeping server: an allow-list of source ranges (empty: anyone), a token
 * bucket per source address (packets and connections beyond it are dropped unanswered, so the
 * stand-in never amplifies a flood), a bound on the sources it remembers, and a cap on wakes per
 * hour. Thread-safe.
 */
final class WakeGuard {
  static final int MAX_SOURCES = 4096;
  private final Clock clock;
  private final List<AddressRange> allow;
  private final int maxWakesPerHour;
  private final double perSecond;
  private final double burst;
  private final Map<InetAddress, double[]> buckets =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, double[]> eldest) {
          return size() > MAX_SOURCES;
        }
      };
  private final ArrayDeque<Instant> wakes;
  private long dropped;

  /**
   * @param wakes the wakes already counted for this server (shared across its sleeps)
   */
  WakeGuard(
      Clock clock,
      List<AddressRange> allow,
      int maxWakesPerHour,
      double perSecond,
      double burst,
      ArrayDeque<Instant> wakes) {
    this.clock = clock;
    this.allow = List.copyOf(allow);
    this.maxWakesPerHour = maxWakesPerHour;
    this.perSecond = perSecond;
    this.burst = burst;
    this.wakes = wakes;
  }

  /** True when a packet or connection from {@code source} may be looked at now. */
  synchronized boolean admit(InetAddress source) {
    if (!allowed(source)) {
      dropped++;
      return false;
    }
    double now = clock.millis() / 1000.0;
    double[] b = buckets.computeIfAbsent(source, k -> new double[] {burst, now});
    b[0] = Math.min(burst, b[0] + (now - b[1]) * perSecond);
    b[1] = now;
    if (b[0] < 1) {
      dropped++;
      return false;
    }
    b[0] -= 1;
    return true;
  }

  boolean allowed(InetAddress source) {
    if (allow.isEmpty()) {
      return true;
    }
    for (AddressRange r : allow) {
      if (r.contains(source)) {
        return true;
      }
    }
    return false;
  }

  /** Counts a wake if fewer than the hourly cap happened in the last hour. */
  boolean tryWake() {
    synchronized (wakes) {
      Instant now = clock.instant();
      Instant hourAgo = now.minus(Duration.ofHours(1));
      while (!wakes.isEmpty() && !wakes.peekFirst().isAfter(hourAgo)) {
        wakes.removeFirst();
      }
      if (wakes.size() >= maxWakesPerHour) {
        return false;
      }
      wakes.addLast(now);
      return true;
    }
  }

  synchronized long dropped() {
    return dropped;
  }
}
