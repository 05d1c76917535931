package dev.peon.orc.cluster;

import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.runtime.RuntimeFailure;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cluster's nodes as last read from the runtime: {@link #refresh()} asks the engine (the node
 * watcher does so every second), everything else answers from memory so a list of hundreds of
 * servers costs no engine call.
 */
public final class NodeDirectory {
  private final ContainerRuntime runtime;
  private final AtomicReference<List<NodeInfo>> nodes = new AtomicReference<>(List.of());

  public NodeDirectory(ContainerRuntime runtime) {
    this.runtime = runtime;
  }

  /** Whether servers are placed on cluster nodes. */
  public boolean clustered() {
    return runtime.clustered();
  }

  /** Reads the nodes from the engine; keeps the last list when it does not answer. */
  public List<NodeInfo> refresh() {
    try {
      List<NodeInfo> now = List.copyOf(runtime.nodes());
      nodes.set(now);
      return now;
    } catch (RuntimeFailure e) {
      return nodes.get();
    }
  }

  /**
   * The nodes as last read, never an engine call (a list of hundreds of servers must not wait on an
   * unreachable manager): the node watcher reads them every second.
   */
  public List<NodeInfo> snapshot() {
    return nodes.get();
  }

  /** A node by id or host name, as last read. */
  public Optional<NodeInfo> find(String idOrHostname) {
    return Placement.find(snapshot(), idOrHostname);
  }
}
