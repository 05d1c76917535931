package dev.peon.orc.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.cluster.PlacementRequest;
import dev.peon.orc.http.Actor;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.JsonInput;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationBusyException;
import dev.peon.orc.operation.OperationJson;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.store.IdempotencyStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code /api/v2} server resources: CRUD, power and updates as operations.
 *
 * <pre>
 * GET    /api/v2/servers                 list (?game=, ?state=)
 * POST   /api/v2/servers                 create -> 202 operation (Idempotency-Key honoured)
 * GET    /api/v2/servers/{id}            one
 * PATCH  /api/v2/servers/{id}            description, settings (null: back to the plan's
 *                                         default), restartPolicy, autostart
 * DELETE /api/v2/servers/{id}            ?deleteFiles=true&amp;confirm={id}
 * POST   /api/v2/servers/{id}/power      {"action": start|stop|restart|kill} -> 202 operation
 * POST   /api/v2/servers/{id}/update     {"mode": full|image|server|reinit|restart} -> 202
 * </pre>
 */
public final class ServerRoutes implements Routes {
  private static final Pattern GAME = Pattern.compile("[a-z0-9][a-z0-9_]{0,62}");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final Set<String> POWER = Set.of("start", "stop", "restart", "kill");
  private static final Set<String> MODES = Set.of("full", "image", "server", "reinit", "restart");
  private static final Set<String> STATES =
      Set.of(
          "created",
          "running",
          "paused",
          "restarting",
          "removing",
          "exited",
          "dead",
          "missing",
          "crashed");
  private static final Pattern POLICY = Pattern.compile("no|on-failure|always");

  private final ServerService servers;
  private final OperationService operations;
  private final ScheduleLookup schedules;
  private final IdempotencyStore idempotency;
  private final boolean exposeSecrets;
  private final SupervisionSettings supervision;
  private final GameLookup game;
  private final ObjectMapper mapper = new ObjectMapper();

  /**
   * One lock per caller and key while a create with that key runs: retries with one key are
   * serialized, creates with other keys never wait for each other (a monitor stripe would make
   * unrelated creates wait for each other's image download). Entries go when unused.
   */
  private final Map<String, KeyLock> keyLocks = new java.util.concurrent.ConcurrentHashMap<>();

  /** A lock and how many requests hold or wait for it; changed only inside the map's compute. */
  private static final class KeyLock {
    final java.util.concurrent.locks.ReentrantLock lock =
        new java.util.concurrent.locks.ReentrantLock();
    int users;
  }

  public ServerRoutes(
      ServerService servers,
      OperationService operations,
      ScheduleLookup schedules,
      IdempotencyStore idempotency,
      boolean exposeSecrets) {
    this(servers, operations, schedules, idempotency, exposeSecrets, SupervisionSettings.NONE);
  }

  public ServerRoutes(
      ServerService servers,
      OperationService operations,
      ScheduleLookup schedules,
      IdempotencyStore idempotency,
      boolean exposeSecrets,
      SupervisionSettings supervision) {
    this(servers, operations, schedules, idempotency, exposeSecrets, supervision, GameLookup.NONE);
  }

  public ServerRoutes(
      ServerService servers,
      OperationService operations,
      ScheduleLookup schedules,
      IdempotencyStore idempotency,
      boolean exposeSecrets,
      SupervisionSettings supervision,
      GameLookup game) {
    this.game = game;
    this.servers = servers;
    this.operations = operations;
    this.schedules = schedules;
    this.idempotency = idempotency;
    this.exposeSecrets = exposeSecrets;
    this.supervision = supervision;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/servers", this::list);
    app.post("/api/v2/servers", this::create);
    app.get("/api/v2/servers/{id}", this::get);
    app.patch("/api/v2/servers/{id}", this::patch);
    app.delete("/api/v2/servers/{id}", this::delete);
    app.post("/api/v2/servers/{id}/power", this::power);
    app.post("/api/v2/servers/{id}/update", this::update);
    app.exception(ServerException.class, (e, ctx) -> HttpServer.renderProblem(ctx, problem(e)));
    app.exception(
        OperationBusyException.class,
        (e, ctx) ->
            HttpServer.renderProblem(
                ctx,
                Problem.of("busy", 409, e.getMessage())
                    .with("operationId", e.runningOperationId())));
  }

