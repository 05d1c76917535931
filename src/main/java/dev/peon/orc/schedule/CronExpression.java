package dev.peon.orc.schedule;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A cron expression: five fields ({@code minute hour day-of-month month day-of-week}) or six with
 * seconds first. Each field takes {@code *}, numbers, ranges {@code a-b}, steps {@code /n} and
 * lists {@code a,b}; months and weekdays also take names ({@code JAN}, {@code MON}); day-of-week 0
 * and 7 are Sunday; {@code ?} means {@code *} in the two day fields. As in Vixie cron, when both
 * day fields are restricted (neither starts with {@code *}) a day matches either of them.
 *
 * <p>Next runs follow wall-clock time in the schedule's zone: a wall time that the clocks skip
 * (spring forward) fires once at the moment of the change; a wall time that occurs twice (fall
 * back) fires at its first occurrence only. Expressions that can never fire are refused.
 */
public final class CronExpression {
  private static final String[] MONTHS = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"
  };
  private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

  /** Far enough to reach the next 29 February even across a skipped leap year (2100). */
  private static final int SEARCH_YEARS = 9;

  private final String text;
  private final long seconds;
  private final long minutes;
  private final long hours;
  private final long daysOfMonth;
  private final long months;
  private final long daysOfWeek;
  private final boolean eitherDay;

  private CronExpression(String text, long[] masks, boolean eitherDay) {
    this.text = text;
    this.seconds = masks[0];
    this.minutes = masks[1];
    this.hours = masks[2];
    this.daysOfMonth = masks[3];
    this.months = masks[4];
    this.daysOfWeek = masks[5];
    this.eitherDay = eitherDay;
  }

  private enum Field {
    SECOND("second", 0, 59, null),
    MINUTE("minute", 0, 59, null),
    HOUR("hour", 0, 23, null),
    DAY_OF_MONTH("day-of-month", 1, 31, null),
    MONTH("month", 1, 12, MONTHS),
    DAY_OF_WEEK("day-of-week", 0, 7, DAYS);

    final String label;
    final int min;
    final int max;
    final String[] names;

    Field(String label, int min, int max, String[] names) {
      this.label = label;
      this.min = min;
      this.max = max;
      this.names = names;
    }
  }

  /**
   * Parses and checks an expression.
   *
   * @throws InvalidScheduleException naming the bad field, or saying that it never fires
   */
  public static CronExpression parse(String raw) {
    String text = raw == null ? "" : raw.strip().replaceAll("\\s+", " ");
    String[] parts = text.isEmpty() ? new String[0] : text.split(" ");
    if (parts.length != 5 && parts.length != 6) {
      throw invalid(
          "must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds"
              + " first, not "
              + parts.length);
    }
    int offset = parts.length == 6 ? 0 : 1;
    long[] masks = new long[6];
    masks[0] = 1L; // five fields: at second 0
    for (int i = 0; i < parts.length; i++) {
      Field field = Field.values()[i + offset];
      masks[i + offset] = parseField(field, parts[i]);
    }
    if ((masks[5] & (1L << 7)) != 0) {
      masks[5] = (masks[5] | 1L) & ~(1L << 7);
    }
    String dom = parts[parts.length - 3];
    String dow = parts[parts.length - 1];
    boolean eitherDay = !isStar(dom) && !isStar(dow);
    CronExpression cron = new CronExpression(text, masks, eitherDay);
    if (!cron.canFire(isStar(dow))) {
      throw invalid(
          "never fires: no month in the month field has the day given in the day-of-month field");
    }
    return cron;
  }

  /** The expression as given, with runs of blanks collapsed. */
  public String text() {
    return text;
  }

  /**
   * The first run strictly after {@code after}, in {@code zone}; empty only if none lies within the
   * next {@value #SEARCH_YEARS} years (cannot happen for a parsed expression).
   */
  public Optional<Instant> next(Instant after, ZoneId zone) {
    Objects.requireNonNull(after, "after");
    ZoneRules rules = zone.getRules();
    LocalDateTime t =
        LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    LocalDateTime limit = t.plusYears(SEARCH_YEARS);
    while (t.isBefore(limit)) {
      if (!has(months, t.getMonthValue())) {
        t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay();
      } else if (!matchesDay(t.toLocalDate())) {
        t = t.toLocalDate().plusDays(1).atStartOfDay();
      } else if (!has(hours, t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (!has(minutes, t.getMinute())) {
        t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
      } else if (!has(seconds, t.getSecond())) {
        t = t.plusSeconds(1);
      } else {
        Instant candidate = resolve(t, zone, rules);
        if (candidate.isAfter(after)) {
          return Optional.of(candidate);
        }
        t = t.plusSeconds(1);
      }
    }
    return Optional.empty();
  }

  /** A skipped wall time maps to the moment of the change; a repeated one to its first instant. */
  private static Instant resolve(LocalDateTime t, ZoneId zone, ZoneRules rules) {
    if (rules.getValidOffsets(t).isEmpty()) {
      ZoneOffsetTransition gap = rules.getTransition(t);
      return gap.getInstant();
    }
    return ZonedDateTime.ofLocal(t, zone, null).withEarlierOffsetAtOverlap().toInstant();
  }

  private boolean matchesDay(LocalDate d) {
    boolean dom = has(daysOfMonth, d.getDayOfMonth());
    boolean dow = has(daysOfWeek, d.getDayOfWeek().getValue() % 7);
    return eitherDay ? dom || dow : dom && dow;
  }

  /**
   * Only a restricted day-of-month with an unrestricted weekday can be impossible (30 February):
   * every weekday falls on every date over the years.
   */
  private boolean canFire(boolean weekdayUnrestricted) {
    if (eitherDay || !weekdayUnrestricted) {
      return true;
    }
    for (Month m : Month.values()) {
      if (has(months, m.getValue())) {
        for (int d = 1; d <= m.maxLength(); d++) {
          if (has(daysOfMonth, d)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean isStar(String field) {
    return field.startsWith("*") || field.startsWith("?");
  }

  private static boolean has(long mask, int value) {
    return (mask & (1L << value)) != 0;
  }

  private static long parseField(Field field, String text) {
    long mask = 0;
    for (String item : text.split(",", -1)) {
      mask |= parseItem(field, item);
    }
    return mask;
  }

  private static long parseItem(Field field, String item) {
    if (item.isEmpty()) {
      throw invalidField(field, "has an empty list element");
    }
    String range = item;
    int step = 1;
    boolean stepped = false;
    int slash = item.indexOf('/');
    if (slash >= 0) {
      range = item.substring(0, slash);
      step = number(field, item.substring(slash + 1), "step");
      if (step < 1) {
        throw invalidField(field, "step must be at least 1 in [" + item + "]");
      }
      stepped = true;
    }
    int lo;
    int hi;
    boolean dayField = field == Field.DAY_OF_MONTH || field == Field.DAY_OF_WEEK;
    if (range.equals("*") || (dayField && range.equals("?"))) {
      lo = field.min;
      hi = field == Field.DAY_OF_WEEK ? 6 : field.max;
    } else {
      int dash = range.indexOf('-', 1);
      if (dash > 0) {
        lo = value(field, range.substring(0, dash));
        hi = value(field, range.substring(dash + 1));
        if (lo > hi) {
          throw invalidField(field, "range [" + range + "] runs backwards");
        }
      } else {
        lo = value(field, range);
        hi = stepped ? field.max : lo;
      }
    }
    long mask = 0;
    for (int v = lo; v <= hi; v += step) {
      mask |= 1L << v;
    }
    return mask;
  }

  private static int value(Field field, String token) {
    if (field.names != null) {
      String upper = token.toUpperCase(Locale.ROOT);
      for (int i = 0; i < field.names.length; i++) {
        if (field.names[i].equals(upper)) {
          return field == Field.MONTH ? i + 1 : i;
        }
      }
    }
    int v = number(field, token, "value");
    if (v < field.min || v > field.max) {
      throw invalidField(field, "value " + v + " is out of range " + field.min + "-" + field.max);
    }
    return v;
  }

  private static int number(Field field, String token, String what) {
    if (token.isEmpty() || token.length() > 4 || !token.chars().allMatch(Character::isDigit)) {
      String hint = field.names == null ? "" : " or a name such as " + field.names[1];
      throw invalidField(field, what + " [" + shorten(token) + "] is not a number" + hint);
    }
    return Integer.parseInt(token);
  }

  private static String shorten(String s) {
    return s.length() <= 20 ? s : s.substring(0, 20) + "...";
  }

  private static InvalidScheduleException invalidField(Field field, String message) {
    return invalid(field.label + " field: " + message);
  }

  private static InvalidScheduleException invalid(String message) {
    return new InvalidScheduleException("cron", message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CronExpression c && c.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
