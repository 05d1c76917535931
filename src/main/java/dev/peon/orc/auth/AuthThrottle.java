package dev.peon.orc.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throttles repeated authentication failures per key: a client address, a credential ({@code
 * key:<id>}) or an account ({@code account:<name>}). After {@code maxFailures} failures within
 * {@code window}, the key is locked out for {@code lockout}: callers refuse its further failures
 * with 429 unread, and logins refuse even the right password; a key or session that verifies is
 * never refused (see {@code AuthGuard}). A success clears the failure count, but never ends a
 * lock-out early. At most {@code maxTracked} addresses are remembered; the least recently seen is
 * forgotten first. Before the lock-out, answers to further failures are slowed down ({@link
 * #delay}). Thread-safe.
 */
public final class AuthThrottle {
  private static final Logger LOG = LoggerFactory.getLogger(AuthThrottle.class);

  public static final int DEFAULT_MAX_FAILURES = 10;
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
  public static final Duration DEFAULT_LOCKOUT = Duration.ofMinutes(5);
  public static final int DEFAULT_MAX_TRACKED = 10_000;

  private final Clock clock;
  private final int maxFailures;
  private final Duration window;
  private final Duration lockout;
  private final Map<String, Attempts> byAddress;

  /** With the defaults: 10 failures within 60 s lock an address out for 5 minutes. */
  public AuthThrottle(Clock clock) {
    this(clock, DEFAULT_MAX_FAILURES, DEFAULT_WINDOW, DEFAULT_LOCKOUT, DEFAULT_MAX_TRACKED);
  }

  public AuthThrottle(
      Clock clock, int maxFailures, Duration window, Duration lockout, int maxTracked) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (maxFailures < 1 || maxTracked < 1) {
      throw new IllegalArgumentException("maxFailures and maxTracked must be positive");
    }
    if (!window.isPositive() || !lockout.isPositive()) {
      throw new IllegalArgumentException("window and lockout must be positive");
    }
    this.maxFailures = maxFailures;
    this.window = window;
    this.lockout = lockout;
    this.byAddress =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Attempts> eldest) {
            return size() > maxTracked;
          }
        };
  }

  /** True while {@code address} is locked out. */
  public synchronized boolean isBlocked(String address) {
    return lockedUntil(address) != null;
  }

  /** How long {@code address} stays locked out; zero when it is not. */
  public synchronized Duration retryAfter(String address) {
    Instant until = lockedUntil(address);
    return until == null ? Duration.ZERO : Duration.between(clock.instant(), until);
  }

  /**
   * Counts a failure; the one that reaches the limit starts the lock-out.
   *
   * @return true when this failure started a lock-out
   */
  public synchronized boolean recordFailure(String address) {
    Objects.requireNonNull(address, "address");
    if (lockedUntil(address) != null) {
      return false;
    }
    Instant now = clock.instant();
    Attempts attempts = byAddress.computeIfAbsent(address, a -> new Attempts());
    attempts.forgetBefore(now.minus(window));
    attempts.failures.addLast(now);
    if (attempts.failures.size() >= maxFailures) {
      attempts.failures.clear();
      attempts.blockedUntil = now.plus(lockout);
      LOG.atWarn()
          .addKeyValue("address", address)
          .addKeyValue("lockout", lockout)
          .log("too many authentication failures; locked out");
      return true;
    }
    return false;
  }

  public Duration lockout() {
    return lockout;
  }

  /**
   * Failures within the window that cost nothing; each further one waits {@link #DELAY_STEP} more.
   */
  public static final int FREE_FAILURES = 3;

  public static final Duration DELAY_STEP = Duration.ofMillis(100);
  public static final Duration MAX_DELAY = Duration.ofSeconds(1);

  /**
   * How long to hold the answer to a failure of {@code address} (slowing guessing before the
   * lock-out): zero for the first {@value #FREE_FAILURES} failures within the window, then one more
   * {@link #DELAY_STEP} per failure, at most {@link #MAX_DELAY}.
   */
  public synchronized Duration delay(String address) {
    Attempts attempts = byAddress.get(Objects.requireNonNull(address, "address"));
    if (attempts == null || attempts.blockedUntil != null) {
      return Duration.ZERO;
    }
    attempts.forgetBefore(clock.instant().minus(window));
    int extra = attempts.failures.size() - FREE_FAILURES;
    return extra <= 0 ? Duration.ZERO : min(DELAY_STEP.multipliedBy(extra), MAX_DELAY);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Sleeps for {@link #delay}; a virtual thread waits cheaply. */
  public void slowDown(String... keys) {
    Duration d = Duration.ZERO;
    for (String k : keys) {
      Duration dk = delay(k);
      d = dk.compareTo(d) > 0 ? dk : d;
    }
    if (d.isPositive()) {
      try {
        Thread.sleep(d);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Clears the failure count of an address that is not locked out. */
  public synchronized void recordSuccess(String address) {
    Objects.requireNonNull(address, "address");
    if (lockedUntil(address) == null) {
      byAddress.remove(address);
    }
  }

  /** Number of addresses currently remembered. */
  synchronized int trackedAddresses() {
    return byAddress.size();
  }

  /** The end of the address's lock-out, or null; forgets a lock-out that has ended. */
  private Instant lockedUntil(String address) {
    Objects.requireNonNull(address, "address");
    Attempts attempts = byAddress.get(address);
    if (attempts == null || attempts.blockedUntil == null) {
      return null;
    }
    if (clock.instant().isBefore(attempts.blockedUntil)) {
      return attempts.blockedUntil;
    }
    byAddress.remove(address);
    return null;
  }

  private static final class Attempts {
    private final ArrayDeque<Instant> failures = new ArrayDeque<>();
    private Instant blockedUntil;

    void forgetBefore(Instant oldest) {
      while (!failures.isEmpty() && !failures.peekFirst().isAfter(oldest)) {
        failures.removeFirst();
      }
    }
  }
}