  // ------------------------------------------------------------ handlers

  private void list(Context ctx) {
    String game = ctx.queryParam("game");
    String state = ctx.queryParam("state");
    if (game != null && !GAME.matcher(game).matches()) {
      throw new ProblemException(Problem.invalid("game", "is not a valid game id"));
    }
    if (state != null && !STATES.contains(state)) {
      throw new ProblemException(Problem.invalid("state", "must be one of " + STATES));
    }
    List<Map<String, Object>> items = new ArrayList<>();
    for (ServerView v : servers.list()) {
      if (game != null && !v.id().game().value().equals(game)) {
        continue;
      }
      if (state != null && !state.equals(stateWord(v, supervision.status(v.id())))) {
        continue;
      }
      items.add(json(v, ctx));
    }
    ctx.json(Map.of("items", items));
  }

  private void get(Context ctx) {
    ctx.json(json(servers.get(id(ctx)), ctx));
  }

  private void create(Context ctx) {
    String key = ctx.header("Idempotency-Key");
    if (key == null) {
      doCreate(ctx);
      return;
    }
    if (!key.matches("[A-Za-z0-9._:-]{1,128}")) {
      throw new ProblemException(
          Problem.invalid("Idempotency-Key", "must be 1-128 letters, digits or ._:-"));
    }
    String hash = sha256(ctx.body());
    // keys are per caller: another caller's key never replays this caller's answer
    Object principal = ctx.attribute(HttpServer.PRINCIPAL);
    String scope = "servers.create:" + (principal instanceof Actor a ? a.actor() : "anonymous");
    String lockKey = scope + "\n" + key;
    KeyLock lock =
        keyLocks.compute(
            lockKey,
            (k, l) -> {
              KeyLock held = l == null ? new KeyLock() : l;
              held.users++;
              return held;
            });
    lock.lock.lock();
    try {
      var stored = idempotency.find(scope, key);
      if (stored.isPresent()) {
        if (!stored.get().requestHash().equals(hash)) {
          throw new ProblemException(
              Problem.of(
                  "conflict", 409, "This Idempotency-Key was used with a different request body."));
        }
        ctx.header("Idempotent-Replayed", "true");
        Operation running = storedOperation(stored.get());
        if (running != null) {
          // the same operation, as it stands now rather than as it was first answered
          accepted(ctx, running);
          return;
        }
        ctx.status(stored.get().status())
            .contentType("application/json")
            .result(stored.get().body());
        return;
      }
      doCreate(ctx);
      idempotency.save(scope, key, hash, ctx.statusCode(), ctx.result());
    } finally {
      lock.lock.unlock();
      keyLocks.computeIfPresent(lockKey, (k, l) -> --l.users == 0 ? null : l);
    }
  }

