package dev.peon.orc.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PlanVariable;
import dev.peon.orc.plan.VolumeMount;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.PortBinding;
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
  private final HostPorts hostPorts;
  private final ServerConfigJson configJson;
  private final NameGenerator names = new NameGenerator();
  private final Map<ServerId, ReentrantLock> powerLocks = new ConcurrentHashMap<>();
  private final Duration lockWait;
  private final EventBus events;
  static final String LABEL_SPEC = "dev.peon.spec";

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
    this.config = config;
    this.layout = new ServerLayout(config.dataDir(), config.bindSourceRoot());
    this.repository =
        new ServerRepository(
            db, hostPorts, new SubnetPool(config.subnetPool(), config.subnetPrefix()));
    this.plans = plans;
    this.runtime = runtime;
    this.hostPorts = hostPorts;
    ObjectMapper mapper = new ObjectMapper();
    this.configJson = new ServerConfigJson(mapper);
    this.tracker = new ServerStateTracker(runtime, layout, config.exposeSecrets(), clock, events);
    this.lockWait = config.stopTimeout().plusSeconds(15);
  }

  public ServerLayout layout() {
    return layout;
  }

  static Map<String, String> labels(ServerId id) {
    return Map.of(
        LABEL_MANAGED,
        "true",
        LABEL_SERVER,
        id.uid(),
        "dev.peon.game",
        id.game().value(),
        "dev.peon.servername",
        id.name());
  }

  // ---------------------------------------------------------------- reads

  public List<ServerView> list() {
    return tracker.views();
  }

  public Optional<ServerView> find(ServerId id) {
    return tracker.view(id);
  }

  public ServerView get(ServerId id) {
    return find(id)
        .orElseThrow(
            () ->
                new ServerException(
                    ServerException.Kind.NOT_FOUND, "There is no server [" + id + "]."));
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
      String uid = c.labels().get(LABEL_SERVER);
      if (uid != null) {
        containers.put(uid, c);
      }
    }
    for (ServerRecord r : repository.all()) {
      ServerId id = r.id();
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
            .log("server folder unreadable; server kept in the database but not listed");
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
          ensureNetwork(id, r.subnet());
          runtime.create(containerSpec(def));
        } catch (RuntimeFailure e) {
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
    tracker.start();
  }

  public void close() {
    tracker.close();
  }

  // ---------------------------------------------------------------- create

  /** Creates a server; starts it unless {@code startLater}. Nothing is left behind on failure. */
  public ServerView create(CreateRequest req) {
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
                      || tracker.knows(new ServerId(req.game(), n)));
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
    ensureImage(plan.image());
    ServerRecord rec = repository.insertCreating(id, plan.portGroups());
    ServerDefinition def;
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
              plan.portGroups().isEmpty()
                  ? new dev.peon.orc.plan.PortGroup(List.of())
                  : plan.portGroups().get(rec.portGroup()),
              values,
              req.description());
      FileTrees.writeAtomically(dir.resolve("plan.json"), configJson.render(plan.raw()));
      FileTrees.writeAtomically(dir.resolve("config.json"), configJson.render(cfg));
      def = configJson.definition(id, cfg);
      ContainerSpec spec = containerSpec(def);
      FileTrees.writeAtomically(
          dir.resolve("docker-compose.yml"),
          ComposeFile.render(spec, rec.subnet()).getBytes(StandardCharsets.UTF_8));
      handOver(dir);
      ensureNetwork(id, rec.subnet());
      runtime.create(spec);
      repository.markActive(id);
    } catch (IOException | RuntimeException e) {
      undoCreate(id, true);
      throw failure(id, "create", e);
    }
    tracker.put(id, def, rec.subnet(), expectedHash(def));
    events.publish("server.created", id.uid(), Map.of("server", id.uid()));
    LOG.atInfo()
        .addKeyValue("serverId", id)
        .addKeyValue("portGroup", rec.portGroup())
        .log("server created");
    if (!req.startLater()) {
      try {
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
    try {
      runtime.remove(id.containerName());
      runtime.removeNetwork(id.networkName());
    } catch (RuntimeFailure e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("cleanup failed");
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
  }

  // ---------------------------------------------------------------- power

  public ServerView start(ServerId id) {
    return withPowerLock(
        id,
        () -> {
          tracker.refresh(id); // decide from the engine, not from a copy that may be stale
          ServerView v = get(id);
          if (v.running()) {
            return v;
          }
          ServerDefinition def = v.definition();
          List<PortBinding> ports = ServerRepository.bindings(def.ports());
          String holder = repository.otherHolder(id, ports);
          if (holder != null) {
            throw ServerRepository.portsUsed(holder, id);
          }
          if (ports.stream().anyMatch(p -> !hostPorts.isFree(p))) {
            throw ServerRepository.portsUsed("a process outside PEON", id);
          }
          try {
            if (v.containerState() == null || v.pendingRecreate()) {
              runtime.remove(id.containerName());
              ensureNetwork(id, tracker.subnet(id));
              runtime.create(containerSpec(def));
            }
            ensureNetwork(id, tracker.subnet(id));
            runtime.start(id.containerName());
          } catch (RuntimeFailure e) {
            if (e.kind() == RuntimeFailure.Kind.PORT_IN_USE) {
              throw ServerRepository.portsUsed("a process outside PEON", id);
            }
            throw failure(id, "start", e);
          }
          tracker.refresh(id);
          LOG.atInfo().addKeyValue("serverId", id).log("server started");
          return get(id);
        });
  }

  public ServerView stop(ServerId id) {
    return withPowerLock(
        id,
        () -> {
          get(id);
          stopQuietly(id);
          tracker.refresh(id);
          LOG.atInfo().addKeyValue("serverId", id).log("server stopped");
          return get(id);
        });
  }

  public ServerView restart(ServerId id) {
    return withPowerLock(
        id,
        () -> {
          get(id);
          stopQuietly(id);
          tracker.refresh(id);
          return start(id);
        });
  }

  /** Kills at once, bypassing a running power action. */
  public ServerView kill(ServerId id) {
    get(id);
    try {
      runtime.kill(id.containerName());
    } catch (RuntimeFailure e) {
      if (e.kind() != RuntimeFailure.Kind.NOT_FOUND) {
        throw failure(id, "kill", e);
      }
    }
    tracker.refresh(id);
    return get(id);
  }

  // ---------------------------------------------------------------- update

  /** Runs an update in one of the PEON modes; returns a human account of what was done. */
  public String update(ServerId id, UpdateMode mode) {
    return update(id, mode, (percent, message) -> {});
  }

  /** Reports progress of a long step (an image pull): percent (or null) and a message. */
  @FunctionalInterface
  public interface ProgressListener {
    void report(Integer percent, String message);
  }

  /** Runs an update, reporting the image pull's progress. */
  public String update(ServerId id, UpdateMode mode, ProgressListener progress) {
    return withPowerLock(
        id,
        () -> {
          ServerView v = get(id);
          List<String> done = new ArrayList<>();
          Path dir = layout.dir(id);
          try {
            switch (mode) {
              case FULL -> {
                pull(v.definition().image(), done, progress);
                deleteUpdateFlag(dir, done);
                recreate(id, v.definition(), done);
              }
              case IMAGE -> {
                pull(v.definition().image(), done, progress);
                recreate(id, v.definition(), done);
              }
              case SERVER -> {
                stopQuietly(id);
                deleteUpdateFlag(dir, done);
              }
              case REINIT -> {
                // pull before stopping, so that a failed pull leaves the server as it was
                pull(v.definition().image(), done, progress);
                stopQuietly(id);
                done.add("Stopped the server.");
                FileTrees.emptyDir(dir.resolve("data"));
                done.add("Emptied data/.");
                deleteUpdateFlag(dir, done);
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
        done -> {
          start(id);
          done.add("Started the server.");
          LOG.atInfo().addKeyValue("serverId", id).addKeyValue("mode", mode).log("server updated");
          return String.join("\n", done);
        });
  }

  private void pull(String image, List<String> done, ProgressListener progress) {
    try {
      PullTally tally = new PullTally();
      progress.report(0, "pulling " + image);
      runtime.pull(
          image,
          p -> {
            Integer percent = tally.add(p);
            progress.report(
                percent, "pulling " + image + (percent == null ? "" : ": " + percent + "%"));
          });
      tracker.forgetImage(image);
      done.add("Pulled image " + image + ".");
    } catch (RuntimeFailure e) {
      throw imageFailure(image, e);
    }
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

  private void ensureImage(String image) {
    if (runtime.inspectImage(image).isPresent()) {
      return;
    }
    try {
      LOG.atInfo().addKeyValue("image", image).log("pulling image");
      runtime.pull(image, p -> {});
    } catch (RuntimeFailure e) {
      throw imageFailure(image, e);
    }
  }

  private void deleteUpdateFlag(Path dir, List<String> done) throws IOException {
    Files.deleteIfExists(dir.resolve("actions").resolve(".update"));
    done.add("Removed actions/.update so the game updates on start.");
  }

  private void stopQuietly(ServerId id) {
    try {
      runtime.stop(id.containerName(), config.stopTimeout());
    } catch (RuntimeFailure e) {
      if (e.kind() != RuntimeFailure.Kind.NOT_FOUND) {
        throw failure(id, "stop", e);
      }
    }
  }

  private void recreate(ServerId id, ServerDefinition def, List<String> done) {
    stopQuietly(id);
    runtime.remove(id.containerName());
    ensureNetwork(id, tracker.subnet(id));
    runtime.create(containerSpec(def));
    done.add("Recreated the container.");
  }

  // ---------------------------------------------------------------- settings

  public ServerView describe(ServerId id, String description) {
    // under the power lock, like every other change of config.json: no lost update
    return withPowerLock(
        id,
        () -> {
          get(id);
          try {
            Path file = layout.configJson(id);
            ObjectNode cfg = configJson.read(file);
            ObjectNode meta =
                cfg.get("metadata") instanceof ObjectNode m ? m : cfg.putObject("metadata");
            meta.put("description", description);
            FileTrees.writeAtomically(file, configJson.render(cfg));
            ServerDefinition def = configJson.definition(id, cfg);
            tracker.updateDefinition(id, def, expectedHash(def));
          } catch (IOException e) {
            throw failure(id, "description", e);
          }
          return get(id);
        });
  }

  /**
   * Changes settings (plan variables) and/or the description in config.json. A settings change
   * takes effect when the server next starts: its container is recreated, data kept.
   */
  public ServerView changeSettings(ServerId id, String description, Map<String, String> settings) {
    return withPowerLock(
        id,
        () -> {
          ServerView v = get(id);
          Path file = layout.configJson(id);
          try {
            ObjectNode cfg = configJson.read(file);
            ObjectNode env =
                cfg.get("environment") instanceof ObjectNode e ? e : cfg.putObject("environment");
            List<String> required = requiredOf(id);
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, String> e : settings.entrySet()) {
              String k = e.getKey();
              if (k.equals(PlanVariable.STEAM_ID) || !v.definition().environment().containsKey(k)) {
                problems.add("settings." + k + " is not a setting of this server");
              } else if (e.getValue() == null || (e.getValue().isEmpty() && required.contains(k))) {
                problems.add("settings." + k + " is required and cannot be empty");
              }
            }
            if (!problems.isEmpty()) {
              throw new ServerException(ServerException.Kind.INVALID, String.join("; ", problems));
            }
            settings.forEach(env::put);
            if (description != null) {
              ObjectNode meta =
                  cfg.get("metadata") instanceof ObjectNode m ? m : cfg.putObject("metadata");
              meta.put("description", description);
            }
            FileTrees.writeAtomically(file, configJson.render(cfg));
            ServerDefinition def = configJson.definition(id, cfg);
            tracker.updateDefinition(id, def, expectedHash(def));
          } catch (IOException e) {
            throw failure(id, "settings change", e);
          }
          LOG.atInfo()
              .addKeyValue("serverId", id)
              .addKeyValue("settings", settings.keySet())
              .log("server settings changed");
          return get(id);
        });
  }

  /** Names of the plan variables that have no default (from the server's copy of its plan). */
  private List<String> requiredOf(ServerId id) throws IOException {
    Path planFile = layout.dir(id).resolve("plan.json");
    List<String> out = new ArrayList<>();
    if (Files.isRegularFile(planFile, LinkOption.NOFOLLOW_LINKS)) {
      configJson
          .read(planFile)
          .path("environment")
          .fields()
          .forEachRemaining(
              e -> {
                if (e.getValue().isNull()) {
                  out.add(e.getKey());
                }
              });
    }
    return out;
  }

  // ---------------------------------------------------------------- delete

  /** Removes container, network and record; with {@code eradicate} also the folder. */
  public void destroy(ServerId id, boolean eradicate) {
    withPowerLock(
        id,
        () -> {
          try {
            runtime.remove(id.containerName());
            runtime.removeNetwork(id.networkName());
          } catch (RuntimeFailure e) {
            throw failure(id, "destroy", e);
          }
          tracker.remove(id);
          repository.delete(id);
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
      runtime.remove(id.containerName());
      runtime.removeNetwork(id.networkName());
    } catch (RuntimeFailure e) {
      throw failure(id, "eradicate", e);
    }
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
      try {
        ServerDefinition def = readDefinition(id);
        ServerRecord rec = repository.insertImported(id, def.ports());
        try {
          ensureImagePresentOrWarn(def.image());
          handOver(layout.dir(id));
          ensureNetwork(id, rec.subnet());
          runtime.remove(id.containerName());
          runtime.create(containerSpec(def));
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

  private void ensureImagePresentOrWarn(String image) {
    try {
      ensureImage(image);
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

  private void ensureNetwork(ServerId id, String subnet) {
    runtime.ensureNetwork(
        new NetworkSpec(
            id.networkName(),
            subnet,
            subnet == null ? null : SubnetPool.gateway(subnet),
            labels(id)));
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
            true);
    Map<String, String> withHash = new HashMap<>(plain.labels());
    withHash.put(LABEL_SPEC, specHash(plain));
    return new ContainerSpec(
        plain.name(),
        plain.hostname(),
        plain.image(),
        plain.env(),
        plain.ports(),
        plain.mounts(),
        plain.user(),
        withHash,
        plain.network(),
        plain.openStdin());
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
      start(id);
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
  public void reloadDefinition(ServerId id) {
    ServerDefinition def = readDefinition(id);
    tracker.updateDefinition(id, def, expectedHash(def));
  }

  /** Values of a running server's {@code config/} folder, for callers that need them unmasked. */
  public Map<String, String> rawServerConfig(ServerId id) {
    return tracker.rawConfig(id);
  }
}
