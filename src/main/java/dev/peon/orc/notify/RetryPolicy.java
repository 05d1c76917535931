package dev.peon.orc.notify;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * When a failed delivery is tried again: after {@code base}, 3×, 12× and 60× {@code base} (10 s, 30
 * s, 2 min, 10 min by default), at most {@code attempts} tries in all. A receiver's {@code
 * Retry-After} is honoured when it asks for longer (up to an hour).
 */
record RetryPolicy(Duration base, int attempts) {
  static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(10), 5);
  private static final long[] FACTORS = {1, 3, 12, 60};
  private static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

  RetryPolicy {
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("base must be positive");
    }
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1");
    }
  }

  /**
   * The wait before the next try after {@code made} tries (from 1), or empty when none is left.
   *
   * @param retryAfter what the receiver asked for, or null
   */
  Optional<Duration> next(int made, Duration retryAfter) {
    if (made >= attempts) {
      return Optional.empty();
    }
    Duration d = base.multipliedBy(FACTORS[Math.min(made, FACTORS.length) - 1]);
    if (retryAfter != null && retryAfter.compareTo(d) > 0) {
      d = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
    }
    return Optional.of(d);
  }

  /** Server errors, 429 and 408 are worth another try; other answers are final. */
  static boolean retryable(int status) {
    return status >= 500 || status == 429 || status == 408;
  }

  /** A {@code Retry-After} value (seconds or an HTTP date) as a wait from {@code now}, or null. */
  static Duration retryAfter(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.strip();
    if (h.matches("[0-9]{1,9}")) {
      return Duration.ofSeconds(Long.parseLong(h));
    }
    try {
      Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