  private void doCreate(Context ctx) {
    JsonInput in = JsonInput.parse(ctx.body());
    String game = in.requiredString("game", 63, GAME, "must be a game id ([a-z0-9][a-z0-9_]*)");
    String name =
        in.string("name", 63, NAME, "must be a server name ([a-z0-9][a-z0-9_-]*)").orElse(null);
    Map<String, String> settings = in.stringMap("settings", false).orElse(Map.of());
    String description = in.string("description", 1000).orElse(null);
    ObjectNode limits = limitsInput(in);
    Map<String, Integer> ports = in.integerMap("ports", 1, 65535).orElse(Map.of());
    RestartPolicy policy = restartPolicy(in);
    Boolean autostart = in.bool("autostart").orElse(null);
    boolean start = in.bool("start").orElse(false);
    PlacementRequest placement = placementInput(in);
    if (game != null) {
      servers
          .settingNames(new PlanId(game))
          .ifPresent(declared -> rejectUndeclared(in, settings.keySet(), declared));
    }
    in.finish();
    for (String k : settings.keySet()) {
      if (k.equals("STEAM_ID")) {
        throw new ProblemException(Problem.invalid("settings.STEAM_ID", "cannot be set"));
      }
    }
    // checks and reservations answer now (400, 404, 409); the download and the rest run after
    ServerService.PendingCreate pending =
        servers.prepareCreate(
            new CreateRequest(
                new PlanId(game), name, settings, description, true, false, ports, placement));
    ServerId id = pending.id();
    Operation op;
    try {
      op =
          operations.submit(
              "server.create",
              id.uid(),
              true,
              progress -> {
                ServerView v = servers.finishCreate(pending, progress::report);
                if (limits != null) {
                  // made with the create's container; the first start recreates it with these
                  v = servers.changeLimits(id, limits);
                }
                if (policy != null || autostart != null) {
                  supervision.change(id, policy, autostart);
                }
                if (start) {
                  progress.report(
                      new Operation.Progress(null, "starting the server", "start", null));
                  v = servers.start(id);
                }
                // the result is shown to whoever may read operations: secrets stay masked
                return json(v, exposeSecrets);
              });
    } catch (RuntimeException e) {
      servers.abandonCreate(pending);
      throw e;
    }
    ctx.status(202);
    ctx.header("Location", "/api/v2/operations/" + op.id());
    try {
      ctx.contentType("application/json").result(mapper.writeValueAsString(OperationJson.of(op)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The operation a stored 202 answer names, if it is still known. */
  private Operation storedOperation(IdempotencyStore.Stored stored) {
    if (stored.status() != 202) {
      return null;
    }
    try {
      String opId = mapper.readTree(stored.body()).path("id").asText("");
      return operations.find(opId).orElse(null);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private void patch(Context ctx) {
    ServerId id = id(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    String description = in.string("description", 1000).orElse(null);
    Map<String, String> settings = in.stringMap("settings", true).orElse(Map.of());
    ObjectNode limits = limitsInput(in);
    RestartPolicy policy = restartPolicy(in);
    Boolean autostart = in.bool("autostart").orElse(null);
    servers
        .find(id)
        .ifPresent(
            v ->
                rejectUndeclared(
                    in,
                    settings.keySet(),
                    v.definition().environment().keySet().stream()
                        .filter(k -> !k.equals("STEAM_ID"))
                        .toList()));
    in.finish();
    servers.get(id);
    if (policy != null || autostart != null) {
      supervision.change(id, policy, autostart);
    }
    if (description != null
        || !settings.isEmpty()
        || (policy == null && autostart == null && limits == null)) {
      servers.changeSettings(id, description, settings);
    }
    if (limits != null) {
      servers.changeLimits(id, limits);
    }
    ctx.json(json(servers.get(id), ctx));
  }

  /**
   * Refuses settings the plan does not declare, naming the closest declared one ("did you mean
   * PASSWORD?") or listing them. STEAM_ID keeps its own answer.
   */
  private static void rejectUndeclared(
      JsonInput in, java.util.Collection<String> given, java.util.Collection<String> declared) {
    for (String k : given) {
      if (!k.equals("STEAM_ID") && !declared.contains(k)) {
        in.reject(
            "settings." + k, "is not a setting of this plan; " + SettingNames.hint(k, declared));
      }
    }
  }

  private static RestartPolicy restartPolicy(JsonInput in) {
    return in.string("restartPolicy", 16, POLICY, "must be no, on-failure or always")
        .flatMap(RestartPolicy::fromWire)
        .orElse(null);
  }

  /** The {@code limits} object of a create or change, checked; null when not given. */
  private static ObjectNode limitsInput(JsonInput in) {
    ObjectNode limits = in.rawObject("limits").orElse(null);
    if (limits != null) {
      try {
        ResourceSettings.read(limits);
      } catch (IllegalArgumentException e) {
        in.reject("limits", e.getMessage());
        return null;
      }
    }
    return limits;
  }

  private void delete(Context ctx) {
    ServerId id = id(ctx);
    String deleteFiles = ctx.queryParam("deleteFiles");
    if (deleteFiles != null && !deleteFiles.equals("true") && !deleteFiles.equals("false")) {
      throw new ProblemException(Problem.invalid("deleteFiles", "must be true or false"));
    }
    boolean files = "true".equals(deleteFiles);
    if (files && !id.uid().equals(ctx.queryParam("confirm"))) {
      throw new ProblemException(
          Problem.invalid(
              "confirm", "must repeat the server id to delete its files (confirm=" + id + ")"));
    }
    servers.requireExisting(id); // a server with an unreadable config.json can be deleted too
    servers.destroy(id, files);
    ctx.status(204);
  }

  private void power(Context ctx) {
    ServerId id = id(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    String action = in.requiredString("action", 16, null, null);
    if (action != null && !POWER.contains(action)) {
      in.reject("action", "must be one of start, stop, restart, kill");
    }
    in.finish();
    servers.get(id);
    Operation op =
        operations.submit(
            "power." + action,
            id.uid(),
            !action.equals("kill"),
            progress -> {
              ServerView v =
                  switch (action) {
                    case "start" -> servers.start(id);
                    case "stop" -> servers.stop(id);
                    case "restart" -> servers.restart(id);
                    default -> servers.kill(id);
                  };
              return Map.of("state", stateWord(v));
            });
    accepted(ctx, op);
  }

  private void update(Context ctx) {
    ServerId id = id(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    String mode = in.string("mode", 16).orElse("full");
    if (!MODES.contains(mode)) {
      in.reject("mode", "must be one of full, image, server, reinit, restart");
    }
    in.finish();
    servers.get(id);
    Operation op =
        operations.submit(
            "update",
            id.uid(),
            true,
            progress ->
                Map.of("log", servers.update(id, UpdateMode.parse(mode), progress::report)));
    accepted(ctx, op);
  }

  // ------------------------------------------------------------ mapping

  /** 202 with the operation and where to follow it. */
  public static void accepted(Context ctx, Operation op) {
    ctx.status(202);
    ctx.header("Location", "/api/v2/operations/" + op.id());
    ctx.json(OperationJson.of(op));
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  static String stateWord(ServerView v) {
    ContainerState s = v.containerState();
    return s == null ? "missing" : s.wire();
  }

  /** Docker's word, or {@code crashed} while a crash loop keeps the server down. */
  static String stateWord(ServerView v, SupervisionSettings.Status status) {
    return status.crashed() && !v.running() ? "crashed" : stateWord(v);
  }

  /** Secrets are shown only to callers holding {@code server.secrets} on that server. */
  Map<String, Object> json(ServerView v, Context ctx) {
    return json(
        v, exposeSecrets || HttpServer.permissions(ctx).may("server.secrets", v.id().uid()));
  }

  /** The v2 view of a server, its secrets shown only with {@code show}. */
  private Map<String, Object> json(ServerView v, boolean show) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", v.id().uid());
    m.put("game", v.id().game().value());
    m.put("name", v.id().name());
    m.put("description", v.definition().description());
    SupervisionSettings.Status sup = supervision.status(v.id());
    Map<String, Object> node = nodeJson(v.id());
    // a server whose node is lost is unavailable whatever its last reported state
    m.put(
        "state",
        node != null && !"ready".equals(node.get("status")) ? "unavailable" : stateWord(v, sup));
    m.put("image", v.definition().image());
    m.put("containerType", v.containerType());
    m.put("buildVersion", v.buildVersion());
    List<Map<String, Object>> ports = new ArrayList<>();
    for (PortEntry p : v.definition().ports()) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("name", p.name());
      pm.put("port", p.port());
      pm.put("protocol", p.protocol().name().toLowerCase(Locale.ROOT));
      ports.add(pm);
    }
    m.put("ports", ports);
    m.put("node", node);
    Map<String, String> settings = new LinkedHashMap<>();
    v.definition()
        .environment()
        .forEach(
            (k, val) -> {
              if (!k.equals("STEAM_ID")) {
                settings.put(k, !show && SecretNames.isSecret(k) ? SecretNames.MASK : val);
              }
            });
    m.put("settings", settings);
    m.put("config", show && v.running() ? servers.rawServerConfig(v.id()) : v.serverConfig());
    m.put("startedAt", str(v.startedAt()));
    m.put("pendingRecreate", v.pendingRecreate());
    m.put(
        "limits", ResourceSettings.json(v.definition().limits(), servers.limitsOf(v.definition())));
    m.put(
        "nextSchedule",
        schedules
            .next(v.id())
            .map(
                n -> {
                  Map<String, Object> s = new LinkedHashMap<>();
                  s.put("id", n.id());
                  s.put("action", n.action());
                  s.put("at", n.at().toString());
                  return s;
                })
            .orElse(null));
    m.put("restartPolicy", sup.restartPolicy().wire());
    m.put("autostart", sup.autostart());
    m.put("desiredState", sup.desiredRunning() ? "running" : "stopped");
    m.put("nextRestartAt", str(sup.nextRestartAt()));
    SupervisionSettings.Crash crash = sup.lastCrash();
    if (crash == null) {
      m.put("lastCrash", null);
    } else {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("at", crash.at().toString());
      c.put("exitCode", crash.exitCode());
      c.put("oomKilled", crash.oomKilled());
      m.put("lastCrash", c);
    }
    GameLookup.Game g = game.game(v.id());
    m.put("gameState", v.running() ? g.state() : null);
    m.put(
        "players",
        g.online() == null || !v.running()
            ? null
            : new LinkedHashMap<>(Map.of("online", g.online(), "max", g.max())));
    m.put("sleeping", g.sleeping());
    m.put("lastStopReason", g.lastStopReason());
    return m;
  }

  // ------------------------------------------------------------ input and errors

  static ServerId id(Context ctx) {
    try {
      return ServerId.parse(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.invalid("id", e.getMessage()));
    }
  }

  /**
   * The server named by the path's {@code id}, which must exist: 400 when malformed, 404 when
   * {@code exists} does not know it (for the routes of other features under a server).
   */
  public static ServerId knownServer(Context ctx, java.util.function.Predicate<ServerId> exists) {
    ServerId server = id(ctx);
    if (!exists.test(server)) {
      throw new ProblemException(
          Problem.of("not-found", 404, "Server [" + server.uid() + "] does not exist."));
    }
    return server;
  }

  /**
   * Where a server on a cluster runs: its node and the address players use; null on a single
   * engine.
   */
  private Map<String, Object> nodeJson(ServerId id) {
    Optional<String> nodeId = servers.nodeOf(id);
    if (nodeId.isEmpty()) {
      return null;
    }
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("id", nodeId.get());
    Optional<dev.peon.orc.runtime.NodeInfo> info = servers.nodes().find(nodeId.get());
    n.put("hostname", info.map(dev.peon.orc.runtime.NodeInfo::hostname).orElse(null));
    n.put("address", info.map(dev.peon.orc.runtime.NodeInfo::publicAddress).orElse(null));
    n.put("status", info.map(i -> i.status().name().toLowerCase(Locale.ROOT)).orElse("unknown"));
    return n;
  }

  /** The optional {@code placement} of a create or move: a node, or node labels. */
  public static PlacementRequest placementInput(JsonInput in) {
    Optional<JsonInput> p = in.object("placement");
    if (p.isEmpty()) {
      return PlacementRequest.ANY;
    }
    String node = p.get().string("node", 128).orElse(null);
    Map<String, String> labels = p.get().stringMap("labels", false).orElse(Map.of());
    List<String> problems = PlacementRequest.problems(node, labels);
    if (!problems.isEmpty()) {
      problems.forEach(m -> in.reject("placement", m));
      return PlacementRequest.ANY;
    }
    return new PlacementRequest(node, labels);
  }

  /** Maps a server failure to its problem. */
  public static Problem problem(ServerException e) {
    return switch (e.kind()) {
      case INVALID, MISSING_SETTINGS -> Problem.of("invalid-request", 400, e.getMessage());
      case NOT_FOUND, PLAN_NOT_FOUND -> Problem.of("not-found", 404, e.getMessage());
      case ALREADY_EXISTS, NAME_TAKEN -> Problem.of("conflict", 409, e.getMessage());
      case PORTS_USED -> portsUsed(e);
      case BROKEN -> Problem.of("broken", 409, e.getMessage());
      case BUSY -> Problem.of("busy", 409, e.getMessage());
      case NODE_UNAVAILABLE -> Problem.of("node-unavailable", 409, e.getMessage());
      case IMAGE_UNAVAILABLE, RUNTIME -> Problem.of("upstream-failure", 502, e.getMessage());
      case INTERNAL -> Problem.of("internal", 500, e.getMessage());
    };
  }

  /** 409 {@code ports-used} with the port, its variable and the holder when it is ours. */
  private static Problem portsUsed(ServerException e) {
    Problem p = Problem.of("ports-used", 409, e.getMessage());
    if (e.conflict().isPresent()) {
      PortConflict c = e.conflict().get();
      p =
          p.with("port", c.binding().port())
              .with("protocol", c.binding().protocol().wire())
              .with("portName", c.name());
      if (c.holder() != null) {
        p = p.with("holder", c.holder());
      }
    }
    return p;
  }

  private static String sha256(String body) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
