package dev.peon.orc.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.cluster.NodeDirectory;
import dev.peon.orc.cluster.Placement;
import dev.peon.orc.cluster.PlacementException;
import dev.peon.orc.cluster.PlacementRequest;
import dev.peon.orc.config.ContainerPolicy;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PlanVariable;
import dev.peon.orc.plan.VolumeMount;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.Hardening;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.runtime.ResourceLimits;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.store.Database;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server aggregate's façade: create, power, update, delete, import and reads. Reads come from
 * memory ({@link ServerStateTracker}); every power action goes through one per-server lock, with
 * kill bypassing it. Game data is touched only by update {@code reinit} and eradicate.
 */
public final class ServerService {
  private static final Logger LOG = LoggerFactory.getLogger(ServerService.class);
  public static final String LABEL_MANAGED = "dev.peon.managed";
  public static final String LABEL_SERVER = "dev.peon.server";

  private final ServerLayout layout;
  private final ServerRepository repository;
  private final PlanCatalog plans;
  private final ContainerRuntime runtime;
  private final OrchestratorConfig config;
  private final ServerStateTracker tracker;
  private final ServerConfigJson configJson;
  private final NameGenerator names = new NameGenerator();
  private final Map<ServerId, ReentrantLock> powerLocks = new ConcurrentHashMap<>();
  private final Duration lockWait;
  private final EventBus events;
  private final Ownership ownership;
  private final Clock clock;

  /** Servers with a record whose config.json cannot be read: the reason, by id (review M8). */
  private final Map<ServerId, String> broken = new ConcurrentHashMap<>();

  private final NodeDirectory nodes;

  /** Cluster node id by server, for servers placed on a cluster node (from the records). */
  private final Map<ServerId, String> placements = new ConcurrentHashMap<>();

  private final ResourceLimits defaultLimits;
  private final Hardening hardening;
  static final String LABEL_SPEC = "dev.peon.spec";
  private volatile PowerObserver observer = PowerObserver.NONE;

  /** Servers whose container an action of ours is stopping now: their exit is no crash. */
  private final Map<ServerId, java.util.concurrent.atomic.AtomicInteger> stoppingOnPurpose =
      new ConcurrentHashMap<>();

  public ServerService(
      OrchestratorConfig config,
      Database db,
      PlanCatalog plans,
      ContainerRuntime runtime,
      HostPorts hostPorts,
      Clock clock) {
    this(config, db, plans, runtime, hostPorts, clock, new EventBus(clock));
  }

  public ServerService(
      OrchestratorConfig config,
      Database db,
      PlanCatalog plans,
      ContainerRuntime runtime,
      HostPorts hostPorts,
      Clock clock,
      EventBus events) {
    this.events = events;
    this.clock = clock;
    this.config = config;
    this.layout = new ServerLayout(config.dataDir(), config.bindSourceRoot());
    this.repository =
        new ServerRepository(
            db,
            hostPorts,
            new SubnetPool(config.subnetPool(), config.subnetPrefix()),
            config.portRange());
    this.plans = plans;
    this.runtime = runtime;
    this.nodes = new NodeDirectory(runtime);
    ObjectMapper mapper = new ObjectMapper();
    this.configJson = new ServerConfigJson(mapper);
    this.tracker =
        new ServerStateTracker(
            runtime, layout, config.exposeSecrets(), clock, events, this::containerExited);
    this.lockWait = config.stopTimeout().plusSeconds(15);
    ContainerPolicy policy = config.containers();
    this.ownership = Ownership.load(policy.instanceId(), config.dataDir());
    this.defaultLimits =
        new ResourceLimits(policy.memoryBytes(), Math.round(policy.cpus() * 1e9), policy.pids());
    this.hardening =
        policy.hardened() ? new Hardening(true, true, policy.capabilities()) : Hardening.NONE;
  }

  /** True while Docker's event stream is followed (readiness: states are current). */
  public boolean eventsConnected() {
    return tracker.eventsConnected();
  }

  /** The id this orchestrator labels its containers and networks with. */
  public String instanceId() {
    return ownership.instance();
  }

  /** The limits in force for a server: its own values where set, else the defaults. */
  public ResourceLimits limitsOf(ServerDefinition def) {
    return def.limits().effective(defaultLimits);
  }

  public ServerLayout layout() {
    return layout;
  }

  /** Tells {@code observer} about power requests and unexpected exits (supervision). */
  public void observePower(PowerObserver observer) {
    this.observer = observer;
  }

  /** From the tracker: an exit that no stop of ours caused goes to the observer. */
  private void containerExited(ServerId id, PowerObserver.Exit exit) {
    var stopping = stoppingOnPurpose.get(id);
    if (stopping != null && stopping.get() > 0) {
      return;
    }
    observer.containerExited(id, exit);
  }

  Map<String, String> labels(ServerId id) {
    return ownership.labels(id);
  }

  // ---------------------------------------------------------------- reads

  public List<ServerView> list() {
    return tracker.views();
  }

  public Optional<ServerView> find(ServerId id) {
    return tracker.view(id);
  }

  public ServerView get(ServerId id) {
    return find(id).orElseThrow(() -> notFoundOrBroken(id));
  }

  /** Throws unless the server exists: known, or recorded with an unreadable config.json. */
  public void requireExisting(ServerId id) {
    if (!exists(id)) {
      throw notFoundOrBroken(id);
    }
  }

  /** True for a known server and for one whose config.json cannot be read (it can be deleted). */
  public boolean exists(ServerId id) {
    return tracker.knows(id) || broken.containsKey(id);
  }

  private ServerException notFoundOrBroken(ServerId id) {
    String reason = broken.get(id);
    if (reason != null) {
      return new ServerException(
          ServerException.Kind.BROKEN,
          "The server ["
              + id
              + "] cannot be read ("
              + withoutHostPaths(reason)
              + "). Fix its config.json and import it again (PUT /api/v1/servers), or delete it.");
    }
    return new ServerException(ServerException.Kind.NOT_FOUND, "There is no server [" + id + "].");
  }

  public ServerStats stats(ServerId id) {
    get(id);
    return tracker.stats(id);
  }

  // ---------------------------------------------------------------- boot

  /**
   * Reconciles the database with the disk and Docker at start-up: finishes or undoes interrupted
   * creates, adopts running containers (never stops them), recreates missing containers (not
   * started), and starts following Docker events.
   */
  public void reconcile() {
    Map<String, ContainerInfo> containers = new HashMap<>();
    for (ContainerInfo c : runtime.list(Map.of(LABEL_MANAGED, "true"))) {
      if (ownership.ownsAny(c.labels())) {
        containers.put(c.labels().get(LABEL_SERVER), c);
      }
    }
    for (ServerRecord r : repository.all()) {
      ServerId id = r.id();
      if (r.node() != null) {
        placements.put(id, r.node());
      } else if (r.status() == ServerRecord.Status.ACTIVE) {
        // made on a single engine before runtime=swarm: pinned now, counted like the others
        placeUnplaced(id);
      }
      if (r.status() == ServerRecord.Status.CREATING) {
        LOG.atWarn().addKeyValue("serverId", id).log("undoing a create interrupted by a crash");
        undoCreate(id, true);
        continue;
      }
      ServerDefinition def;
      try {
        def = readDefinition(id);
      } catch (RuntimeException e) {
        LOG.atError()
            .addKeyValue("serverId", id)
            .addKeyValue("reason", e.getMessage())
            .log(
                "config.json unreadable; server not listed until it is fixed and imported again"
                    + " (PUT /api/v1/servers), or deleted");
        broken.put(id, e.getMessage());
        continue;
      }
      try {
        // killed between marking the row active and removing the marker: the create finished
        Files.deleteIfExists(layout.dir(id).resolve(ServerLayout.CREATING_MARKER));
      } catch (IOException e) {
        LOG.atWarn().addKeyValue("serverId", id).log("could not remove a stale create marker");
      }
      ContainerInfo c = containers.remove(id.uid());
      if (c == null) {
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .log("container vanished; recreating it (not started)");
        try {
          ownContainer(id); // a foreign container of that name is never replaced
          ensureNetwork(id, r.subnet());
          runtime.create(containerSpec(def));
        } catch (RuntimeFailure | ServerException e) {
          LOG.atError()
              .addKeyValue("serverId", id)
              .addKeyValue("reason", e.getMessage())
              .log("recreate failed");
        }
      } else {
        LOG.atInfo()
            .addKeyValue("serverId", id)
            .addKeyValue("state", c.state().wire())
            .log("adopted container");
      }
      tracker.put(id, def, r.subnet(), expectedHash(def));
    }
    containers.forEach(
        (uid, c) ->
            LOG.atWarn()
                .addKeyValue("container", c.name())
                .log("container labelled as ours has no server record; left alone"));
    removeOrphanNetworks();
    tracker.start();
  }

