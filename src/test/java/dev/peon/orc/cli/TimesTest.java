package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimesTest {
  private static final Clock NOW =
      Clock.fixed(Instant.parse("2026-12-03T09:15:02Z"), ZoneOffset.UTC);

  @Test
  void showsAnApiTimeInTheLocalZoneReadably() {
    Times berlin = new Times(ZoneId.of("Europe/Berlin"), NOW);
    assertThat(berlin.at("2026-12-03T09:15:02.123456789Z")).isEqualTo("2026-12-03 10:15:02 CET");
    assertThat(berlin.at("2026-07-01T12:00:00+02:00")).isEqualTo("2026-07-01 12:00:00 CEST");
  }

  @Test
  void utcFlagWinsOverTzAndTzOverTheSystemZone() {
    assertThat(Times.of(true, Map.of("TZ", "Europe/Berlin"), NOW).zone())
        .isEqualTo(ZoneId.of("UTC"));
    assertThat(Times.of(false, Map.of("TZ", "America/New_York"), NOW).zone())
        .isEqualTo(ZoneId.of("America/New_York"));
    assertThat(Times.of(false, Map.of("TZ", ":Asia/Tokyo"), NOW).zone())
        .isEqualTo(ZoneId.of("Asia/Tokyo"));
    assertThat(Times.of(false, Map.of("TZ", "CET-1CEST"), NOW).zone())
        .isEqualTo(ZoneId.systemDefault());
    assertThat(Times.of(true, Map.of(), NOW).at("2026-12-03T09:15:02Z"))
        .isEqualTo("2026-12-03 09:15:02 UTC");
  }

  @Test
  void leavesNullAndNonTimesAlone() {
    Times t = new Times(ZoneId.of("UTC"), NOW);
    assertThat(t.at((String) null)).isNull();
    assertThat(t.at("soon")).isEqualTo("soon");
    assertThat(t.atRelative("")).isEmpty();
  }

  @Test
  void saysHowLongAgoOrHowSoon() {
    Times t = new Times(ZoneId.of("UTC"), NOW);
    assertThat(t.atRelative("2026-12-03T09:12:02Z"))
        .isEqualTo("2026-12-03 09:12:02 UTC (3 min ago)");
    assertThat(t.relative(Instant.parse("2026-12-03T09:15:00Z"))).isEqualTo("just now");
    assertThat(t.relative(Instant.parse("2026-12-03T11:15:02Z"))).isEqualTo("in 2 h");
    assertThat(t.relative(Instant.parse("2026-11-28T09:15:02Z"))).isEqualTo("5 days ago");
    assertThat(t.relative(Instant.parse("2026-12-02T09:15:02Z"))).isEqualTo("24 h ago");
  }
}
