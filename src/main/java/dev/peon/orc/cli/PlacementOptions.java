package dev.peon.orc.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --node N} and {@code --label K=V}: where on a Swarm cluster a server may go. */
final class PlacementOptions {
  @Option(
      names = "--node",
      paramLabel = "N",
      description = "On a Swarm cluster: this node (id or host name).")
  String node;

  @Option(
      names = "--label",
      paramLabel = "K=V",
      description = "On a Swarm cluster: only a node carrying this label (repeatable).")
  Map<String, String> labels;

  boolean any() {
    return node != null || (labels != null && !labels.isEmpty());
  }

  /** The v2 {@code placement} object. */
  Map<String, Object> body() {
    Map<String, Object> placement = new LinkedHashMap<>();
    if (node != null) {
      placement.put("node", node);
    }
    if (labels != null && !labels.isEmpty()) {
      placement.put("labels", labels);
    }
    return placement;
  }
}