  /**
   * Removes networks of ours whose server has no record (left by a cleanup that failed): they hold
   * a subnet that later creates would be given.
   */
  private void removeOrphanNetworks() {
    java.util.Set<String> known = new java.util.HashSet<>();
    repository.all().forEach(r -> known.add(r.id().networkName()));
    // listed by our instance label at the engine: no inspect per network, never someone else's
    Map<String, String> ours =
        Map.of(LABEL_MANAGED, "true", Ownership.LABEL_INSTANCE, ownership.instance());
    for (String network : runtime.listNetworks(ours)) {
      if (known.contains(network)) {
        continue;
      }
      try {
        runtime.removeNetwork(network);
        LOG.atWarn()
            .addKeyValue("network", network)
            .log("removed a network left by a failed cleanup");
      } catch (RuntimeFailure e) {
        LOG.atWarn()
            .addKeyValue("network", network)
            .addKeyValue("reason", e.getMessage())
            .log("could not remove an orphan network");
      }
    }
  }

  public void close() {
    tracker.close();
  }

  // ---------------------------------------------------------------- create

  /** The settings a plan declares (STEAM_ID excluded: it is never set); empty if no such plan. */
  public Optional<List<String>> settingNames(PlanId game) {
    return plans
        .find(game)
        .map(
            p ->
                p.environment().stream()
                    .map(PlanVariable::name)
                    .filter(n -> !n.equals(PlanVariable.STEAM_ID))
                    .toList());
  }

  /** Creates a server; starts it unless {@code startLater}. Nothing is left behind on failure. */
  public ServerView create(CreateRequest req) {
    return finishCreate(prepareCreate(req), progress -> {});
  }

  /**
   * A create that passed every check and holds its name, ports and subnet (a {@code CREATING}
   * record): {@link #finishCreate} makes the server, {@link #abandonCreate} gives everything back.
   * A crash in between leaves only the record, which boot reconciliation undoes.
   */
  public static final class PendingCreate {
    private final CreateRequest request;
    private final Plan plan;
    private final ServerId id;
    private final Map<String, String> values;
    private final ServerRepository.Created created;

    private PendingCreate(
        CreateRequest request,
        Plan plan,
        ServerId id,
        Map<String, String> values,
        ServerRepository.Created created) {
      this.request = request;
      this.plan = plan;
      this.id = id;
      this.values = values;
      this.created = created;
    }

    public ServerId id() {
      return id;
    }
  }

  /**
   * The quick, checking half of a create: the plan, the name, the settings, the ports and the
   * record. Throws the request's problem (unknown plan, missing settings, name taken, ports used)
   * before anything is written; on success the name, ports and subnet are reserved.
   */
  public PendingCreate prepareCreate(CreateRequest req) {
    Plan plan =
        plans
            .find(req.game())
            .orElseThrow(
                () ->
                    new ServerException(
                        ServerException.Kind.PLAN_NOT_FOUND,
                        "There is no local default plan for " + req.game() + "."));
    String name = req.name();
    if (name == null || name.isEmpty()) {
      name =
          names.generate(
              n ->
                  layout.exists(new ServerId(req.game(), n))
                      || tracker.knows(new ServerId(req.game(), n))
                      // a create still downloading its image holds its name in the record only
                      || repository.find(new ServerId(req.game(), n)).isPresent());
    }
    ServerId id = new ServerId(req.game(), name);
    List<String> missing = new ArrayList<>();
    Map<String, String> values = new LinkedHashMap<>();
    for (PlanVariable v : plan.environment()) {
      if (v.name().equals(PlanVariable.STEAM_ID)) {
        continue;
      }
      String given = req.settings().get(v.name());
      if (given != null) {
        values.put(v.name(), given);
      } else if (v.required()) {
        missing.add(v.name());
      }
    }
    if (!missing.isEmpty()) {
      throw new ServerException(
          ServerException.Kind.MISSING_SETTINGS,
          "Not all required server settings were provided. Namely: " + missing);
    }
    if (tracker.knows(id) || layout.exists(id)) {
      throw new ServerException(
          ServerException.Kind.ALREADY_EXISTS,
          "The server ["
              + id
              + "] already exists"
              + (tracker.knows(id) ? "." : " on disk; import it with PUT /api/v1/servers."));
    }
    PortAllocator.validate(plan.id(), plan.portGroups(), req.ports());
    refuseForeignNames(id);
    String node = nodes.clustered() ? place(req.placement()).id() : null;
    PendingCreate pending =
        new PendingCreate(
            req,
            plan,
            id,
            values,
            repository.insertCreating(id, plan.portGroups(), req.ports(), node));
    if (node != null) {
      placements.put(id, node);
    }
    return pending;
  }

  /** The cluster nodes as last read (empty on a single engine). */
  public NodeDirectory nodes() {
    return nodes;
  }

  /** The id of the cluster node the server is placed on; empty on a single engine. */
  public Optional<String> nodeOf(ServerId id) {
    return Optional.ofNullable(placements.get(id));
  }

  /** Every placed server by node id. */
  public Map<String, List<ServerId>> serversByNode() {
    Map<String, List<ServerId>> out = new HashMap<>();
    placements.forEach((id, node) -> out.computeIfAbsent(node, k -> new ArrayList<>()).add(id));
    return out;
  }

  /** Memory declared (limit) by the servers placed on each node, in bytes. */
  public Map<String, Long> memoryByNode() {
    Map<String, Long> out = new HashMap<>();
    for (ServerView v : tracker.views()) {
      String node = placements.get(v.id());
      if (node != null) {
        out.merge(node, limitsOf(v.definition()).memoryBytes(), Long::sum);
      }
    }
    return out;
  }

