package dev.peon.orc.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the v1 schedule settings: {@code interval} (such as {@code 10m} or {@code 1h30m}) and
 * {@code epoch_time} (epoch seconds, as an integer or a string of digits). Pure functions; every
 * rejection is an {@link InvalidScheduleException} with a message fit for an API client.
 */
public final class ScheduleSpec {
  /** The furthest ahead anything may be scheduled, for intervals and epoch times alike. */
  public static final Duration MAX_AHEAD = Duration.ofDays(365);

  private static final Pattern INTERVAL = Pattern.compile("(?:[0-9]+[smhd])+");
  private static final Pattern PART = Pattern.compile("([0-9]+)([smhd])");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  private static final String UNITS = "dhms";
  private static final int MAX_ECHO = 40;

  private ScheduleSpec() {}

  /**
   * Parses an interval: one or more number+unit parts with units {@code d}, {@code h}, {@code m},
   * {@code s}, largest unit first, each unit at most once ({@code 45s}, {@code 1h30m}, {@code
   * 1d2h3m4s}). The total must be positive and at most {@link #MAX_AHEAD}.
   */
  public static Duration parseInterval(String raw) {
    String text = raw == null ? "" : raw.strip();
    if (!INTERVAL.matcher(text).matches()) {
      throw invalidInterval(raw);
    }
    Matcher part = PART.matcher(text);
    long seconds = 0;
    int lastUnit = -1;
    while (part.find()) {
      int unit = UNITS.indexOf(part.group(2).charAt(0));
      if (unit <= lastUnit) {
        throw invalidInterval(raw);
      }
      lastUnit = unit;
      String digits = part.group(1);
      if (digits.length() > 12) {
        throw tooLong(raw);
      }
      seconds += Long.parseLong(digits) * unitSeconds(unit);
      if (seconds > MAX_AHEAD.toSeconds()) {
        throw tooLong(raw);
      }
    }
    if (seconds == 0) {
      throw new InvalidScheduleException(
          "The interval [" + echo(raw) + "] is invalid: it must be longer than zero.");
    }
    return Duration.ofSeconds(seconds);
  }

  /**
   * Parses an epoch time in seconds, given as a JSON integer, a {@link Number} without fraction or
   * a string of digits. It must lie after {@code clock}'s now and at most {@link #MAX_AHEAD} later
   * (which also catches milliseconds sent by mistake).
   */
  public static Instant parseEpochTime(Object raw, Clock clock) {
    BigInteger seconds = epochSeconds(raw);
    if (seconds == null) {
      throw new InvalidScheduleException(
          "The epoch_time ["
              + echo(raw)
              + "] is invalid: use epoch seconds as an integer, such as 1767225600.");
    }
    Instant now = clock.instant();
    BigInteger latest = BigInteger.valueOf(now.plus(MAX_AHEAD).getEpochSecond());
    if (seconds.compareTo(latest) > 0) {
      throw new InvalidScheduleException(
          "The epoch_time ["
              + echo(raw)
              + "] is too far ahead: it must be in epoch seconds and at most 365 days from now.");
    }
    Instant due = Instant.ofEpochSecond(seconds.longValueExact());
    if (!due.isAfter(now)) {
      throw new InvalidScheduleException(
          "The epoch_time [" + echo(raw) + "] is in the past: give a time in the future.");
    }
    return due;
  }

  /**
   * The due time requested by the two optional v1 settings, each a {@link JsonNode}, a plain value
   * or null (absent). When both are given, {@code epoch_time} wins: it is the more precise request,
   * and the interval is ignored (but still checked, so that a malformed one is reported).
   *
   * @return empty when neither is given
   */
  public static Optional<Instant> dueTime(Object interval, Object epochTime, Clock clock) {
    Object intervalValue = unwrap(interval);
    Object epochValue = unwrap(epochTime);
    Duration after = null;
    if (intervalValue != null) {
      after = parseInterval(intervalValue instanceof String s ? s : String.valueOf(intervalValue));
    }
    if (epochValue != null) {
      return Optional.of(parseEpochTime(epochValue, clock));
    }
    return after == null ? Optional.empty() : Optional.of(clock.instant().plus(after));
  }

  private static Object unwrap(Object raw) {
    if (raw instanceof JsonNode node) {
      if (node.isNull() || node.isMissingNode()) {
        return null;
      }
      if (node.isTextual()) {
        return node.textValue();
      }
      if (node.isIntegralNumber()) {
        return node.bigIntegerValue();
      }
      return node.toString();
    }
    return raw;
  }

  private static BigInteger epochSeconds(Object raw) {
    Object value = unwrap(raw);
    if (value instanceof String s) {
      String text = s.strip();
      return text.length() <= 19 && DIGITS.matcher(text).matches() ? new BigInteger(text) : null;
    }
    if (value instanceof BigInteger b) {
      return b;
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short) {
      return BigInteger.valueOf(((Number) value).longValue());
    }
    return null;
  }

  private static long unitSeconds(int unit) {
    return switch (unit) {
      case 0 -> 86_400;
      case 1 -> 3_600;
      case 2 -> 60;
      default -> 1;
    };
  }

  private static InvalidScheduleException invalidInterval(String raw) {
    return new InvalidScheduleException(
        "The interval ["
            + echo(raw)
            + "] is invalid: use a number and a unit s, m, h or d, such as 10m or 1h30m.");
  }

  private static InvalidScheduleException tooLong(String raw) {
    return new InvalidScheduleException(
        "The interval [" + echo(raw) + "] is too long: it must be at most 365 days.");
  }

  /** The raw value as the client sent it, shortened so that a huge value cannot bloat a reply. */
  private static String echo(Object raw) {
    Object value = unwrap(raw);
    String text = String.valueOf(value);
    return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...";
  }
}
