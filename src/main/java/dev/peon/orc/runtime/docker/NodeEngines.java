package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.SwarmNode;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.runtime.RuntimeFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The Docker Engines of a Swarm's nodes, for what only a node's own engine can do (stdin, pause,
 * stats, kill, stop with a grace period, pulls). A node names its engine in the label {@value
 * NodeInfo#ENGINE_LABEL}; each engine is a {@link DockerContainerRuntime} of its own, opened on
 * first use and kept until {@link #close()}.
 */
final class NodeEngines implements AutoCloseable {
  /** {@code unix:///absolute/path} or {@code tcp://host:port}; nothing else is dialled. */
  private static final Pattern ENDPOINT =
      Pattern.compile("unix:///[A-Za-z0-9._/-]+|tcp://[A-Za-z0-9.:\\[\\]-]+:[0-9]{1,5}");

  private final DockerClient manager;
  private final DockerSettings settings;
  private final Map<String, DockerContainerRuntime> engines = new ConcurrentHashMap<>();

  NodeEngines(DockerClient manager, DockerSettings settings) {
    this.manager = manager;
    this.settings = settings;
  }

  static boolean validEndpoint(String endpoint) {
    return endpoint != null && ENDPOINT.matcher(endpoint).matches() && !endpoint.contains("..");
  }

  /** The engine of the node, or {@code UNSUPPORTED} naming the missing label. */
  DockerContainerRuntime of(String nodeId) {
    return engineOf(node(manager, nodeId))
        .orElseThrow(
            () ->
                new RuntimeFailure(
                    RuntimeFailure.Kind.UNSUPPORTED,
                    "node "
                        + nodeId
                        + " has no valid "
                        + NodeInfo.ENGINE_LABEL
                        + " label (unix:///path or tcp://host:port): console input, pause, stats"
                        + " and kill need the node's own Docker Engine"));
  }

  /** The node with exactly this id; {@code NOT_FOUND} otherwise. */
  static SwarmNode node(DockerClient docker, String nodeId) {
    if (!SwarmServices.validNodeId(nodeId)) {
      throw new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "no Swarm node " + nodeId);
    }
    List<SwarmNode> nodes;
    try {
      // the engine's id filter matches prefixes
      nodes = docker.listSwarmNodesCmd().withIdFilter(List.of(nodeId)).exec();
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "inspect node " + nodeId, e);
    }
    return nodes.stream()
        .filter(n -> nodeId.equals(n.getId()))
        .findFirst()
        .orElseThrow(
            () -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "no Swarm node " + nodeId));
  }

  /** The engine of the node when its label names a valid one. */
  Optional<DockerContainerRuntime> engineOf(SwarmNode node) {
    String endpoint = endpointOf(node);
    if (!validEndpoint(endpoint)) {
      return Optional.empty();
    }
    return Optional.of(
        engines.computeIfAbsent(endpoint, e -> new DockerContainerRuntime(e, settings)));
  }

  static String endpointOf(SwarmNode node) {
    return node.getSpec() == null || node.getSpec().getLabels() == null
        ? null
        : node.getSpec().getLabels().get(NodeInfo.ENGINE_LABEL);
  }

  @Override
  public void close() {
    List<DockerContainerRuntime> open = new ArrayList<>(engines.values());
    engines.clear();
    open.forEach(DockerContainerRuntime::close);
  }
}