  /**
   * On a cluster, places a server that has no node yet (imported, or made before the switch to
   * {@code runtime=swarm}) by the spread policy; logs and leaves it unplaced when no node fits.
   */
  private void placeUnplaced(ServerId id) {
    if (!nodes.clustered() || placements.containsKey(id)) {
      return;
    }
    try {
      String node = place(PlacementRequest.ANY).id();
      List<dev.peon.orc.plan.PortGroup> groups =
          plans.find(id.game()).map(Plan::portGroups).orElse(List.of());
      Optional<PortAllocation> fresh = repository.moveToNode(id, node, groups);
      if (fresh.isPresent()) {
        // another server there holds its ports: config.json follows the new reservation
        Path file = layout.configJson(id);
        ObjectNode cfg = configJson.read(file);
        cfg.set(
            "ports", configJson.portsNode(new dev.peon.orc.plan.PortGroup(fresh.get().entries())));
        FileTrees.writeAtomically(file, configJson.render(cfg));
      }
      placements.put(id, node);
      LOG.atInfo().addKeyValue("serverId", id).addKeyValue("node", node).log("server placed");
    } catch (ServerException | RuntimeFailure | IOException e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("server not placed on a node");
    }
  }

  /** Chooses a node for a new or moving server by the placement policy. */
  private NodeInfo place(PlacementRequest request) {
    return place(nodes.refresh(), request);
  }

  /** Chooses among {@code candidates} by the placement policy. */
  private NodeInfo place(List<NodeInfo> candidates, PlacementRequest request) {
    Map<String, Integer> counts = new HashMap<>();
    placements.values().forEach(n -> counts.merge(n, 1, Integer::sum));
    try {
      return Placement.choose(candidates, memoryByNode(), counts, request);
    } catch (PlacementException e) {
      throw new ServerException(
          e.reason() == PlacementException.Reason.UNKNOWN_NODE
              ? ServerException.Kind.INVALID
              : ServerException.Kind.NODE_UNAVAILABLE,
          e.getMessage());
    }
  }

  /** Gives back what {@link #prepareCreate} reserved, for a create that will not run. */
  public void abandonCreate(PendingCreate pending) {
    undoCreate(pending.id, true);
  }

