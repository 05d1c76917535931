package dev.peon.orc.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.runtime.NodeInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeHealthTest {
  private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");

  private static NodeInfo node(String id, NodeInfo.Status status) {
    return new NodeInfo(
        id,
        "host-" + id,
        NodeInfo.Role.WORKER,
        NodeInfo.Availability.ACTIVE,
        status,
        "10.0.0.1",
        "10.0.0.1",
        Map.of(),
        2,
        1L << 30,
        "20.10");
  }

  private final NodeHealth health = new NodeHealth(Duration.ofSeconds(30));

  @Test
  void aBlipOfUnknownOrDisconnectedIsAnnouncedButRollsNothingBack() {
    health.read(List.of(node("a", NodeInfo.Status.READY)), T0);
    NodeHealth.Changes unknown =
        health.read(List.of(node("a", NodeInfo.Status.UNKNOWN)), T0.plusSeconds(1));
    assertThat(unknown.lost()).extracting(NodeInfo::id).containsExactly("a");
    assertThat(
            health
                .read(List.of(node("a", NodeInfo.Status.DISCONNECTED)), T0.plusSeconds(120))
                .failover())
        .isEmpty();
    NodeHealth.Changes back =
        health.read(List.of(node("a", NodeInfo.Status.READY)), T0.plusSeconds(121));
    assertThat(back.back()).extracting(NodeInfo::id).containsExactly("a");
    assertThat(back.failover()).isEmpty();
  }

  @Test
  void aNodeDownForTheWholeDelayFailsOverOnceFromWhenItWentDown() {
    health.read(List.of(node("a", NodeInfo.Status.READY)), T0);
    assertThat(health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0.plusSeconds(5)).failover())
        .isEmpty();
    assertThat(health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0.plusSeconds(20)).failover())
        .isEmpty();
    assertThat(health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0.plusSeconds(35)).failover())
        .containsExactly(Map.entry("a", T0.plusSeconds(5)));
    assertThat(health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0.plusSeconds(90)).failover())
        .as("once per down episode")
        .isEmpty();
  }

  @Test
  void aNodeBackBeforeTheDelayStartsAFreshEpisodeWhenItGoesDownAgain() {
    health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0);
    health.read(List.of(node("a", NodeInfo.Status.READY)), T0.plusSeconds(20));
    assertThat(health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0.plusSeconds(40)).failover())
        .isEmpty();
    assertThat(health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0.plusSeconds(70)).failover())
        .containsExactly(Map.entry("a", T0.plusSeconds(40)));
  }

  @Test
  void aNodeDownAtTheFirstReadingIsAnnouncedAndWaitsTheDelayToo() {
    NodeHealth.Changes first = health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0);
    assertThat(first.lost()).hasSize(1);
    assertThat(first.failover()).isEmpty();
    assertThat(health.read(List.of(node("a", NodeInfo.Status.DOWN)), T0.plusSeconds(30)).failover())
        .containsKey("a");
  }
}
