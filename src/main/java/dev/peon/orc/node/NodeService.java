package dev.peon.orc.node;

import dev.peon.orc.backup.BackupRecord;
import dev.peon.orc.backup.BackupService;
import dev.peon.orc.cluster.NodeDirectory;
import dev.peon.orc.cluster.PlacementRequest;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationBusyException;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.server.ServerException;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.SupervisionSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's nodes as the API shows them, and what moves servers between them: a move (stop,
 * back up, place elsewhere, start), a drain (every server of a node moved), and the fail-over of a
 * lost node's servers (placed elsewhere, their latest backup restored, started again).
 *
 * <p>Server folders live on storage every node mounts at the same path (see ARCHITECTURE.md), so a
 * move needs no copy; the backup taken before a move is the safety net, and a lost node's servers
 * are restored from their latest backup because the lost node may have left their folder half
 * written (or may still be writing it).
 */
public final class NodeService {
  private static final Logger LOG = LoggerFactory.getLogger(NodeService.class);

  /** What to do with the servers of a node that is lost. */
  public enum Failover {
    /** Place them on another node and restore their latest backup there (the default). */
    RESTORE,
    /** Only mark them unavailable; an operator moves them. */
    NONE;

    public static Failover parse(String s) {
      return Failover.valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** Progress of a move, drain or fail-over. */
  @FunctionalInterface
  public interface Progress {
    void report(Integer percent, String message);
  }

  /**
   * One server moved.
   *
   * @param downtime from the stop to running again on the new node; null when it was not running
   * @param backup the backup taken before the move, or restored after a lost node; null if none
   */
  public record Move(
      ServerId server, String from, String to, Duration downtime, String backup, String note) {}

  private final ContainerRuntime runtime;
  private final ServerService servers;
  private final BackupService backups;
  private final SupervisionSettings supervision;
  private final EventBus events;
  private final Clock clock;
  private final OperationService operations;
  private final java.util.Set<String> draining = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public NodeService(
      ContainerRuntime runtime,
      ServerService servers,
      BackupService backups,
      SupervisionSettings supervision,
      EventBus events,
      Clock clock,
      OperationService operations) {
    this.operations = operations;
    this.runtime = runtime;
    this.servers = servers;
    this.backups = backups;
    this.supervision = supervision;
    this.events = events;
    this.clock = clock;
  }

  public NodeDirectory directory() {
    return servers.nodes();
  }

  /** The nodes as the engine reports them now. */
  public List<NodeInfo> list() {
    return directory().refresh();
  }

  /** One node by id or host name; NOT_FOUND problem otherwise. */
  public NodeInfo get(String idOrHostname) {
    return dev.peon.orc.cluster.Placement.find(list(), idOrHostname)
        .orElseThrow(
            () ->
                new ServerException(
                    ServerException.Kind.NOT_FOUND,
                    "There is no node [" + idOrHostname + "] in the cluster."));
  }

  /** Reactivates (or pauses) a node: it takes new servers again. */
  public NodeInfo setAvailability(String idOrHostname, NodeInfo.Availability availability) {
    NodeInfo n = get(idOrHostname);
    requireCluster();
    runtime.setNodeAvailability(n.id(), availability);
    events.publish(
        "node.availability",
        null,
        Map.of("node", n.id(), "availability", availability.name().toLowerCase(Locale.ROOT)));
    return get(n.id());
  }

  /**
   * Drains a node: it takes no new servers, and each of its servers is moved to another node by a
   * {@code server.move} operation of its own (so it waits for, and is refused by, nothing else that
   * runs on that server), running ones started again there. The node is paused while its servers
   * move (Swarm's drain would kill them at once, without our stop) and drained at the end. A server
   * that cannot move is reported and the others still move. Answers {@code moved} and {@code
   * failed}.
   */
  public Map<String, Object> drain(String idOrHostname, Progress progress) {
    NodeInfo n = get(idOrHostname);
    requireCluster();
    if (!draining.add(n.id())) {
      throw new ServerException(
          ServerException.Kind.BUSY, "The node [" + n.hostname() + "] is being drained already.");
    }
    try {
      runtime.setNodeAvailability(n.id(), NodeInfo.Availability.PAUSE);
      List<ServerId> on =
          servers.serversByNode().getOrDefault(n.id(), List.of()).stream()
              .sorted(Comparator.comparing(ServerId::uid))
              .toList();
      List<Object> moved = new ArrayList<>();
      List<Map<String, Object>> failed = new ArrayList<>();
      int i = 0;
      for (ServerId id : on) {
        progress.report(
            i * 100 / on.size(), "moving " + id + " (" + (i + 1) + " of " + on.size() + ")");
        i++;
        try {
          Operation op =
              operations.submit(
                  "server.move",
                  id.uid(),
                  true,
                  p -> json(move(id, PlacementRequest.ANY, p::report)));
          Operation done = operations.completion(op).get();
          if (done.status() == Operation.Status.SUCCEEDED) {
            moved.add(done.result());
          } else {
            failed.add(failure(id, done.error() == null ? "failed" : done.error().detail()));
          }
        } catch (OperationBusyException e) {
          failed.add(failure(id, "another operation runs on the server; move it later"));
        } catch (ExecutionException e) {
          failed.add(failure(id, String.valueOf(e.getCause())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ServerException(ServerException.Kind.BUSY, "The drain was interrupted.");
        }
      }
      runtime.setNodeAvailability(n.id(), NodeInfo.Availability.DRAIN);
      events.publish("node.availability", null, Map.of("node", n.id(), "availability", "drain"));
      progress.report(100, "drained: " + moved.size() + " moved, " + failed.size() + " failed");
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("node", n.id());
      result.put("moved", moved);
      result.put("failed", failed);
      return result;
    } finally {
      draining.remove(n.id());
    }
  }

  private static Map<String, Object> failure(ServerId id, String reason) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server", id.uid());
    m.put("reason", reason);
    return m;
  }

  /** Refuses a move that cannot happen (single engine, unknown node, no node free) at once. */
  public void checkMove(ServerId id, PlacementRequest placement) {
    requireCluster();
    servers.chooseNodeFor(id, placement);
  }

  /**
   * Moves a server to another node: stops it, backs it up, places it on the chosen node and starts
   * it there if it ran; the downtime runs from the stop to running again. Should the backup or the
   * placing fail, a server that ran is started again where it was. A server whose node is lost
   * cannot be stopped or quiesced there: it is placed elsewhere as it is and started if it was
   * meant to run (the fail-over, by contrast, restores its latest backup).
   */
  public Move move(ServerId id, PlacementRequest placement, Progress progress) {
    requireCluster();
    String from = servers.nodeOf(id).orElse(null);
    String to = servers.chooseNodeFor(id, placement);
    boolean fromLost =
        from != null
            && directory().find(from).map(n -> n.status() != NodeInfo.Status.READY).orElse(true);
    if (fromLost) {
      boolean wanted = supervision.status(id).desiredRunning();
      Instant t0 = clock.instant();
      progress.report(30, "its node is lost: placing on " + hostname(to) + " as it is");
      servers.relocate(id, to);
      Duration downtime = null;
      if (wanted) {
        progress.report(80, "starting on " + hostname(to));
        servers.start(id);
        downtime = Duration.between(t0, clock.instant());
      }
      Move m =
          new Move(
              id, from, to, downtime, null, "its node was lost: moved without a stop or a backup");
      announce("server.moved", m);
      return m;
    }
    boolean wasRunning = servers.get(id).running();
    Instant stopped = clock.instant();
    if (wasRunning) {
      progress.report(10, "stopping");
      servers.stop(id);
    }
    BackupRecord before;
    try {
      progress.report(30, "backing up before the move");
      before = backups.backupNow(id, BackupRecord.Origin.MANUAL, (p, m) -> progress.report(30, m));
      progress.report(70, "placing on " + hostname(to));
      servers.relocate(id, to);
    } catch (RuntimeException e) {
      if (wasRunning) {
        try {
          servers.start(id); // where it is now: the move failed, the game need not stay down
        } catch (RuntimeException again) {
          e.addSuppressed(again);
        }
      }
      throw e;
    }
    Duration downtime = null;
    if (wasRunning) {
      progress.report(80, "starting on " + hostname(to));
      servers.start(id);
      downtime = Duration.between(stopped, clock.instant());
    }
    Move m = new Move(id, from, to, downtime, before.id().value(), null);
    announce("server.moved", m);
    LOG.atInfo()
        .addKeyValue("serverId", id)
        .addKeyValue("from", from)
        .addKeyValue("to", to)
        .addKeyValue("downtimeMs", downtime == null ? null : downtime.toMillis())
        .log("server moved");
    return m;
  }

  /**
   * The fail-over of one server whose node was lost: placed on another node, its latest backup
   * restored (the folder as the lost node left it is kept as a pre-restore backup), started if it
   * was meant to run.
   */
  public Move failover(ServerId id, String lostNode, Instant lostAt, Progress progress) {
    try {
      return restoreElsewhere(id, lostNode, lostAt, progress);
    } catch (RuntimeException e) {
      // the operation shows the failure's kind; the log keeps its cause for whoever investigates
      LOG.atError()
          .addKeyValue("serverId", id)
          .addKeyValue("lostNode", lostNode)
          .setCause(e)
          .log("fail-over failed: " + e.getMessage());
      throw e;
    }
  }

  private Move restoreElsewhere(ServerId id, String lostNode, Instant lostAt, Progress progress) {
    boolean wanted = supervision.status(id).desiredRunning() || wasRunning(id);
    String to = servers.chooseNodeFor(id, PlacementRequest.ANY);
    progress.report(10, "placing on " + hostname(to));
    servers.relocate(id, to);
    Optional<BackupRecord> latest =
        backups.list(id).stream()
            .filter(b -> b.origin() != BackupRecord.Origin.PRE_RESTORE)
            .max(Comparator.comparing(BackupRecord::createdAt));
    String note = null;
    if (latest.isPresent()) {
      progress.report(30, "restoring backup " + latest.get().id().value());
      backups.restore(
          id,
          latest.get().id(),
          List.of(),
          new BackupService.RestoreOptions(false, true, true),
          (p, m) -> progress.report(p == null ? 30 : 30 + p / 2, m));
    } else {
      note = "no backup to restore: started with the folder as the lost node left it";
    }
    Duration downtime = null;
    if (wanted) {
      progress.report(90, "starting on " + hostname(to));
      servers.start(id);
      downtime = Duration.between(lostAt, clock.instant());
    }
    Move m =
        new Move(id, lostNode, to, downtime, latest.map(b -> b.id().value()).orElse(null), note);
    announce("server.failover", m);
    LOG.atWarn()
        .addKeyValue("serverId", id)
        .addKeyValue("lostNode", lostNode)
        .addKeyValue("to", to)
        .addKeyValue("backup", m.backup())
        .log("server restored on another node after its node was lost");
    return m;
  }

  private boolean wasRunning(ServerId id) {
    try {
      return servers.get(id).running();
    } catch (ServerException | RuntimeFailure e) {
      return false;
    }
  }

  private void requireCluster() {
    if (!runtime.clustered()) {
      throw new ServerException(
          ServerException.Kind.INVALID,
          "This orchestrator runs on a single engine (runtime=docker); nodes are a Swarm"
              + " feature (runtime=swarm).");
    }
  }

  private String hostname(String nodeId) {
    return directory().find(nodeId).map(NodeInfo::hostname).orElse(nodeId);
  }

  private void announce(String type, Move m) {
    Map<String, Object> data = new LinkedHashMap<>(json(m));
    data.remove("server");
    events.publish(type, m.server().uid(), data);
  }

  /** The JSON of a move. */
  public static Map<String, Object> json(Move m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("server", m.server().uid());
    out.put("from", m.from());
    out.put("to", m.to());
    out.put("downtimeSeconds", m.downtime() == null ? null : m.downtime().toMillis() / 1000.0);
    out.put("backup", m.backup());
    out.put("note", m.note());
    return out;
  }

  /** The JSON of a node with what is placed on it. */
  public Map<String, Object> json(NodeInfo n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.id());
    m.put("hostname", n.hostname());
    m.put("role", n.role().name().toLowerCase(Locale.ROOT));
    m.put("status", n.status().name().toLowerCase(Locale.ROOT));
    m.put("availability", n.availability().name().toLowerCase(Locale.ROOT));
    m.put("address", n.address());
    m.put("publicAddress", n.publicAddress());
    m.put("cpus", n.cpus());
    m.put("memoryBytes", n.memoryBytes());
    m.put("allocatedMemoryBytes", servers.memoryByNode().getOrDefault(n.id(), 0L));
    List<String> on =
        runtime.clustered()
            ? servers.serversByNode().getOrDefault(n.id(), List.of()).stream()
                .map(ServerId::uid)
                .toList()
            : servers.list().stream().map(v -> v.id().uid()).toList();
    m.put("servers", on.stream().sorted().toList());
    m.put("engineVersion", n.engineVersion());
    m.put("labels", new java.util.TreeMap<>(n.labels()));
    return m;
  }
}
