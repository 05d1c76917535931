package dev.peon.orc.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peon.orc.runtime.NodeInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {
  private static final long GIB = 1L << 30;

  static NodeInfo node(String id, long memory, NodeInfo.Status status, NodeInfo.Availability a) {
    return node(id, memory, status, a, Map.of());
  }

  static NodeInfo node(
      String id,
      long memory,
      NodeInfo.Status status,
      NodeInfo.Availability a,
      Map<String, String> labels) {
    return new NodeInfo(
        id,
        "host-" + id,
        NodeInfo.Role.WORKER,
        a,
        status,
        "10.0.0." + id.length(),
        "10.0.0." + id.length(),
        labels,
        2,
        memory,
        "20.10");
  }

  private static final NodeInfo A =
      node("a", 8 * GIB, NodeInfo.Status.READY, NodeInfo.Availability.ACTIVE);
  private static final NodeInfo B =
      node("b", 16 * GIB, NodeInfo.Status.READY, NodeInfo.Availability.ACTIVE);
  private static final NodeInfo C =
      node("c", 8 * GIB, NodeInfo.Status.READY, NodeInfo.Availability.ACTIVE);

  @Test
  void spreadsByTheShareOfDeclaredMemory() {
    // a: 4 of 8 GiB (50 %), b: 6 of 16 GiB (37.5 %), c: 5 of 8 (62.5 %)
    NodeInfo chosen =
        Placement.choose(
            List.of(A, B, C),
            Map.of("a", 4 * GIB, "b", 6 * GIB, "c", 5 * GIB),
            Map.of(),
            PlacementRequest.ANY);
    assertThat(chosen.id()).isEqualTo("b");
  }

  @Test
  void tiesGoToFewerServersThenToTheLowerId() {
    assertThat(Placement.choose(List.of(C, A), Map.of(), Map.of(), PlacementRequest.ANY).id())
        .isEqualTo("a");
    assertThat(Placement.choose(List.of(A, C), Map.of(), Map.of("a", 2), PlacementRequest.ANY).id())
        .isEqualTo("c");
  }

  @Test
  void downDrainedAndPausedNodesTakeNothing() {
    NodeInfo down = node("d", 64 * GIB, NodeInfo.Status.DOWN, NodeInfo.Availability.ACTIVE);
    NodeInfo drained = node("e", 64 * GIB, NodeInfo.Status.READY, NodeInfo.Availability.DRAIN);
    NodeInfo paused = node("f", 64 * GIB, NodeInfo.Status.READY, NodeInfo.Availability.PAUSE);
    assertThat(
            Placement.choose(
                    List.of(down, drained, paused, A),
                    Map.of("a", 7 * GIB),
                    Map.of(),
                    PlacementRequest.ANY)
                .id())
        .isEqualTo("a");
    assertThatThrownBy(
            () ->
                Placement.choose(
                    List.of(down, drained, paused), Map.of(), Map.of(), PlacementRequest.ANY))
        .isInstanceOf(PlacementException.class)
        .hasMessageContaining("No node")
        .extracting(e -> ((PlacementException) e).reason())
        .isEqualTo(PlacementException.Reason.NO_NODE);
  }

  @Test
  void pinsByIdOrHostNameAndRefusesAnUnavailableOrUnknownNode() {
    assertThat(
            Placement.choose(
                    List.of(A, B), Map.of(), Map.of(), new PlacementRequest("host-b", Map.of()))
                .id())
        .isEqualTo("b");
    NodeInfo drained = node("e", 64 * GIB, NodeInfo.Status.READY, NodeInfo.Availability.DRAIN);
    assertThatThrownBy(
            () ->
                Placement.choose(
                    List.of(A, drained), Map.of(), Map.of(), new PlacementRequest("e", Map.of())))
        .hasMessageContaining("does not take servers now")
        .hasMessageContaining("drain");
    assertThatThrownBy(
            () ->
                Placement.choose(
                    List.of(A), Map.of(), Map.of(), new PlacementRequest("nosuch", Map.of())))
        .extracting(e -> ((PlacementException) e).reason())
        .isEqualTo(PlacementException.Reason.UNKNOWN_NODE);
  }

  @Test
  void pinsByLabels() {
    NodeInfo eu =
        node(
            "z",
            4 * GIB,
            NodeInfo.Status.READY,
            NodeInfo.Availability.ACTIVE,
            Map.of("zone", "eu"));
    assertThat(
            Placement.choose(
                    List.of(A, B, eu),
                    Map.of("z", 3 * GIB),
                    Map.of(),
                    new PlacementRequest(null, Map.of("zone", "eu")))
                .id())
        .isEqualTo("z");
    assertThatThrownBy(
            () ->
                Placement.choose(
                    List.of(A, B),
                    Map.of(),
                    Map.of(),
                    new PlacementRequest(null, Map.of("zone", "us"))))
        .hasMessageContaining("zone=us");
  }

  @Test
  void badPlacementsAreRefusedWithTheirProblems() {
    assertThat(PlacementRequest.problems("../etc", Map.of())).hasSize(1);
    assertThat(PlacementRequest.problems(null, Map.of("bad key!", "x"))).hasSize(1);
    assertThat(PlacementRequest.problems("node-1", Map.of("zone", "eu"))).isEmpty();
    assertThatThrownBy(() -> new PlacementRequest("", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aHostNameSharedWithAStaleEntryOfARejoinedNodeFindsTheReadyOne() {
    NodeInfo stale = node("aaaa", 8 * GIB, NodeInfo.Status.DOWN, NodeInfo.Availability.ACTIVE);
    NodeInfo rejoined = node("bbbb", 8 * GIB, NodeInfo.Status.READY, NodeInfo.Availability.ACTIVE);
    // both are called host-<id> by node(): give them one name
    NodeInfo staleNamed =
        new NodeInfo(
            stale.id(),
            "node2",
            stale.role(),
            stale.availability(),
            stale.status(),
            stale.address(),
            stale.publicAddress(),
            stale.labels(),
            2,
            8 * GIB,
            "20.10");
    NodeInfo rejoinedNamed =
        new NodeInfo(
            rejoined.id(),
            "node2",
            rejoined.role(),
            rejoined.availability(),
            rejoined.status(),
            rejoined.address(),
            rejoined.publicAddress(),
            rejoined.labels(),
            2,
            8 * GIB,
            "20.10");
    assertThat(Placement.find(List.of(staleNamed, rejoinedNamed), "node2")).contains(rejoinedNamed);
    assertThat(Placement.find(List.of(staleNamed, rejoinedNamed), "aaaa")).contains(staleNamed);
  }
}
