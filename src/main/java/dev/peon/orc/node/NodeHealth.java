package dev.peon.orc.node;

import dev.peon.orc.runtime.NodeInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the node watcher must do after each reading, as pure logic: which nodes just stopped being
 * ready (announce, servers unavailable), which are ready again, and which have been {@code DOWN}
 * long enough for their servers to be restored elsewhere. Only {@code DOWN} counts for a fail-over
 * (a new leader reports nodes {@code unknown} for a moment), only once per down episode, and only
 * after {@code failoverAfter}.
 */
final class NodeHealth {
  /** What one reading calls for; {@code failover} maps a node id to when it went down. */
  record Changes(List<NodeInfo> lost, List<NodeInfo> back, Map<String, Instant> failover) {}

  private final Duration failoverAfter;
  private final Map<String, NodeInfo.Status> last = new HashMap<>();
  private final Map<String, Instant> downSince = new HashMap<>();
  private final Set<String> failedOver = new HashSet<>();

  NodeHealth(Duration failoverAfter) {
    this.failoverAfter = failoverAfter;
  }

  Changes read(List<NodeInfo> nodes, Instant now) {
    List<NodeInfo> lost = new ArrayList<>();
    List<NodeInfo> back = new ArrayList<>();
    Map<String, Instant> failover = new HashMap<>();
    for (NodeInfo n : nodes) {
      NodeInfo.Status before = last.put(n.id(), n.status());
      boolean ready = n.status() == NodeInfo.Status.READY;
      if (!ready && (before == null || before == NodeInfo.Status.READY)) {
        lost.add(n);
      } else if (ready && before != null && before != NodeInfo.Status.READY) {
        back.add(n);
      }
      if (n.status() != NodeInfo.Status.DOWN) {
        downSince.remove(n.id());
        failedOver.remove(n.id());
        continue;
      }
      Instant since = downSince.computeIfAbsent(n.id(), k -> now);
      if (!failedOver.contains(n.id())
          && !Duration.between(since, now).minus(failoverAfter).isNegative()) {
        failedOver.add(n.id());
        failover.put(n.id(), since);
      }
    }
    return new Changes(lost, back, failover);
  }
}
