package dev.peon.orc.node;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.operation.OperationBusyException;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the cluster's nodes every {@code interval} (one engine call) and acts on changes: a node
 * that stops being ready is announced ({@code node.down}) and its servers show {@code unavailable}
 * at once; with {@link NodeService.Failover#RESTORE}, once Swarm has reported it {@code DOWN} for
 * {@code cluster.failover.after}, each of its servers is restored from its latest backup on another
 * node, one {@code server.failover} operation each (see {@link NodeHealth}). A node that comes back
 * is announced ({@code node.ready}); servers already moved stay where they are.
 */
public final class NodeWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeWatcher.class);

  private final NodeService nodes;
  private final ServerService servers;
  private final OperationService operations;
  private final EventBus events;
  private final Clock clock;
  private final Duration interval;
  private final NodeService.Failover failover;

  /** Fail-overs not started yet (another operation ran on the server): retried every check. */
  private final Map<ServerId, Lost> pending = new java.util.LinkedHashMap<>();

  private record Lost(String node, Instant at) {}

  private final NodeHealth health;

  /** Fail-overs run at once; the others wait their turn inside their operation. */
  static final int PARALLEL = 4;

  private final java.util.concurrent.Semaphore slots =
      new java.util.concurrent.Semaphore(PARALLEL, true);

  private volatile boolean running = true;
  private final Thread thread;

  public NodeWatcher(
      NodeService nodes,
      ServerService servers,
      OperationService operations,
      EventBus events,
      Clock clock,
      Duration interval,
      NodeService.Failover failover,
      Duration failoverAfter) {
    this.nodes = nodes;
    this.servers = servers;
    this.operations = operations;
    this.events = events;
    this.clock = clock;
    this.interval = interval;
    this.failover = failover;
    this.health = new NodeHealth(failoverAfter);
    this.thread = Thread.ofPlatform().daemon().name("peon-node-watcher").unstarted(this::loop);
  }

  /** Starts watching (only worth it on a cluster). */
  public NodeWatcher start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (running) {
      try {
        check(nodes.directory().refresh());
      } catch (RuntimeException e) {
        LOG.atWarn().log("node check failed: " + e.getMessage());
      }
      try {
        Thread.sleep(interval);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Compares with the last reading and acts on what changed. Package-private for tests. */
  void check(List<NodeInfo> now) {
    NodeHealth.Changes changes = health.read(now, clock.instant());
    changes.lost().forEach(this::lost);
    for (NodeInfo n : changes.back()) {
      events.publish("node.ready", null, Map.of("node", n.id(), "hostname", n.hostname()));
      LOG.atInfo().addKeyValue("node", n.hostname()).log("node ready again");
    }
    if (failover == NodeService.Failover.RESTORE) {
      changes
          .failover()
          .forEach(
              (node, since) -> {
                for (ServerId id : servers.serversByNode().getOrDefault(node, List.of())) {
                  pending.put(id, new Lost(node, since));
                }
              });
    }
    retryPending(now);
  }

  private void lost(NodeInfo n) {
    List<ServerId> on = servers.serversByNode().getOrDefault(n.id(), List.of());
    LOG.atWarn()
        .addKeyValue("node", n.hostname())
        .addKeyValue("status", n.status())
        .addKeyValue("servers", on.size())
        .log("node not ready; its servers are unavailable");
    events.publish(
        "node.down",
        null,
        Map.of(
            "node",
            n.id(),
            "hostname",
            n.hostname(),
            "status",
            n.status().name().toLowerCase(Locale.ROOT),
            "servers",
            on.stream().map(ServerId::uid).sorted().toList()));
  }

  /**
   * Starts the pending fail-overs; one whose server is busy with another operation waits for the
   * next check, one whose node is ready again (or that moved meanwhile) is dropped.
   */
  private void retryPending(List<NodeInfo> now) {
    for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      ServerId id = e.getKey();
      Lost lost = e.getValue();
      boolean back =
          now.stream()
              .anyMatch(n -> n.id().equals(lost.node()) && n.status() == NodeInfo.Status.READY);
      if (back || !servers.nodeOf(id).map(lost.node()::equals).orElse(false)) {
        it.remove();
        continue;
      }
      try {
        operations.submit(
            "server.failover",
            id.uid(),
            true,
            progress -> {
              // a lost node's servers all at once would outrun the cluster's scheduler
              progress.report(0, "waiting for one of " + PARALLEL + " fail-over slots");
              slots.acquire();
              try {
                return NodeService.json(
                    nodes.failover(id, lost.node(), lost.at(), (p, m) -> progress.report(p, m)));
              } finally {
                slots.release();
              }
            });
        it.remove();
      } catch (OperationBusyException busy) {
        LOG.atInfo()
            .addKeyValue("serverId", id)
            .log("fail-over waits: another operation runs on the server");
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
