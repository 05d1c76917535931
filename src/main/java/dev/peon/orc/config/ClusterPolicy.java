package dev.peon.orc.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Which runtime servers run on and how a cluster is watched.
 *
 * @param runtime {@code docker} (one engine, the default) or {@code swarm} (the engine at {@code
 *     docker.host} is a Swarm manager; servers are services placed on its nodes)
 * @param failover what happens to the servers of a lost node: {@code restore} (on another node,
 *     from their latest backup) or {@code none} (marked unavailable only)
 * @param watchInterval how often the nodes are read to notice a lost one
 * @param failoverAfter how long a node must have been down before its servers are restored
 *     elsewhere (a restarting daemon or a short network cut must not roll servers back)
 */
public record ClusterPolicy(
    Runtime runtime, String failover, Duration watchInterval, Duration failoverAfter) {
  public static final ClusterPolicy SINGLE_ENGINE =
      new ClusterPolicy(Runtime.DOCKER, "restore", Duration.ofSeconds(1), Duration.ofSeconds(30));

  public ClusterPolicy {
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(failover, "failover");
    Objects.requireNonNull(watchInterval, "watchInterval");
    Objects.requireNonNull(failoverAfter, "failoverAfter");
  }

  /** The runtimes to choose from. */
  public enum Runtime {
    DOCKER,
    SWARM;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
