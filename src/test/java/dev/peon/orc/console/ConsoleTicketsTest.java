package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConsoleTicketsTest {
  private static final String V2 = "/api/v2/servers/valheim.camp1/console";
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T20:00:00Z"));
  private final ConsoleTickets tickets = new ConsoleTickets(clock);

  @Test
  void aTicketWorksOnceWithinThirtySeconds() {
    var t = tickets.issue(ServerId.parse("valheim.camp1"));
    assertThat(t.expiresAt()).isEqualTo(clock.instant().plusSeconds(30));
    clock.advance(Duration.ofSeconds(29));
    assertThat(tickets.redeem(t.value(), V2)).isPresent();
    assertThat(tickets.redeem(t.value(), V2)).as("single use").isEmpty();
  }

  @Test
  void anExpiredTicketIsRefused() {
    var t = tickets.issue(null);
    clock.advance(Duration.ofSeconds(30));
    assertThat(tickets.redeem(t.value(), V2)).isEmpty();
  }

  @Test
  void aBoundTicketOpensOnlyItsServersConsoleAndIsSpentByAWrongTry() {
    var t = tickets.issue(ServerId.parse("valheim.camp1"));
    assertThat(tickets.redeem(t.value(), "/api/v2/servers/valheim.other/console")).isEmpty();
    assertThat(tickets.redeem(t.value(), V2)).isEmpty();
    var any = tickets.issue(null);
    assertThat(tickets.redeem(any.value(), "/api/v1/ws/console/ark.x")).isPresent();
    var notConsole = tickets.issue(null);
    assertThat(tickets.redeem(notConsole.value(), "/api/v2/servers")).isEmpty();
  }

  @Test
  void refusesForgedOrMissingTicketsAndIssuesUnguessableOnes() {
    assertThat(tickets.redeem(null, V2)).isEmpty();
    assertThat(tickets.redeem("forged", V2)).isEmpty();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String v = tickets.issue(null).value();
      assertThat(v).hasSize(43).matches("[A-Za-z0-9_-]+");
      seen.add(v);
    }
    assertThat(seen).hasSize(1000);
  }

  @Test
  void boundsOutstandingTicketsAndForgetsExpiredOnes() {
    for (int i = 0; i < ConsoleTickets.MAX_OUTSTANDING; i++) {
      tickets.issue(null);
    }
    try {
      tickets.issue(null);
      throw new AssertionError("expected a refusal");
    } catch (ConsoleException e) {
      assertThat(e.kind()).isEqualTo(ConsoleException.Kind.RATE_LIMITED);
    }
    clock.advance(Duration.ofSeconds(31));
    tickets.issue(null);
    assertThat(tickets.outstanding()).isEqualTo(1);
  }
}
