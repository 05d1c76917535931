package dev.peon.orc.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.event.Event;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NotificationTest {
  private static final Instant AT = Instant.parse("2026-12-03T10:00:00Z");

  private static Optional<Notification> of(String type, Map<String, Object> data) {
    return Notification.of(new Event(1, type, "valheim.camp", data, AT));
  }

  @ParameterizedTest
  @CsvSource({
    "server.crashed, server.crashed",
    "server.crashloop, server.crashloop",
    "server.started, server.started",
    "server.stopped, server.stopped",
    "backup.created, backup.succeeded",
    "backup.failed, backup.failed",
    "update.succeeded, update.succeeded",
    "update.failed, update.failed"
  })
  void mapsBusEventsToNotificationKinds(String type, String kind) {
    Notification n = of(type, Map.of("server", "valheim.camp")).orElseThrow();
    assertThat(n.kind().wire()).isEqualTo(kind);
    assertThat(n.server()).isEqualTo("valheim.camp");
    assertThat(n.at()).isEqualTo(AT);
  }

  @Test
  void onlyFailedScheduledRunsNotify() {
    assertThat(of("schedule.run", Map.of("result", "failed")).orElseThrow().kind())
        .isEqualTo(NotificationKind.SCHEDULE_FAILED);
    assertThat(of("schedule.run", Map.of("result", "succeeded"))).isEmpty();
    assertThat(of("schedule.run", Map.of("result", "skipped"))).isEmpty();
  }

  @Test
  void ignoresEventsNobodyIsNotifiedAbout() {
    assertThat(of("server.state", Map.of())).isEmpty();
    assertThat(of("operation", Map.of())).isEmpty();
    assertThat(of("backup.deleted", Map.of())).isEmpty();
  }

  @Test
  void wireNamesRoundTripAndTestIsNotFilterable() {
    for (NotificationKind k : NotificationKind.values()) {
      assertThat(NotificationKind.fromWire(k.wire())).contains(k);
    }
    assertThat(NotificationKind.fromWire("server.exploded")).isEmpty();
    assertThat(NotificationKind.filterable()).contains("server.crashed").doesNotContain("test");
  }
}
