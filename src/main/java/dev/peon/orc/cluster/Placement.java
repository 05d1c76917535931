package dev.peon.orc.cluster;

import dev.peon.orc.runtime.NodeInfo;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The placement policy: a pinned node when asked for, else the schedulable node (ready, active,
 * carrying the asked labels) with the smallest share of its memory already declared by the servers
 * placed on it; ties go to the node with fewer servers, then to the lower id. Pure logic.
 */
public final class Placement {
  private Placement() {}

  /**
   * @param allocatedMemory node id -> memory declared by the servers on it, in bytes
   * @param servers node id -> how many servers are placed on it
   * @throws PlacementException naming why no node fits
   */
  public static NodeInfo choose(
      List<NodeInfo> nodes,
      Map<String, Long> allocatedMemory,
      Map<String, Integer> servers,
      PlacementRequest request) {
    if (request.node() != null) {
      NodeInfo pinned =
          find(nodes, request.node())
              .orElseThrow(
                  () ->
                      new PlacementException(
                          PlacementException.Reason.UNKNOWN_NODE,
                          "There is no node [" + request.node() + "] in the cluster."));
      if (!pinned.schedulable()) {
        throw new PlacementException(
            PlacementException.Reason.UNAVAILABLE,
            "The node ["
                + pinned.hostname()
                + "] does not take servers now (status "
                + pinned.status().name().toLowerCase(java.util.Locale.ROOT)
                + ", availability "
                + pinned.availability().name().toLowerCase(java.util.Locale.ROOT)
                + ").");
      }
      return pinned;
    }
    return nodes.stream()
        .filter(NodeInfo::schedulable)
        .filter(n -> n.labels().entrySet().containsAll(request.labels().entrySet()))
        .min(
            Comparator.<NodeInfo>comparingDouble(
                    n -> share(allocatedMemory.getOrDefault(n.id(), 0L), n.memoryBytes()))
                .thenComparingInt(n -> servers.getOrDefault(n.id(), 0))
                .thenComparing(NodeInfo::id))
        .orElseThrow(
            () ->
                new PlacementException(
                    PlacementException.Reason.NO_NODE,
                    request.labels().isEmpty()
                        ? "No node of the cluster takes servers now (all down, drained or paused)."
                        : "No ready, active node carries the labels " + request.labels() + "."));
  }

  /**
   * The node with that id, else with that host name: a node that left and joined again keeps a
   * stale entry under the same name, so a ready one is preferred.
   */
  public static java.util.Optional<NodeInfo> find(List<NodeInfo> nodes, String idOrHostname) {
    return nodes.stream()
        .filter(n -> n.id().equals(idOrHostname))
        .findFirst()
        .or(
            () ->
                nodes.stream()
                    .filter(n -> idOrHostname.equals(n.hostname()))
                    .min(
                        Comparator.comparing(
                            (NodeInfo n) -> n.status() == NodeInfo.Status.READY ? 0 : 1)));
  }

  private static double share(long allocated, long total) {
    return total <= 0 ? allocated : (double) allocated / total;
  }
}
