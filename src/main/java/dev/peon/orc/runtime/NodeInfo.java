package dev.peon.orc.runtime;

import java.util.Map;
import java.util.Objects;

/**
 * One machine the runtime can place game servers on: the single local engine, or one node of a
 * Docker Swarm cluster.
 *
 * @param id the engine's node id (stable; used for placement)
 * @param hostname the node's host name as the engine reports it
 * @param address the address the node is reached at inside the cluster (the Swarm node address; for
 *     a single engine, null)
 * @param publicAddress the address players should use for servers on this node: the {@value
 *     #PUBLIC_ADDRESS_LABEL} node label when set, else {@code address}; null when unknown
 * @param labels the node's labels (set by the cluster's administrator)
 * @param cpus logical CPUs
 * @param memoryBytes total memory
 */
public record NodeInfo(
    String id,
    String hostname,
    Role role,
    Availability availability,
    Status status,
    String address,
    String publicAddress,
    Map<String, String> labels,
    int cpus,
    long memoryBytes,
    String engineVersion) {

  /** The node label holding the address players use to reach servers on that node. */
  public static final String PUBLIC_ADDRESS_LABEL = "dev.peon.address";

  /**
   * The node label holding the endpoint of the node's own Docker Engine ({@code unix:///...} or
   * {@code tcp://host:2376} with TLS), used for what only a node's engine can do: console input,
   * pause, live stats.
   */
  public static final String ENGINE_LABEL = "dev.peon.engine";

  public NodeInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(availability, "availability");
    Objects.requireNonNull(status, "status");
    labels = Map.copyOf(labels);
  }

  /** Whether new servers may be placed here: ready and active. */
  public boolean schedulable() {
    return status == Status.READY && availability == Availability.ACTIVE;
  }

  public enum Role {
    MANAGER,
    WORKER
  }

  /**
   * Whether the node takes work: {@code DRAIN} moves its servers away, {@code PAUSE} keeps them.
   */
  public enum Availability {
    ACTIVE,
    PAUSE,
    DRAIN
  }

  /** The node's health as the cluster sees it; {@code DOWN} once heartbeats stop. */
  public enum Status {
    READY,
    DOWN,
    DISCONNECTED,
    UNKNOWN
  }
}
