package dev.peon.orc.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Routes;
import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PlanSettingsView;
import dev.peon.orc.plan.PlanSyncException;
import dev.peon.orc.plan.RegistryEntry;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.schedule.InvalidScheduleException;
import dev.peon.orc.schedule.ScheduleSpec;
import dev.peon.orc.schedule.ScheduledAction;
import dev.peon.orc.schedule.Scheduler;
import dev.peon.orc.server.CreateRequest;
import dev.peon.orc.server.ServerException;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.ServerStats;
import dev.peon.orc.server.ServerView;
import dev.peon.orc.server.UpdateMode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PEON {@code /api/v1} (and its {@code /api/1.0} alias), a thin mapping onto the services,
 * wire-compatible with the PEON web UI and Discord bot.
 */
public final class PeonV1Routes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(PeonV1Routes.class);
  private static final List<String> PREFIXES = List.of("/api/v1", "/api/1.0");

  /** Set on an empty plan list: how to get plans (the v1 body has no room for it). */
  static final String HINT_HEADER = "X-Peon-Hint";

  private static final DateTimeFormatter ZIP_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final ServerService servers;
  private final PlanCatalog plans;
  private final Scheduler scheduler;
  private final Clock clock;
  private final String version;
  private final ObjectMapper mapper = new ObjectMapper();

  public PeonV1Routes(
      ServerService servers, PlanCatalog plans, Scheduler scheduler, Clock clock, String version) {
    this.servers = servers;
    this.plans = plans;
    this.scheduler = scheduler;
    this.clock = clock;
    this.version = version;
  }

  @Override
  public void register(Javalin app) {
    for (String p : PREFIXES) {
      app.get(p + "/orchestrator", wrap(this::orchestrator));
      app.get(p + "/servers", wrap(this::listServers));
      app.put(p + "/servers", wrap(this::importServers));
      app.get(p + "/server/{action}/<uid>", wrap(this::getServer));
      app.post(p + "/server/create", wrap(this::createFromBody));
      app.put(p + "/server/{action}/<uid>", wrap(this::putServer));
      app.delete(p + "/server/{action}/<uid>", wrap(this::deleteServer));
      app.get(p + "/plans", wrap(this::listPlans));
      app.put(p + "/plans", wrap(this::syncPlans));
      app.get(p + "/plan/{game}", wrap(this::getPlan));
    }
  }

  // ------------------------------------------------------------ handlers

  private void orchestrator(Context ctx) {
    ctx.json(Map.of("version", version));
  }

  private void listServers(Context ctx) {
    ctx.json(servers.list().stream().map(this::serverObject).toList());
  }

  private void importServers(Context ctx) {
    servers.importAll();
    listServers(ctx);
  }

  private void getServer(Context ctx) {
    String action = ctx.pathParam("action");
    ServerId id = serverId(ctx, action);
    ServerView v =
        servers
            .find(id)
            .orElseThrow(() -> new V1Error(404, "There was an issue getting the server."));
    switch (action) {
      case "stats" -> {
        ServerStats s = servers.stats(id);
        Map<String, Object> o = serverObject(v);
        o.put("stats", s.raw());
        o.put("cpu_percent", round(s.cpuPercent()));
        o.put("memory_percent", round(s.memoryPercent()));
        o.put("memory_bytes", s.memoryBytes());
        o.put("uptime", s.uptimeSeconds());
        ctx.json(o);
      }
      case "save" -> {
        String name = id.uid() + "-" + ZIP_STAMP.format(clock.instant()) + ".zip";
        ctx.contentType("application/zip");
        ctx.header("Content-Disposition", "attachment; filename=" + name);
        try {
          servers.writeConfigZip(id, ctx.res().getOutputStream());
        } catch (IOException e) {
          LOG.atWarn().addKeyValue("serverId", id).log("zip download interrupted");
        }
      }
      default -> ctx.json(serverObject(v));
    }
  }

  private void createFromBody(Context ctx) {
    ObjectNode body = body(ctx);
    String game = text(body, "game_uid");
    if (game == null || game.isEmpty()) {
      throw new V1Error(400, "The game_uid argument was incorrectly provided.");
    }
    String name = text(body, "servername");
    if (name == null || name.isEmpty()) {
      name = text(body, "warcamp");
    }
    if (!PlanId.isValid(game)) {
      throw new V1Error(400, "The game_uid is invalid: use lower-case letters, digits and _.");
    }
    if (name != null && !name.isEmpty() && !ServerId.isValidName(name)) {
      throw new V1Error(400, "The servername is invalid: use lower-case letters, digits, - and _.");
    }
    create(ctx, new PlanId(game), name == null || name.isEmpty() ? null : name, body);
  }

  private void putServer(Context ctx) {
    String action = ctx.pathParam("action");
    String uid = ctx.pathParam("uid");
    if (action.equals("create") && PlanId.isValid(uid)) {
      create(ctx, new PlanId(uid), null, body(ctx));
      return;
    }
    if (!PUT_ACTIONS.contains(action)) {
      throw new V1Error(404, "Unsupported action [" + safe(action) + "].");
    }
    ServerId id = serverId(ctx, action);
    switch (action) {
      case "create" -> create(ctx, id.game(), id.name(), body(ctx));
      case "start" -> {
        ObjectNode b = body(ctx);
        Optional<Instant> stopAt = due(b);
        requireKnown(id);
        ServerView v = servers.start(id);
        stopAt.ifPresent(at -> scheduler.scheduleStop(id, at));
        ctx.json(serverObject(servers.find(id).orElse(v)));
      }
      case "stop" -> {
        ObjectNode b = body(ctx);
        Optional<Instant> stopAt = due(b);
        requireKnown(id);
        if (stopAt.isPresent()) {
          scheduler.scheduleStop(id, stopAt.get());
          ctx.json(serverObject(servers.get(id)));
        } else {
          scheduler.cancel(id, ScheduledAction.STOP);
          ctx.json(serverObject(servers.stop(id)));
        }
      }
      case "restart" -> {
        requireKnown(id);
        ctx.json(serverObject(servers.restart(id)));
      }
      case "update" -> {
        ObjectNode b = body(ctx);
        JsonNode m = b.get("mode");
        if (m != null && !m.isNull() && !m.isTextual()) {
          throw new V1Error(400, "The mode argument must be a string.");
        }
        requireKnown(id);
        String out =
            servers.update(id, UpdateMode.parse(m == null || m.isNull() ? null : m.asText()));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("status", "success");
        r.put("info", id.uid());
        r.put("stdout", out);
        ctx.json(r);
      }
      case "description" -> {
        ObjectNode b = body(ctx);
        JsonNode d = b.get("description");
        if (d == null || !d.isTextual()) {
          throw new V1Error(400, "The description argument was incorrectly provided.");
        }
        if (d.asText().length() > 1000) {
          throw new V1Error(400, "The description is too long (at most 1000 characters).");
        }
        requireKnown(id);
        ctx.json(serverObject(servers.describe(id, d.asText())));
      }
      case "skip" -> {
        requireKnown(id);
        ctx.json(serverObject(servers.get(id)));
      }
      default -> throw new V1Error(404, "Unsupported action [" + safe(action) + "].");
    }
  }

  private void deleteServer(Context ctx) {
    String action = ctx.pathParam("action");
    if (!action.equals("destroy") && !action.equals("eradicate")) {
      throw new V1Error(404, "Incorrect action [" + safe(action) + "] provided");
    }
    ServerId id = serverId(ctx, action);
    ObjectNode b = body(ctx);
    boolean eradicate = eradicateFlag(b.get("eradicate"));
    if (action.equals("eradicate") && !eradicate) {
      throw new V1Error(
          400, "Eradicate needs {\"eradicate\": true} to confirm that all files of the server go.");
    }
    boolean known = servers.exists(id);
    boolean onDisk = servers.layout().exists(id);
    if (known) {
      // only after the destroy went through: a refused or failed delete keeps every schedule
      servers.destroy(id, eradicate);
      scheduler.cancelAll(id);
    } else if (eradicate && onDisk) {
      servers.eradicateFolder(id);
    }
    String info = "Server " + id.uid() + " was removed. ";
    if (eradicate) {
      info +=
          "All files for "
              + id.uid()
              + " will be purged from the server. This may take a few moments.";
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("status", "success");
    r.put("info", info);
    ctx.json(r);
  }

  private void listPlans(Context ctx) {
    // the body stays PEON's plain list; an empty catalogue says how to fill it in a header
    plans.emptyHint().ifPresent(h -> ctx.header(HINT_HEADER, asciiHeader(h)));
    ctx.json(plans.registry().stream().map(PeonV1Routes::registryObject).toList());
  }

  private static String asciiHeader(String text) {
    StringBuilder b = new StringBuilder(text.length());
    text.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
    return b.toString();
  }

  private void syncPlans(Context ctx) {
    List<RegistryEntry> added;
    try {
      added = plans.sync();
    } catch (PlanSyncException e) {
      LOG.atWarn().addKeyValue("reason", e.getMessage()).log("plan refresh failed");
      throw new V1Error(
          502,
          "The plans could not be refreshed: " + e.getMessage() + ". Current plans are unchanged.");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (RegistryEntry e : added) {
      m.put(e.gameUid(), registryObject(e));
    }
    ctx.json(Map.of("new_recipies", m));
  }

  private void getPlan(Context ctx) {
    String game = ctx.pathParam("game");
    var plan = PlanId.isValid(game) ? plans.find(new PlanId(game)) : Optional.<Plan>empty();
    if (plan.isEmpty()) {
      HttpServer.jsonString(
          ctx.status(404),
          "Could not get the settings for ["
              + (PlanId.isValid(game) ? game : "invalid game_uid")
              + "]");
      return;
    }
    ctx.json(PlanSettingsView.of(plan.get()));
  }

  // ------------------------------------------------------------ create

  private void create(Context ctx, PlanId game, String name, ObjectNode body) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      if (CONTROL_KEYS.contains(k)) {
        continue;
      }
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      if (!v.isValueNode()) {
        throw new V1Error(
            400, "The setting [" + safe(k) + "] must be a string, number or boolean.");
      }
      if (v.asText().length() > 4096 || v.asText().indexOf('\0') >= 0) {
        throw new V1Error(400, "The setting [" + safe(k) + "] is too long or contains a NUL byte.");
      }
      settings.put(k, v.asText());
    }
    String description = null;
    JsonNode d = body.get("description");
    if (d != null && !d.isNull()) {
      if (!d.isTextual() || d.asText().length() > 1000) {
        throw new V1Error(400, "The description argument was incorrectly provided.");
      }
      description = d.asText();
    }
    boolean startLater = flag(body, "start_later");
    boolean noclean = flag(body, "noclean");
    Optional<Instant> stopAt = due(body);
    if (startLater && stopAt.isPresent()) {
      throw new V1Error(
          400, "An auto-stop (interval or epoch_time) needs a started server; drop start_later.");
    }
    ServerView v =
        servers.create(new CreateRequest(game, name, settings, description, startLater, noclean));
    if (startLater) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("status", "success");
      r.put(
          "info",
          "The server files for ["
              + v.id().name()
              + "] were created, but the server was not started, in accordance with the provided"
              + " settings.");
      ctx.json(r);
      return;
    }
    stopAt.ifPresent(at -> scheduler.scheduleStop(v.id(), at));
    ctx.json(serverObject(servers.find(v.id()).orElse(v)));
  }

  private static final Set<String> PUT_ACTIONS =
      Set.of("create", "start", "stop", "restart", "update", "description", "skip");

  private static final Set<String> CONTROL_KEYS =
      Set.of(
          "description",
          "start_later",
          "noclean",
          "interval",
          "epoch_time",
          "game_uid",
          "warcamp",
          "servername",
          "STEAM_ID");

  // ------------------------------------------------------------ mapping

  Map<String, Object> serverObject(ServerView v) {
    Map<String, Object> o = new LinkedHashMap<>();
    // a server whose container vanished (until the next start recreates it) reads as dead
    String state = v.containerState() == null ? "dead" : v.containerState().wire();
    o.put("game_uid", v.id().game().value());
    o.put("servername", v.id().name());
    o.put("container_type", v.containerType());
    o.put("build_version", v.buildVersion());
    o.put("container_state", state);
    o.put("server_state", state);
    o.put("server_config", v.serverConfig());
    o.put("description", v.definition().description());
    o.put("time", scheduler.nextEvent(v.id()).map(Instant::getEpochSecond).orElse(null));
    return o;
  }

  private static Map<String, Object> registryObject(RegistryEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("title", e.title());
    m.put("game_uid", e.gameUid());
    m.put("plan_url", e.planUrl());
    return m;
  }

  // ------------------------------------------------------------ input

  private ServerId serverId(Context ctx, String action) {
    String uid = ctx.pathParam("uid");
    if (PlanId.isValid(uid)) {
      throw new V1Error(
          400,
          "For the requested action ["
              + safe(action)
              + "] a warcamp name is required. You only provided ["
              + uid
              + "]");
    }
    try {
      return ServerId.parse(uid);
    } catch (IllegalArgumentException e) {
      throw new V1Error(400, "The server uid is invalid: " + e.getMessage() + ".");
    }
  }

  private void requireKnown(ServerId id) {
    if (servers.find(id).isEmpty()) {
      throw new V1Error(404, "There was an issue getting the server.");
    }
  }

  private ObjectNode body(Context ctx) {
    String raw = ctx.body();
    if (raw.isBlank()) {
      return mapper.createObjectNode();
    }
    JsonNode n;
    try {
      n = mapper.readTree(raw);
    } catch (IOException e) {
      throw new V1Error(400, "The request body is not valid JSON.");
    }
    if (n == null || n instanceof NullNode) {
      return mapper.createObjectNode();
    }
    if (!(n instanceof ObjectNode o)) {
      throw new V1Error(400, "The request body must be a JSON object.");
    }
    return o;
  }

  private Optional<Instant> due(ObjectNode body) {
    JsonNode interval = blankToNull(body.get("interval"));
    JsonNode epoch = blankToNull(body.get("epoch_time"));
    if ((interval == null || interval.isNull()) && (epoch == null || epoch.isNull())) {
      return Optional.empty();
    }
    try {
      return ScheduleSpec.dueTime(
          interval == null || interval.isNull() ? null : interval,
          epoch == null || epoch.isNull() ? null : epoch,
          clock);
    } catch (InvalidScheduleException e) {
      throw new V1Error(400, e.getMessage());
    }
  }

  /** The web UI sends an empty string for "no schedule". */
  private static JsonNode blankToNull(JsonNode n) {
    return n != null && n.isTextual() && n.asText().isBlank() ? null : n;
  }

  private static boolean flag(ObjectNode body, String key) {
    JsonNode v = body.get(key);
    if (v == null || v.isNull()) {
      return false;
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isTextual()) {
      String s = v.asText().toLowerCase(Locale.ROOT);
      if (s.equals("true") || s.equals("false")) {
        return Boolean.parseBoolean(s);
      }
    }
    throw new V1Error(400, "The " + key + " argument must be true or false.");
  }

  /** Only JSON true or the strings "true"/"True" mean yes; everything else means no. */
  static boolean eradicateFlag(JsonNode v) {
    if (v == null) {
      return false;
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    return v.isTextual() && (v.asText().equals("true") || v.asText().equals("True"));
  }

  private static String text(ObjectNode body, String key) {
    JsonNode v = body.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new V1Error(400, "The " + key + " argument must be a string.");
    }
    return v.asText();
  }

  /** Echoes a path word only when it is a plain slug. */
  private static String safe(String word) {
    return word != null && word.matches("[A-Za-z0-9_.-]{1,64}") ? word : "?";
  }

  private static double round(double d) {
    return Math.round(d * 100.0) / 100.0;
  }

  // ------------------------------------------------------------ errors

  /** A v1 error answer. */
  static final class V1Error extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String errCode;

    V1Error(int status, String message) {
      this(status, message, null);
    }

    V1Error(int status, String message, String errCode) {
      super(message, null, false, false);
      this.status = status;
      this.errCode = errCode;
    }
  }

  private Handler wrap(Handler h) {
    return ctx -> {
      try {
        h.handle(ctx);
      } catch (V1Error e) {
        error(ctx, e.status, e.getMessage(), e.errCode);
      } catch (ServerException e) {
        String message =
            e.kind() == ServerException.Kind.NOT_FOUND
                ? "There was an issue getting the server."
                : e.getMessage();
        error(ctx, e.kind().status(), message, e.errCode());
      } catch (RuntimeFailure e) {
        error(ctx, 502, "The Docker engine failed: " + e.getMessage(), null);
      }
    };
  }

  private static void error(Context ctx, int status, String message, String errCode) {
    Map<String, Object> body = HttpServer.errorBody(ctx, message);
    if (errCode != null) {
      body.put("err_code", errCode);
    }
    ctx.status(status).json(body);
  }
}
