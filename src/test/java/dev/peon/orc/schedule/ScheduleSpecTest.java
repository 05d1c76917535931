package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScheduleSpecTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(NOW);
  private final ObjectMapper json = new ObjectMapper();

  @ParameterizedTest
  @CsvSource({
    "45s, 45",
    "10m, 600",
    "2h, 7200",
    "3d, 259200",
    "1h30m, 5400",
    "1d2h3m4s, 93784",
    "0h5m, 300",
    "365d, 31536000",
    "' 10m ', 600"
  })
  void parsesIntervals(String raw, long seconds) {
    assertThat(ScheduleSpec.parseInterval(raw)).isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "30", "", " ", "s", "m10", "-5m", "+5m", "10x", "10 m", "1.5h", "10M", "1h1h", "30m1h",
        "10min", "1w", "1h 30m", "h30m"
      })
  void rejectsMalformedIntervals(String raw) {
    assertThatThrownBy(() -> ScheduleSpec.parseInterval(raw))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("is invalid: use a number and a unit s, m, h or d");
  }

  @Test
  void rejectsTheBotsBareNumberWithAMessageItCanShow() {
    assertThatThrownBy(() -> ScheduleSpec.parseInterval("30"))
        .hasMessage(
            "The interval [30] is invalid: use a number and a unit s, m, h or d, such as 10m or"
                + " 1h30m.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "0m", "0d0h0m0s"})
  void rejectsZeroIntervals(String raw) {
    assertThatThrownBy(() -> ScheduleSpec.parseInterval(raw))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("longer than zero");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"366d", "365d1s", "8761h", "99999999999999999999s", "9223372036854775807d"})
  void rejectsIntervalsLongerThanAYearOrOverflowing(String raw) {
    assertThatThrownBy(() -> ScheduleSpec.parseInterval(raw))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("at most 365 days");
  }

  @Test
  void rejectsNullInterval() {
    assertThatThrownBy(() -> ScheduleSpec.parseInterval(null))
        .isInstanceOf(InvalidScheduleException.class);
  }

  @Test
  void shortensHugeValuesInMessages() {
    String huge = "x".repeat(10_000);
    assertThatThrownBy(() -> ScheduleSpec.parseInterval(huge))
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
  }

  @Test
  void parsesEpochTimeAsDigitsStringOrInteger() {
    long future = NOW.getEpochSecond() + 3600;
    Instant expected = Instant.ofEpochSecond(future);
    assertThat(ScheduleSpec.parseEpochTime(Long.toString(future), clock)).isEqualTo(expected);
    assertThat(ScheduleSpec.parseEpochTime(future, clock)).isEqualTo(expected);
    assertThat(ScheduleSpec.parseEpochTime(json.valueToTree(future), clock)).isEqualTo(expected);
    assertThat(ScheduleSpec.parseEpochTime(json.valueToTree(Long.toString(future)), clock))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "abc", "-5", "1.5", "17e8", "0x10", "99999999999999999999999"})
  void rejectsMalformedEpochTimes(String raw) {
    assertThatThrownBy(() -> ScheduleSpec.parseEpochTime(raw, clock))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("is invalid: use epoch seconds");
  }

  @Test
  void rejectsNonIntegralJsonEpochTimes() throws Exception {
    for (String body : new String[] {"1.5e9", "true", "[1]", "{}"}) {
      JsonNode node = json.readTree(body);
      assertThatThrownBy(() -> ScheduleSpec.parseEpochTime(node, clock))
          .isInstanceOf(InvalidScheduleException.class)
          .hasMessageContaining("is invalid");
    }
  }

  @Test
  void rejectsPastAndPresentEpochTimes() {
    for (long seconds : new long[] {0, NOW.getEpochSecond() - 1, NOW.getEpochSecond()}) {
      assertThatThrownBy(() -> ScheduleSpec.parseEpochTime(Long.toString(seconds), clock))
          .isInstanceOf(InvalidScheduleException.class)
          .hasMessageContaining("is in the past");
    }
    assertThatThrownBy(() -> ScheduleSpec.parseEpochTime(-5L, clock))
        .hasMessageContaining("is in the past");
  }

  @Test
  void rejectsEpochTimesInMillisecondsOrTooFarAhead() {
    long millis = NOW.toEpochMilli() + 60_000;
    assertThatThrownBy(() -> ScheduleSpec.parseEpochTime(Long.toString(millis), clock))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("too far ahead");
  }

  @Test
  void dueTimeIsEmptyWhenNeitherIsGiven() {
    assertThat(ScheduleSpec.dueTime(null, null, clock)).isEmpty();
    assertThat(ScheduleSpec.dueTime(NullNode.getInstance(), MissingNode.getInstance(), clock))
        .isEmpty();
  }

  @Test
  void dueTimeFromIntervalIsRelativeToNow() {
    assertThat(ScheduleSpec.dueTime(json.valueToTree("1h30m"), null, clock))
        .contains(NOW.plus(Duration.ofMinutes(90)));
  }

  @Test
  void dueTimeFromIntervalRejectsTheBareNumber() {
    assertThatThrownBy(() -> ScheduleSpec.dueTime(json.valueToTree("30"), null, clock))
        .isInstanceOf(InvalidScheduleException.class);
    assertThatThrownBy(() -> ScheduleSpec.dueTime(json.valueToTree(30), null, clock))
        .isInstanceOf(InvalidScheduleException.class)
        .hasMessageContaining("[30]");
  }

  @Test
  void epochTimeWinsWhenBothAreGiven() {
    long future = NOW.getEpochSecond() + 60;
    Optional<Instant> due = ScheduleSpec.dueTime("10m", Long.toString(future), clock);
    assertThat(due).contains(Instant.ofEpochSecond(future));
  }

  @Test
  void malformedIntervalIsReportedEvenWhenEpochTimeIsGiven() {
    long future = NOW.getEpochSecond() + 60;
    assertThatThrownBy(() -> ScheduleSpec.dueTime("30", future, clock))
        .isInstanceOf(InvalidScheduleException.class);
  }
}