  /**
   * The slow half of a create: downloads the image if missing (reporting its progress), writes the
   * folder, makes the network and the container, and starts the server unless {@code startLater}.
   * Any failure undoes everything, the record included.
   */
  public ServerView finishCreate(PendingCreate pending, ProgressListener progress) {
    CreateRequest req = pending.request;
    Plan plan = pending.plan;
    ServerId id = pending.id;
    Map<String, String> values = pending.values;
    ServerRepository.Created created = pending.created;
    try {
      ensureImage(plan.image(), progress);
    } catch (RuntimeException e) {
      undoCreate(id, true);
      throw e;
    }
    progress.report(new Operation.Progress(null, "creating the server folder", "folder", null));
    ServerRecord rec = created.record();
    ServerDefinition def;
    String subnet = rec.subnet();
    try {
      Path dir = layout.dir(id);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(ServerLayout.CREATING_MARKER), "create in progress\n");
      for (String sub : List.of("actions", "config", "data", "user")) {
        Files.createDirectories(dir.resolve(sub));
      }
      FileTrees.copyTree(plan.folder().resolve("actions"), dir.resolve("actions"));
      FileTrees.copyTree(plan.folder().resolve("data"), dir.resolve("data"));
      ObjectNode cfg =
          configJson.build(
              plan,
              id,
              new dev.peon.orc.plan.PortGroup(created.ports().entries()),
              values,
              req.description());
      FileTrees.writeAtomically(dir.resolve("plan.json"), configJson.render(plan.raw()));
      FileTrees.writeAtomically(dir.resolve("config.json"), configJson.render(cfg));
      def = configJson.definition(id, cfg);
      ContainerSpec spec = containerSpec(def);
      handOver(dir);
      progress.report(new Operation.Progress(null, "creating the network", "network", null));
      subnet = ensureNewNetwork(id, rec.subnet());
      FileTrees.writeAtomically(
          dir.resolve("docker-compose.yml"),
          ComposeFile.render(spec, subnet).getBytes(StandardCharsets.UTF_8));
      progress.report(new Operation.Progress(null, "creating the container", "container", null));
      runtime.create(spec);
      repository.markActive(id);
    } catch (IOException | RuntimeException e) {
      undoCreate(id, true);
      throw failure(id, "create", e);
    }
    tracker.put(id, def, subnet, expectedHash(def));
    events.publish("server.created", id.uid(), Map.of("server", id.uid()));
    LOG.atInfo()
        .addKeyValue("serverId", id)
        .addKeyValue("portGroup", rec.portGroup())
        .addKeyValue("ports", portsText(created.ports().entries()))
        .log(
            created.ports().fromRange() ? "server created on ports.range ports" : "server created");
    if (!req.startLater()) {
      try {
        progress.report(new Operation.Progress(null, "starting the server", "start", null));
        start(id);
      } catch (ServerException e) {
        if (!req.noclean()) {
          LOG.atWarn()
              .addKeyValue("serverId", id)
              .log("start after create failed; removing the new server");
          undoCreate(id, true);
          throw e;
        }
        clearCreatingMarker(id);
        throw e;
      }
    }
    clearCreatingMarker(id);
    return get(id);
  }

  /**
   * The create marker stays until the first start has been tried, so that a failed start removes
   * the new folder too (a retry of the same create would otherwise find it "already exists").
   */
  private void clearCreatingMarker(ServerId id) {
    try {
      Files.deleteIfExists(layout.dir(id).resolve(ServerLayout.CREATING_MARKER));
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("serverId", id).log("could not remove the create marker");
    }
  }

  /** Removes everything a create made; the folder only when it still carries the create marker. */
  private void undoCreate(ServerId id, boolean deleteFolderIfMarked) {
    // each step on its own: a failed container removal must not leave the network behind
    try {
      removeOwnContainer(id, false);
    } catch (RuntimeFailure | ServerException e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("cleanup of the container failed");
    }
    try {
      removeOwnNetwork(id);
    } catch (RuntimeFailure e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("cleanup of the network failed");
    }
    Path dir = layout.dir(id);
    if (deleteFolderIfMarked && ServerLayout.isHalfCreated(dir)) {
      try {
        ServerLayout.deleteHalfCreated(dir);
        try {
          Files.delete(dir.getParent()); // rmdir: only succeeds when no other server is there
        } catch (java.nio.file.DirectoryNotEmptyException e) {
          // another server of this game lives (or is being created) there
        }
      } catch (IOException e) {
        LOG.atWarn().addKeyValue("serverId", id).log("could not remove the half-created folder");
      }
    }
    tracker.remove(id);
    repository.delete(id);
    placements.remove(id);
  }

  // ---------------------------------------------------------------- power

  /** Starts the server as the operator asked (API, schedule, v1): it should run from now on. */
  public ServerView start(ServerId id) {
    return withPowerLock(
        id,
        () -> {
          get(id);
          observer.startRequested(id);
          return startAndTell(id, "start");
        });
  }

  /**
   * Starts the server's container without recording an operator's wish (restarts after a crash,
   * autostart at boot), if {@code stillWanted} says so once the power lock is held.
   */
  public ServerView resume(ServerId id, java.util.function.BooleanSupplier stillWanted) {
    // asked again under the lock: a stop that got the lock first wins
    return withPowerLock(
        id, () -> stillWanted.getAsBoolean() ? startAndTell(id, "resume") : get(id));
  }

  /**
   * Starts the container and, when it really started, publishes {@code server.started} with why
   * ({@code start}, {@code restart}, {@code resume}); updates and quiesces start it silently.
   */
  private ServerView startAndTell(ServerId id, String reason) {
    boolean wasRunning = get(id).running();
    ServerView v = startContainer(id);
    if (!wasRunning && v.running()) {
      events.publish("server.started", id.uid(), Map.of("server", id.uid(), "reason", reason));
    }
    return v;
  }

  /** Publishes {@code server.stopped} ({@code stop} or {@code kill}) when it ran before. */
  private void tellStopped(ServerId id, boolean wasRunning, String reason) {
    if (wasRunning && !get(id).running()) {
      events.publish("server.stopped", id.uid(), Map.of("server", id.uid(), "reason", reason));
    }
  }

  private ServerView startContainer(ServerId id) {
    return withPowerLock(
        id,
        () -> {
          tracker.refresh(id); // decide from the engine, not from a copy that may be stale
          ServerView v = get(id);
          if (v.running()) {
            return v;
          }
          ServerDefinition def = v.definition();
          observer.aboutToStart(id);
          repository
              .startConflict(id, def.ports())
              .ifPresent(
                  c -> {
                    throw portTakenAtStart(id, c);
                  });
          try {
            if (v.containerState() == null || v.pendingRecreate()) {
              removeOwnContainer(id, false);
              ensureNetwork(id, tracker.subnet(id));
              runtime.create(containerSpec(def));
            }
            ensureNetwork(id, tracker.subnet(id));
            refuseSwappedMountSources(def);
            runtime.start(id.containerName());
          } catch (RuntimeFailure e) {
            if (e.kind() == RuntimeFailure.Kind.PORT_IN_USE) {
              // bound between the check and the start: find which port, for the message
              throw repository
                  .startConflict(id, def.ports())
                  .map(c -> portTakenAtStart(id, c))
                  .orElseGet(
                      () ->
                          new ServerException(
                              ServerException.Kind.PORTS_USED,
                              "One of the ports of ["
                                  + id
                                  + "] ("
                                  + portsText(def.ports())
                                  + ") is in use on the host by a process outside PEON; stop that"
                                  + " process, or recreate ["
                                  + id
                                  + "] on other ports ("
                                  + PortAllocator.WAY_OUT_FIELD
                                  + ").",
                              "srv.portsused",
                              e));
            }
            throw failure(id, "start", e);
          }
          tracker.refresh(id);
          LOG.atInfo().addKeyValue("serverId", id).log("server started");
          return get(id);
        });
  }

  /** A server cannot start on its ports: which one, who has it, and the way out. */
  private static ServerException portTakenAtStart(ServerId id, PortConflict c) {
    String who =
        c.holder() == null
            ? "in use on the host by a process outside PEON; stop that process"
            : "reserved by server [" + c.holder() + "]; stop or remove that server";
    return new ServerException(
        ServerException.Kind.PORTS_USED,
        "Port "
            + c.describe()
            + " of ["
            + id
            + "] is "
            + who
            + ", or recreate ["
            + id
            + "] on other ports ("
            + PortAllocator.WAY_OUT_FIELD
            + ").",
        "srv.portsused",
        null,
        c);
  }

  /** {@code PORT=27015/udp, QUERY_PORT=27016/udp} for logs and messages. */
  private static String portsText(List<dev.peon.orc.plan.PortEntry> entries) {
    List<String> out = new ArrayList<>();
    for (var e : entries) {
      out.add(e.name() + "=" + e.port() + "/" + e.protocolText());
    }
    return String.join(", ", out);
  }

  public ServerView stop(ServerId id) {
    return withPowerLock(
        id,
        () -> {
          boolean wasRunning = get(id).running();
          observer.stopRequested(id);
          stopQuietly(id);
          tracker.refresh(id);
          LOG.atInfo().addKeyValue("serverId", id).log("server stopped");
          tellStopped(id, wasRunning, "stop");
          return get(id);
        });
  }

  public ServerView restart(ServerId id) {
    return withPowerLock(
        id,
        () -> {
          get(id);
          observer.startRequested(id);
          stopQuietly(id);
          tracker.refresh(id);
          return startAndTell(id, "restart");
        });
  }

  /** Kills at once, bypassing a running power action. */
  public ServerView kill(ServerId id) {
    boolean wasRunning = get(id).running();
    observer.stopRequested(id);
    onPurpose(
        id,
        () -> {
          try {
            runtime.kill(id.containerName());
          } catch (RuntimeFailure e) {
            if (e.kind() != RuntimeFailure.Kind.NOT_FOUND) {
              throw failure(id, "kill", e);
            }
          }
        });
    tellStopped(id, wasRunning, "kill");
    return get(id);
  }

  // ---------------------------------------------------------------- update

  /** Runs an update in one of the PEON modes; returns a human account of what was done. */
  public String update(ServerId id, UpdateMode mode) {
    return update(id, mode, progress -> {});
  }

  /** Reports progress of a long action: its step, and while an image downloads, the download. */
  @FunctionalInterface
  public interface ProgressListener {
    void report(Operation.Progress progress);
  }

  /**
   * Runs an update, reporting the image pull's progress; publishes {@code update.succeeded} or
   * {@code update.failed} (with the error's message) at the end.
   */
  public String update(ServerId id, UpdateMode mode, ProgressListener progress) {
    String result;
    try {
      result = runUpdate(id, mode, progress);
    } catch (RuntimeException e) {
      Map<String, Object> data = new java.util.LinkedHashMap<>();
      data.put("server", id.uid());
      data.put("mode", mode.name().toLowerCase(java.util.Locale.ROOT));
      data.put(
          "error",
          e instanceof ServerException
              ? e.getMessage()
              : "unexpected failure; the orchestrator log says why");
      events.publish("update.failed", id.uid(), data);
      throw e;
    }
    events.publish(
        "update.succeeded",
        id.uid(),
        Map.of("server", id.uid(), "mode", mode.name().toLowerCase(java.util.Locale.ROOT)));
    return result;
  }

  private String runUpdate(ServerId id, UpdateMode mode, ProgressListener progress) {
    List<String> done = new ArrayList<>();
    if (mode == UpdateMode.FULL || mode == UpdateMode.IMAGE || mode == UpdateMode.REINIT) {
      // the download happens before the power lock: a slow or stalled pull never blocks the
      // server's start, stop, settings or backups, and a failed one changes nothing (review M1)
      pull(get(id).definition().image(), done, progress);
    }
    return withPowerLock(
        id,
        () -> {
          ServerView v = get(id);
          Path dir = layout.dir(id);
          try {
            switch (mode) {
              case FULL -> {
                deleteUpdateFlag(dir, done);
                recreate(id, v.definition(), done);
              }
              case IMAGE -> recreate(id, v.definition(), done);
              case SERVER -> {
                stopQuietly(id);
                deleteUpdateFlag(dir, done);
              }
              case REINIT -> {
                stopQuietly(id);
                done.add("Stopped the server.");
                // the flag goes first and durably: a crash or an error half-way through emptying
                // data/ then still reinstalls the game at the next start (review M2)
                deleteUpdateFlag(dir, done);
                syncFolder(dir.resolve("actions"));
                emptyData(id, dir.resolve("data"));
                done.add("Emptied data/.");
                recreate(id, v.definition(), done);
              }
              case RESTART -> stopQuietly(id);
            }
          } catch (IOException e) {
            throw failure(id, "update", e);
          }
          tracker.refresh(id);
          return done;
        },
        steps -> {
          startContainer(id); // an update keeps the desired state
          steps.add("Started the server.");
          LOG.atInfo().addKeyValue("serverId", id).addKeyValue("mode", mode).log("server updated");
          return String.join("\n", steps);
        });
  }

  private void pull(String image, List<String> done, ProgressListener progress) {
    try {
      pullReporting(image, progress);
      tracker.forgetImage(image);
      done.add("Pulled image " + image + ".");
    } catch (RuntimeFailure e) {
      throw imageFailure(image, e);
    }
  }

  /** Pulls {@code image}, reporting each change of its download as step {@code pull}. */
  private void pullReporting(String image, ProgressListener progress) {
    PullTally tally = new PullTally(clock);
    progress.report(new Operation.Progress(0, "pulling " + image, "pull", null));
    runtime.pull(
        image,
        p -> {
          Operation.Download d = tally.add(p);
          String detail = PullTally.describe(d);
          progress.report(
              new Operation.Progress(
                  PullTally.percent(d),
                  "pulling " + image + (detail.isEmpty() ? "" : ": " + detail),
                  "pull",
                  d));
        });
  }

  private static ServerException imageFailure(String image, RuntimeFailure e) {
    String why =
        switch (e.kind()) {
          case IMAGE_NOT_FOUND -> "the image " + image + " is unknown to its registry";
          case REGISTRY_UNREACHABLE -> "the registry of " + image + " is unreachable";
          case ENGINE_UNREACHABLE -> "the Docker engine is unreachable";
          case TIMEOUT -> "the pull of " + image + " made no progress and was cancelled";
          default -> "the image " + image + " could not be pulled";
        };
    return new ServerException(
        ServerException.Kind.IMAGE_UNAVAILABLE,
        "Pull failed: " + why + ". Nothing was changed.",
        null,
        e);
  }

  private void ensureImage(String image, ProgressListener progress) {
    if (runtime.inspectImage(image).isPresent()) {
      return;
    }
    try {
      LOG.atInfo().addKeyValue("image", image).log("pulling image");
      pullReporting(image, progress);
    } catch (RuntimeFailure e) {
      throw imageFailure(image, e);
    }
  }

  private static void syncFolder(Path folder) throws IOException {
    try (var ch =
        java.nio.channels.FileChannel.open(folder, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Empties data/; a failure names the file (relative to data/) that could not go. */
  private static void emptyData(ServerId id, Path data) {
    try {
      FileTrees.emptyDir(data);
    } catch (IOException e) {
      String what =
          e instanceof java.nio.file.FileSystemException fse && fse.getFile() != null
              ? data.relativize(Path.of(fse.getFile()).toAbsolutePath()).toString()
              : "data/";
      throw new ServerException(
          ServerException.Kind.INTERNAL,
          "The reinit of ["
              + id
              + "] could not empty data/: "
              + what
              + " could not be deleted ("
              + e.getClass().getSimpleName()
              + "). The game reinstalls at its next start; delete it by hand and start again.",
          null,
          e);
    }
  }

  private void deleteUpdateFlag(Path dir, List<String> done) throws IOException {
    Files.deleteIfExists(dir.resolve("actions").resolve(".update"));
    done.add("Removed actions/.update so the game updates on start.");
  }

  private void stopQuietly(ServerId id) {
    onPurpose(
        id,
        () -> {
          try {
            runtime.stop(id.containerName(), config.stopTimeout());
          } catch (RuntimeFailure e) {
            if (e.kind() != RuntimeFailure.Kind.NOT_FOUND) {
              throw failure(id, "stop", e);
            }
          }
        });
  }

  /**
   * Runs a stop or kill of ours and reads the container back before it ends, so the exit is seen
   * while marked as ours and never taken for a crash.
   */
  private void onPurpose(ServerId id, Runnable stopping) {
    var count =
        stoppingOnPurpose.computeIfAbsent(id, k -> new java.util.concurrent.atomic.AtomicInteger());
    count.incrementAndGet();
    try {
      stopping.run();
      tracker.refresh(id);
    } finally {
      count.decrementAndGet();
    }
  }

  /**
   * Chooses a node for the server by the placement policy, never its current one ({@code
   * NODE_UNAVAILABLE} when no other node can take it, {@code INVALID} for an unknown node).
   */
  public String chooseNodeFor(ServerId id, PlacementRequest request) {
    requireExisting(id);
    if (!nodes.clustered()) {
      throw new ServerException(
          ServerException.Kind.INVALID,
          "This orchestrator runs on a single engine; it has no nodes.");
    }
    String current = placements.get(id);
    if (request.node() == null) {
      // the policy's best node other than where it is
      return place(nodes.refresh().stream().filter(n -> !n.id().equals(current)).toList(), request)
          .id();
    }
    NodeInfo target = place(request);
    if (target.id().equals(current)) {
      throw new ServerException(
          ServerException.Kind.INVALID,
          "The server [" + id + "] is already on the node [" + target.hostname() + "].");
    }
    return target.id();
  }

  /**
   * Places a stopped server (or one whose node was lost) on {@code node}: its ports are reserved
   * there and its container is made anew, pinned there, not started. The folder is not touched (it
   * is on storage every node shares). PORTS_USED when a server on that node holds one of its ports.
   */
  public ServerView relocate(ServerId id, String node) {
    return withPowerLock(
        id,
        () -> {
          requireExisting(id);
          // the old container first: should its removal fail, the server stays where it was
          onPurpose(id, () -> removeOwnContainer(id, false));
          tracker.refresh(id); // no view shows the old state under the new node
          List<dev.peon.orc.plan.PortGroup> groups =
              plans.find(id.game()).map(Plan::portGroups).orElse(List.of());
          Optional<PortAllocation> fresh = repository.moveToNode(id, node, groups);
          placements.put(id, node);
          if (fresh.isPresent()) {
            // the node has other servers on these ports: new ones there, as a create would
            editConfig(
                id,
                "relocate",
                (current, cfg) ->
                    cfg.set(
                        "ports",
                        configJson.portsNode(
                            new dev.peon.orc.plan.PortGroup(fresh.get().entries()))));
            LOG.atInfo()
                .addKeyValue("serverId", id)
                .addKeyValue("ports", portsText(fresh.get().entries()))
                .log("server got new ports on its new node");
          }
          ServerDefinition def = readDefinition(id);
          ensureNetwork(id, tracker.subnet(id));
          runtime.create(containerSpec(def));
          tracker.refresh(id);
          LOG.atInfo().addKeyValue("serverId", id).addKeyValue("node", node).log("server placed");
          return get(id);
        });
  }

  private void recreate(ServerId id, ServerDefinition def, List<String> done) {
    stopQuietly(id);
    removeOwnContainer(id, false);
    ensureNetwork(id, tracker.subnet(id));
    runtime.create(containerSpec(def));
    done.add("Recreated the container.");
  }

  // ---------------------------------------------------------------- settings

  /** A change of a server's config.json tree; may refuse with a {@link ServerException}. */
  @FunctionalInterface
  private interface ConfigEdit {
    void apply(ServerView current, ObjectNode cfg) throws IOException;
  }

  /**
   * The one way config.json is changed: under the power lock (no lost update, serialized with
   * restores), read, changed, written atomically, then the new definition is taken over.
   */
  private ServerView editConfig(ServerId id, String action, ConfigEdit edit) {
    return withPowerLock(
        id,
        () -> {
          ServerView v = get(id);
          Path file = layout.configJson(id);
          try {
            ObjectNode cfg = configJson.read(file);
            edit.apply(v, cfg);
            FileTrees.writeAtomically(file, configJson.render(cfg));
            definitionChanged(id, configJson.definition(id, cfg));
          } catch (IOException e) {
            throw failure(id, action, e);
          }
          return get(id);
        });
  }

  private static void putDescription(ObjectNode cfg, String description) {
    ObjectNode meta = cfg.get("metadata") instanceof ObjectNode m ? m : cfg.putObject("metadata");
    meta.put("description", description);
  }

  public ServerView describe(ServerId id, String description) {
    return editConfig(id, "description", (v, cfg) -> putDescription(cfg, description));
  }

  /**
   * Changes settings (plan variables) and/or the description in config.json; a null value returns a
   * setting to its plan default (refused for a setting without one). A settings change takes effect
   * when the server next starts: its container is recreated, data kept.
   */
  public ServerView changeSettings(ServerId id, String description, Map<String, String> settings) {
    ServerView changed =
        editConfig(
            id,
            "settings change",
            (v, cfg) -> {
              ObjectNode env =
                  cfg.get("environment") instanceof ObjectNode e ? e : cfg.putObject("environment");
              Map<String, String> defaults = planDefaults(id);
              List<String> problems = new ArrayList<>();
              Map<String, String> values = new LinkedHashMap<>();
              for (Map.Entry<String, String> e : settings.entrySet()) {
                String k = e.getKey();
                String value = e.getValue() == null ? defaults.get(k) : e.getValue();
                if (k.equals(PlanVariable.STEAM_ID)
                    || !v.definition().environment().containsKey(k)) {
                  problems.add("settings." + k + " is not a setting of this server");
                } else if (value == null
                    || (value.isEmpty() && defaults.containsKey(k) && defaults.get(k) == null)) {
                  problems.add(
                      "settings."
                          + k
                          + (e.getValue() == null
                              ? " has no plan default to return to"
                              : " is required and cannot be empty"));
                } else {
                  values.put(k, value);
                }
              }
              if (!problems.isEmpty()) {
                throw new ServerException(
                    ServerException.Kind.INVALID, String.join("; ", problems));
              }
              values.forEach(env::put);
              if (description != null) {
                putDescription(cfg, description);
              }
            });
    LOG.atInfo()
        .addKeyValue("serverId", id)
        .addKeyValue("settings", settings.keySet())
        .log("server settings changed");
    return changed;
  }

  /**
   * Changes the server's own resource limits ({@code memory}, {@code cpus}, {@code pids}; a JSON
   * null returns one to the default). Takes effect when the server next starts: its container is
   * recreated, data kept.
   */
  public ServerView changeLimits(ServerId id, JsonNode change) {
    ResourceSettings.read(change); // validates every field before anything is touched
    ServerView changed =
        editConfig(
            id, "limits change", (v, cfg) -> v.definition().limits().merge(change).writeTo(cfg));
    LOG.atInfo()
        .addKeyValue("serverId", id)
        .addKeyValue("limits", changed.definition().limits())
        .log("server limits changed");
    return changed;
  }

  /**
   * The plan default of each variable, null for those without one (from the server's copy of its
   * plan); a variable missing from it has no default either.
   */
  private Map<String, String> planDefaults(ServerId id) throws IOException {
    Path planFile = layout.dir(id).resolve("plan.json");
    Map<String, String> out = new LinkedHashMap<>();
    if (Files.isRegularFile(planFile, LinkOption.NOFOLLOW_LINKS)) {
      configJson
          .read(planFile)
          .path("environment")
          .fields()
          .forEachRemaining(
              e ->
                  out.put(
                      e.getKey(),
                      e.getValue().isNull()
                          ? null
                          : e.getValue().isValueNode()
                              ? e.getValue().asText()
                              : e.getValue().toString()));
    }
    return out;
  }

  // ---------------------------------------------------------------- delete

  /**
   * Stops the game gracefully (the stop timeout), then removes container, network and record; with
   * {@code eradicate} also the folder and the container's anonymous volumes.
   */
  public void destroy(ServerId id, boolean eradicate) {
    withPowerLock(
        id,
        () -> {
          try {
            if (ownContainer(id).isPresent()) {
              stopQuietly(id);
              runtime.remove(id.containerName(), eradicate);
            }
            removeOwnNetwork(id);
          } catch (RuntimeFailure e) {
            throw failure(id, "destroy", e);
          }
          tracker.remove(id);
          repository.delete(id);
          placements.remove(id);
          broken.remove(id);
          events.publish("server.deleted", id.uid(), Map.of("server", id.uid()));
          if (eradicate) {
            deleteFolder(id);
          }
          LOG.atInfo()
              .addKeyValue("serverId", id)
              .addKeyValue("eradicate", eradicate)
              .log("server destroyed");
          return null;
        });
    // the lock stays in the map: removing it could give a waiting thread and a newcomer two
    // different locks for the same id
  }

  /**
   * Eradicates a server folder that is not (or no longer) managed: removes a container of that name
   * if any, then the folder. Managed servers go through {@link #destroy}.
   */
  public void eradicateFolder(ServerId id) {
    if (tracker.knows(id)) {
      destroy(id, true);
      return;
    }
    try {
      if (ownContainer(id).isPresent()) {
        stopQuietly(id);
        runtime.remove(id.containerName(), true);
      }
      removeOwnNetwork(id);
    } catch (RuntimeFailure e) {
      throw failure(id, "eradicate", e);
    }
    repository.delete(id);
    placements.remove(id); // a record whose folder was unreadable must not hold name and ports
    broken.remove(id);
    deleteFolder(id);
    LOG.atInfo().addKeyValue("serverId", id).log("server folder eradicated");
  }

  private void deleteFolder(ServerId id) {
    Path dir = layout.dir(id);
    try {
      FileTrees.deleteTree(dir);
      Path game = dir.getParent();
      if (Files.isDirectory(game, LinkOption.NOFOLLOW_LINKS)) {
        try (var s = Files.list(game)) {
          if (s.findAny().isEmpty()) {
            Files.delete(game);
          }
        }
      }
    } catch (IOException e) {
      throw failure(id, "eradicate", e);
    }
  }

  // ---------------------------------------------------------------- import

  /**
   * Adopts every server folder with a config.json that is not known yet (container not started).
   */
  public List<ServerView> importAll() {
    List<ServerView> adopted = new ArrayList<>();
    for (ServerId id : layout.scan()) {
      if (tracker.knows(id)) {
        continue;
      }
      if (broken.containsKey(id)) {
        readoptBroken(id).ifPresent(adopted::add);
        continue;
      }
      try {
        ServerDefinition def = readDefinition(id);
        // a container of that name that is not ours (say, the Python orchestrator's, still
        // running its game) is never replaced: the folder is not imported until it is gone
        Optional<ContainerInfo> existing = ownContainer(id);
        refuseForeignNames(id);
        ServerRecord rec = repository.insertImported(id, def.ports());
        placeUnplaced(id);
        def = readDefinition(id); // placing may have given it other ports
        try {
          ensureImagePresentOrWarn(def.image());
          handOver(layout.dir(id));
          ensureNetwork(id, rec.subnet());
          if (existing.isEmpty()) {
            runtime.create(containerSpec(def));
          } else {
            LOG.atInfo()
                .addKeyValue("serverId", id)
                .addKeyValue("state", existing.get().state().wire())
                .log("import adopted this orchestrator's existing container");
          }
        } catch (RuntimeException e) {
          LOG.atWarn()
              .addKeyValue("serverId", id)
              .addKeyValue("reason", e.getMessage())
              .log("container not created on import");
        }
        tracker.put(id, def, rec.subnet(), expectedHash(def));
        adopted.add(get(id));
        LOG.atInfo().addKeyValue("serverId", id).log("server imported");
      } catch (RuntimeException e) {
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("reason", e.getMessage())
            .log("server folder not imported");
      }
    }
    return adopted;
  }

  /** A recorded server whose config.json could not be read: adopted again once it can be. */
  private Optional<ServerView> readoptBroken(ServerId id) {
    try {
      ServerDefinition def = readDefinition(id);
      ServerRecord rec = repository.find(id).orElseThrow();
      ownContainer(id);
      tracker.put(id, def, rec.subnet(), expectedHash(def));
      broken.remove(id);
      LOG.atInfo().addKeyValue("serverId", id).log("server readable again; adopted");
      return Optional.of(get(id));
    } catch (RuntimeException e) {
      broken.put(id, e.getMessage());
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("config.json still unreadable; not imported");
      return Optional.empty();
    }
  }

  private void ensureImagePresentOrWarn(String image) {
    try {
      ensureImage(image, progress -> {});
    } catch (ServerException e) {
      LOG.atWarn()
          .addKeyValue("image", image)
          .log("image not available; start will fail until it is");
    }
  }

  // ---------------------------------------------------------------- save

  /** Streams the server folder, without its top-level {@code data/}, as a zip. */
  public void writeConfigZip(ServerId id, OutputStream out) throws IOException {
    get(id);
    ServerZip.write(layout.dir(id), out);
  }

  // ---------------------------------------------------------------- internals

  private ServerDefinition readDefinition(ServerId id) {
    try {
      return configJson.definition(id, configJson.read(layout.configJson(id)));
    } catch (IOException e) {
      throw new ServerException(
          ServerException.Kind.INVALID,
          "config.json of " + id + " is unreadable: " + e.getMessage());
    }
  }

  /**
   * Creates a new server's network; when the engine refuses its subnet (a network outside our
   * records overlaps it), moves the server to the next free one, a few times at most (review H6).
   */
  private String ensureNewNetwork(ServerId id, String subnet) {
    for (int attempt = 1; ; attempt++) {
      try {
        ensureNetwork(id, subnet);
        return subnet;
      } catch (RuntimeFailure e) {
        if (e.kind() != RuntimeFailure.Kind.CONFLICT || subnet == null || attempt >= 8) {
          throw e;
        }
        String next = repository.moveSubnet(id, subnet);
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("subnet", subnet)
            .addKeyValue("next", next)
            .log("subnet refused by the engine (overlaps a network outside our records); next");
        subnet = next;
      }
    }
  }

  private void ensureNetwork(ServerId id, String subnet) {
    refuseForeignNetwork(id);
    runtime.ensureNetwork(
        new NetworkSpec(
            id.networkName(),
            subnet,
            subnet == null ? null : SubnetPool.gateway(subnet),
            labels(id)));
  }

  /**
   * The engine follows a symlink in a bind-mount source at every start, not only at create: a game
   * that can write a parent of one of its mount sources could swap the source for a link to any
   * host folder and get it mounted at its next start. The container is stopped here, so nothing of
   * it can swap a source between this check and the start (security review H2).
   */
  private void refuseSwappedMountSources(ServerDefinition def) {
    Path dir = layout.dir(def.id());
    List<VolumeMount> all = new ArrayList<>(def.volumes());
    all.addAll(def.files());
    for (VolumeMount v : all) {
      String rel = serverRelative(v.source());
      if (rel == null || rel.isEmpty()) {
        continue;
      }
      try {
        FileTrees.resolveInside(dir, rel);
      } catch (IllegalArgumentException e) {
        LOG.atError()
            .addKeyValue("serverId", def.id())
            .addKeyValue("source", rel)
            .log("mount source is a symbolic link now; start refused");
        throw new ServerException(
            ServerException.Kind.INVALID,
            "The mount source ["
                + rel
                + "] of ["
                + def.id()
                + "] has become a symbolic link (or lies behind one); the server is not started,"
                + " since the link could expose host files to the game. Replace the link with a"
                + " real folder, then start again.");
      }
    }
  }

  // ---------------------------------------------------------------- only our own

  /**
   * The server's container if there is one; {@code NAME_TAKEN} when a container of that name exists
   * that this orchestrator does not own (nothing is changed).
   */
  private Optional<ContainerInfo> ownContainer(ServerId id) {
    Optional<ContainerInfo> c = runtime.inspect(id.containerName());
    if (c.isPresent() && !ownership.owns(id, c.get().labels())) {
      throw foreignName(id, "container", id.containerName());
    }
    return c;
  }

  /** Refuses a server whose container or network name is held by something not ours. */
  private void refuseForeignNames(ServerId id) {
    ownContainer(id);
    refuseForeignNetwork(id);
  }

  private void refuseForeignNetwork(ServerId id) {
    runtime
        .networkLabels(id.networkName())
        .filter(l -> !ownership.owns(id, l))
        .ifPresent(
            l -> {
              throw foreignName(id, "network", id.networkName());
            });
  }

  private void removeOwnContainer(ServerId id, boolean withVolumes) {
    if (ownContainer(id).isPresent()) {
      runtime.remove(id.containerName(), withVolumes);
    }
  }

  /** Removes the server's network when it is ours; a foreign one is left alone. */
  private void removeOwnNetwork(ServerId id) {
    Optional<Map<String, String>> labels = runtime.networkLabels(id.networkName());
    if (labels.isEmpty()) {
      return;
    }
    if (!ownership.owns(id, labels.get())) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("network", id.networkName())
          .log("network of that name is not ours; left alone");
      return;
    }
    runtime.removeNetwork(id.networkName());
  }

  private static ServerException foreignName(ServerId id, String what, String name) {
    return new ServerException(
        ServerException.Kind.NAME_TAKEN,
        "A Docker "
            + what
            + " named ["
            + name
            + "] exists that this orchestrator does not manage; it was left untouched. Remove or"
            + " rename it (docker "
            + what
            + " rm "
            + name
            + ") or choose another server name than ["
            + id
            + "].");
  }

  ContainerSpec containerSpec(ServerDefinition def) {
    ServerId id = def.id();
    Path dir = layout.dir(id);
    Path hostDir = layout.hostDir(id);
    List<BindMount> mounts = new ArrayList<>();
    for (VolumeMount v : def.volumes()) {
      String rel = serverRelative(v.source());
      if (rel == null) {
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("source", v.source())
            .log("mount outside the server folder skipped");
        continue;
      }
      try {
        Path local = rel.isEmpty() ? dir : FileTrees.resolveInside(dir, rel);
        if (!Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(local);
          handOver(local);
        }
        mounts.add(
            new BindMount(
                hostDir.resolve(dir.relativize(local).toString()).toString(), v.target(), false));
      } catch (IllegalArgumentException | IOException e) {
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("source", v.source())
            .log("mount refused: " + e.getMessage());
      }
    }
    for (VolumeMount f : def.files()) {
      String rel = serverRelative(f.source());
      if (rel == null || rel.isEmpty()) {
        continue;
      }
      try {
        Path local = FileTrees.resolveInside(dir, rel);
        if (Files.isRegularFile(local, LinkOption.NOFOLLOW_LINKS)) {
          mounts.add(new BindMount(hostDir.resolve(rel).toString(), f.target(), false));
        }
      } catch (IllegalArgumentException e) {
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("source", f.source())
            .log("file mount refused");
      }
    }
    ContainerSpec plain =
        new ContainerSpec(
            id.containerName(),
            id.containerName(),
            def.image(),
            def.containerEnv(),
            ServerRepository.bindings(def.ports()),
            mounts,
            config.containerUser(),
            labels(id),
            id.networkName(),
            true,
            limitsOf(def),
            hardening,
            placements.get(id));
    Map<String, String> withHash = new HashMap<>(plain.labels());
    withHash.put(LABEL_SPEC, specHash(plain));
    return plain.withLabels(withHash);
  }

  /**
   * A digest of everything a container is created from, stored as a label: when config.json changes
   * (settings, description aside), the next start recreates the container.
   */
  static String specHash(ContainerSpec s) {
    StringBuilder b = new StringBuilder();
    b.append(s.name())
        .append('\n')
        .append(s.hostname())
        .append('\n')
        .append(s.image())
        .append('\n');
    s.env().forEach(e -> b.append("env:").append(e).append('\n'));
    s.ports()
        .forEach(
            p -> b.append("port:").append(p.port()).append('/').append(p.protocol()).append('\n'));
    s.mounts()
        .forEach(
            m ->
                b.append("mount:")
                    .append(m.hostPath())
                    .append(':')
                    .append(m.containerPath())
                    .append('\n'));
    b.append(s.user())
        .append('\n')
        .append(s.network())
        .append('\n')
        .append(s.openStdin())
        .append('\n');
    b.append("limits:")
        .append(s.limits().memoryBytes())
        .append('/')
        .append(s.limits().nanoCpus())
        .append('/')
        .append(s.limits().pids())
        .append('\n');
    b.append("hardening:").append(s.hardening()).append('\n');
    if (s.node() != null) {
      // a single engine's hashes stay as they were: its containers are not recreated
      b.append("node:").append(s.node()).append('\n');
    }
    new java.util.TreeMap<>(s.labels())
        .forEach((k, v) -> b.append("label:").append(k).append('=').append(v).append('\n'));
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(b.toString().getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 12);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String expectedHash(ServerDefinition def) {
    return containerSpec(def).labels().get(LABEL_SPEC);
  }

  /** {@code ~!/data} -> {@code data}; {@code ~!} -> empty; anything else -> null (refused). */
  private static String serverRelative(String source) {
    if (!source.startsWith(VolumeMount.SERVER_DIR_PREFIX)) {
      return null;
    }
    String rest = source.substring(VolumeMount.SERVER_DIR_PREFIX.length());
    while (rest.startsWith("/")) {
      rest = rest.substring(1);
    }
    return rest;
  }

  /** Gives a folder tree to the container user, so the game can write its files. */
  private void handOver(Path dir) {
    String[] ug = config.containerUser().split(":");
    int uid = Integer.parseInt(ug[0]);
    int gid = ug.length > 1 ? Integer.parseInt(ug[1]) : uid;
    try (var walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isSymbolicLink(p)) {
          continue;
        }
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      LOG.atDebug()
          .addKeyValue("folder", dir.getFileName())
          .log("could not hand the folder to the container user");
    }
  }

  private ServerException failure(ServerId id, String action, Exception e) {
    if (e instanceof ServerException se) {
      return se;
    }
    if (e instanceof RuntimeFailure rf) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("action", action)
          .addKeyValue("kind", rf.kind())
          .log(rf.getMessage());
      return new ServerException(
          ServerException.Kind.RUNTIME,
          "The " + action + " of [" + id + "] failed: " + withoutHostPaths(rf.getMessage()),
          null,
          e);
    }
    LOG.atError()
        .addKeyValue("serverId", id)
        .addKeyValue("action", action)
        .setCause(e)
        .log("server action failed");
    return new ServerException(
        ServerException.Kind.INTERNAL, "The " + action + " of [" + id + "] failed.", null, e);
  }

  /** Engine messages may name host folders; API answers never do. */
  private String withoutHostPaths(String message) {
    if (message == null) {
      return "unknown engine error";
    }
    return message
        .replace(layout.hostRoot().toString(), "<servers>")
        .replace(layout.root().toString(), "<servers>");
  }

  private interface Step<T> {
    T run();
  }

  private interface Then<T, R> {
    R run(T value);
  }

  private <T> T withPowerLock(ServerId id, Step<T> step) {
    return withPowerLock(id, step, v -> v);
  }

  private <T, R> R withPowerLock(ServerId id, Step<T> step, Then<T, R> then) {
    ReentrantLock lock = powerLocks.computeIfAbsent(id, k -> new ReentrantLock());
    boolean locked;
    try {
      locked = lock.tryLock(lockWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerException(ServerException.Kind.BUSY, "Interrupted while waiting for " + id);
    }
    if (!locked) {
      throw new ServerException(
          ServerException.Kind.BUSY, "Another action is running on [" + id + "]; try again later.");
    }
    try {
      return then.run(step.run());
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- quiescing (backups)

  /** How {@link #runQuiesced} keeps a running server's files still. */
  public enum Quiescing {
    STOP,
    PAUSE,
    NONE
  }

  /** Work done while a server is quiesced; told whether the server was running before. */
  @FunctionalInterface
  public interface QuiescedWork<T> {
    T run(boolean wasRunning);
  }

  /**
   * Runs {@code work} under the server's power lock with the server quiesced: a running server is
   * stopped (or paused) first and, whatever happens, started (or unpaused) again afterwards, so a
   * server that ran before runs after. {@code beforeQuiesce} learns whether the server runs before
   * anything changes, so that a crash in between can be repaired at the next start.
   */
  public <T> T runQuiesced(
      ServerId id,
      Quiescing mode,
      java.util.function.Consumer<Boolean> beforeQuiesce,
      QuiescedWork<T> work) {
    return withPowerLock(
        id,
        () -> {
          tracker.refresh(id); // decide from the engine, not from a copy that may be stale
          boolean running = get(id).running();
          beforeQuiesce.accept(running);
          boolean quiesced = running && mode != Quiescing.NONE;
          T result;
          try {
            if (quiesced && mode == Quiescing.STOP) {
              stopQuietly(id);
              tracker.refresh(id);
            } else if (quiesced) {
              try {
                runtime.pause(id.containerName());
              } catch (RuntimeFailure e) {
                throw failure(id, "pause", e);
              }
              tracker.refresh(id);
            }
            result = work.run(running);
          } catch (RuntimeException | Error e) {
            if (quiesced) {
              try {
                resumeAfterQuiesce(id, mode);
              } catch (RuntimeException again) {
                e.addSuppressed(again);
              }
            }
            throw e;
          }
          if (quiesced) {
            resumeAfterQuiesce(id, mode);
          }
          return result;
        });
  }

  private void resumeAfterQuiesce(ServerId id, Quiescing mode) {
    if (mode == Quiescing.PAUSE) {
      unpause(id);
    } else {
      startContainer(id); // a quiesce keeps the desired state
    }
  }

  /** Thaws a paused server (also used to repair a pause left by a crash). */
  public void unpause(ServerId id) {
    try {
      runtime.unpause(id.containerName());
    } catch (RuntimeFailure e) {
      throw failure(id, "unpause", e);
    }
    tracker.refresh(id);
  }

  /** Re-reads config.json after its folder was replaced (a restore). */
  /**
   * A changed config.json: the tracker takes the new definition (a recreate is pending when the
   * container differs) and {@code docker-compose.yml} is written again, so it never shows stale
   * values (security review L9).
   */
  private void definitionChanged(ServerId id, ServerDefinition def) {
    tracker.updateDefinition(id, def, expectedHash(def));
    try {
      FileTrees.writeAtomically(
          layout.dir(id).resolve("docker-compose.yml"),
          ComposeFile.render(containerSpec(def), tracker.subnet(id))
              .getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("docker-compose.yml not rewritten");
    }
  }

  public void reloadDefinition(ServerId id) {
    ServerDefinition def = readDefinition(id);
    definitionChanged(id, def);
  }

  /** Values of a running server's {@code config/} folder, for callers that need them unmasked. */
  public Map<String, String> rawServerConfig(ServerId id) {
    return tracker.rawConfig(id);
  }
}
