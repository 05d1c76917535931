package dev.peon.orc.cli;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * How the CLI shows the API's RFC 3339 times to people: in one zone (the local one, or UTC with
 * {@code --utc}), as {@code 2026-12-03 10:15:02 CET}, optionally with a relative hint such as
 * {@code (3 min ago)}. The one formatter every command uses.
 */
record Times(ZoneId zone, Clock clock) {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss zzz", Locale.ENGLISH);

  /**
   * The zone to show: UTC when asked, else the {@code TZ} environment variable when it names a
   * zone, else the system default.
   */
  static Times of(boolean utc, Map<String, String> env, Clock clock) {
    if (utc) {
      return new Times(ZoneId.of("UTC"), clock);
    }
    String tz = env.get("TZ");
    if (tz != null && !tz.isBlank()) {
      try {
        return new Times(ZoneId.of(tz.startsWith(":") ? tz.substring(1) : tz), clock);
      } catch (DateTimeException e) {
        // a POSIX rule such as "CET-1CEST" is no zone id: fall back to the system's
      }
    }
    return new Times(ZoneId.systemDefault(), clock);
  }

  /** The system's zone, for callers without command options. */
  static Times system() {
    return of(false, System.getenv(), Clock.systemUTC());
  }

  /** An API time in this zone; null stays null, text that is no time is shown unchanged. */
  String at(String rfc3339) {
    Instant t = parse(rfc3339);
    return t == null ? rfc3339 : at(t);
  }

  String at(Instant t) {
    return FORMAT.format(t.atZone(zone));
  }

  /** {@link #at(String)} followed by how long ago, or how soon, it is: "(3 min ago)". */
  String atRelative(String rfc3339) {
    Instant t = parse(rfc3339);
    return t == null ? rfc3339 : at(t) + " (" + relative(t) + ")";
  }

  /** "just now", "3 min ago", "in 2 h", "5 days ago". */
  String relative(Instant t) {
    Duration d = Duration.between(clock.instant(), t);
    boolean future = !d.isNegative();
    long s = Math.abs(d.toSeconds());
    if (s < 45) {
      return future ? "in a moment" : "just now";
    }
    String amount;
    if (s < 90 * 60) {
      amount = Math.max(1, Math.round(s / 60.0)) + " min";
    } else if (s < 36 * 3600) {
      amount = Math.round(s / 3600.0) + " h";
    } else {
      long days = Math.round(s / 86_400.0);
      amount = days + (days == 1 ? " day" : " days");
    }
    return future ? "in " + amount : amount + " ago";
  }

  private static Instant parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text.strip()).toInstant();
    } catch (DateTimeException e) {
      return null;
    }
  }
}
