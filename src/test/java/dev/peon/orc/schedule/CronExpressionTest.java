package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronExpressionTest {
  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  @ParameterizedTest(name = "{0} after {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "* * * * *            | 2026-01-01T00:00:00Z     | 2026-01-01T00:01:00Z",
        "* * * * *            | 2026-01-01T00:00:59.999Z | 2026-01-01T00:01:00Z",
        "*/15 * * * *         | 2026-01-01T00:07:00Z     | 2026-01-01T00:15:00Z",
        "0 4 * * *            | 2026-01-01T04:00:00Z     | 2026-01-02T04:00:00Z",
        "30 4 1 * *           | 2026-01-15T00:00:00Z     | 2026-02-01T04:30:00Z",
        "0 0 * * MON          | 2026-01-01T00:00:00Z     | 2026-01-05T00:00:00Z",
        "0 0 * * 7            | 2026-01-01T00:00:00Z     | 2026-01-04T00:00:00Z",
        "0 0 * * 0            | 2026-01-01T00:00:00Z     | 2026-01-04T00:00:00Z",
        "0 12 * jan-mar sat   | 2026-03-29T00:00:00Z     | 2027-01-02T12:00:00Z",
        "0 0 13 * FRI         | 2026-01-01T00:00:00Z     | 2026-01-02T00:00:00Z",
        "0 0 */10 * *         | 2026-01-02T00:00:00Z     | 2026-01-11T00:00:00Z",
        "5,10-12 3 * * *      | 2026-01-01T03:10:30Z     | 2026-01-01T03:11:00Z",
        "0 0 29 2 *           | 2026-01-01T00:00:00Z     | 2028-02-29T00:00:00Z",
        "0 0 31 * *           | 2026-04-01T00:00:00Z     | 2026-05-31T00:00:00Z",
        "*/10 * * * * *       | 2026-01-01T00:00:00Z     | 2026-01-01T00:00:10Z",
        "30 0 4 * * *         | 2026-01-01T04:00:30Z     | 2026-01-02T04:00:30Z",
        "0 0 4 ? * *          | 2026-01-01T05:00:00Z     | 2026-01-02T04:00:00Z",
        "15-45/15 * * * * *   | 2026-01-01T00:00:45Z     | 2026-01-01T00:01:15Z",
      })
  void computesTheNextRunInUtc(String cron, String after, String next) {
    assertThat(CronExpression.parse(cron).next(Instant.parse(after), UTC))
        .contains(Instant.parse(next));
  }

  @ParameterizedTest(name = "{0} in Berlin after {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // winter (UTC+1) and summer (UTC+2) time
        "0 4 * * *   | 2026-03-27T12:00:00Z | 2026-03-28T03:00:00Z",
        "0 4 * * *   | 2026-03-28T12:00:00Z | 2026-03-29T02:00:00Z",
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 fires once at the change
        "30 2 * * *  | 2026-03-28T12:00:00Z | 2026-03-29T01:00:00Z",
        "30 2 * * *  | 2026-03-29T01:00:00Z | 2026-03-30T00:30:00Z",
        "*/30 * * * *| 2026-03-29T00:30:00Z | 2026-03-29T01:00:00Z",
        "*/30 * * * *| 2026-03-29T01:00:00Z | 2026-03-29T01:30:00Z",
        // 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 fires at its first occurrence
        "30 2 * * *  | 2026-10-24T12:00:00Z | 2026-10-25T00:30:00Z",
        "30 2 * * *  | 2026-10-25T00:30:00Z | 2026-10-26T01:30:00Z",
        "0 4 * * *   | 2026-10-24T12:00:00Z | 2026-10-25T03:00:00Z",
      })
  void followsWallClockTimeAcrossDaylightSavingChanges(String cron, String after, String next) {
    assertThat(CronExpression.parse(cron).next(Instant.parse(after), BERLIN))
        .contains(Instant.parse(next));
  }

  @Test
  void aSkippedWallTimeFiresOnlyOnceEvenWhenSeveralMatch() {
    CronExpression every15 = CronExpression.parse("*/15 2-3 * * *");
    Instant change = Instant.parse("2026-03-29T01:00:00Z");

    assertThat(every15.next(Instant.parse("2026-03-29T00:50:00Z"), BERLIN)).contains(change);
    assertThat(every15.next(change, BERLIN)).contains(Instant.parse("2026-03-29T01:15:00Z"));
  }

  @ParameterizedTest(name = "[{0}] -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''                 | must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, not 0",
        "* * * *            | must have 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, not 4",
        "* * * * * * *      | not 7",
        "60 * * * *         | minute field: value 60 is out of range 0-59",
        "* 24 * * *         | hour field: value 24 is out of range 0-23",
        "* * 0 * *          | day-of-month field: value 0 is out of range 1-31",
        "* * * 13 *         | month field: value 13 is out of range 1-12",
        "* * * * 8          | day-of-week field: value 8 is out of range 0-7",
        "61 * * * * *       | second field: value 61 is out of range 0-59",
        "* * * foo *        | month field: value [foo] is not a number or a name such as FEB",
        "*/0 * * * *        | minute field: step must be at least 1 in [*/0]",
        "5-2 * * * *        | minute field: range [5-2] runs backwards",
        "1,,2 * * * *       | minute field: has an empty list element",
        "x * * * *          | minute field: value [x] is not a number",
        "? * * * *          | minute field: value [?] is not a number",
        "0 0 30 2 *         | never fires",
        "0 0 31 4,6,9,11 *  | never fires",
      })
  void refusesBadExpressionsNamingTheField(String cron, String message) {
    assertThatThrownBy(() -> CronExpression.parse(cron))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((InvalidScheduleException) e).field())
        .isEqualTo("cron");
  }

  @Test
  void aRestrictedWeekdayMakesAnImpossibleDateFireOnThatWeekday() {
    CronExpression cron = CronExpression.parse("0 0 30 2 MON");
    assertThat(cron.next(Instant.parse("2026-01-01T00:00:00Z"), UTC))
        .contains(Instant.parse("2026-02-02T00:00:00Z"));
  }

  @Test
  void keepsTheTextWithBlanksCollapsed() {
    assertThat(CronExpression.parse("  0   4 * *  * ").text()).isEqualTo("0 4 * * *");
  }
}
