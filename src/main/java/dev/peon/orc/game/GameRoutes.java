package dev.peon.orc.game;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.server.ServerId;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code /api/v2} game resources of one server.
 *
 * <pre>
 * GET  /api/v2/servers/{id}/game            game state, probe, players, idle, sleep, settings
 * PUT  /api/v2/servers/{id}/game/settings   the server's override (a game section, or null)
 * GET  /api/v2/servers/{id}/players         players now and their history (?since=)
 * POST /api/v2/servers/{id}/sleep           stop now and sleep (wake on connect) -> 202
 * </pre>
 */
public final class GameRoutes implements Routes {
  private static final int MAX_BODY = 64 * 1024;
  private final GameMonitor monitor;
  private final ObjectMapper mapper = new ObjectMapper();

  public GameRoutes(GameMonitor monitor) {
    this.monitor = monitor;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/servers/{id}/game", this::get);
    app.put("/api/v2/servers/{id}/game/settings", this::putSettings);
    app.get("/api/v2/servers/{id}/players", this::players);
    app.post("/api/v2/servers/{id}/sleep", this::sleep);
    app.exception(
        GameSettingsParser.InvalidGameSettings.class,
        (e, ctx) ->
            HttpServer.renderProblem(
                ctx,
                Problem.of(
                        "invalid-request", 400, "The game settings are invalid: " + e.getMessage())
                    .with("problems", e.problems())));
  }

  private void get(Context ctx) {
    ServerId id = id(ctx);
    ctx.json(json(id, monitor.status(id)));
  }

  private void putSettings(Context ctx) {
    ServerId id = id(ctx);
    String body = ctx.body();
    if (body.length() > MAX_BODY) {
      throw new ProblemException(Problem.invalid("body", "is larger than 64 KiB"));
    }
    JsonNode override;
    try {
      override = mapper.readTree(body);
    } catch (IOException e) {
      throw new ProblemException(Problem.invalid("body", "is not JSON"));
    }
    if (override == null || override.isMissingNode()) {
      throw new ProblemException(Problem.invalid("body", "must be a game section or null"));
    }
    monitor.changeSettings(id, override);
    ctx.json(json(id, monitor.status(id)));
  }

  private void players(Context ctx) {
    ServerId id = id(ctx);
    Instant since = null;
    String s = ctx.queryParam("since");
    if (s != null) {
      try {
        since = Instant.parse(s);
      } catch (DateTimeParseException e) {
        throw new ProblemException(Problem.invalid("since", "must be an ISO-8601 instant"));
      }
    }
    GameStatus status = monitor.status(id);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("players", players(status.players()));
    List<Map<String, Object>> history = new ArrayList<>();
    for (GameStatus.Sample p : monitor.history(id, since).samples()) {
      history.add(Map.of("at", p.at().toString(), "online", p.online()));
    }
    m.put("history", history);
    ctx.json(m);
  }

  private void sleep(Context ctx) {
    ServerId id = id(ctx);
    monitor.sleepNow(id);
    ctx.status(202);
    ctx.json(json(id, monitor.status(id)));
  }

  private Map<String, Object> json(ServerId id, GameStatus s) {
    GameSettings settings = monitor.settings(id);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id.uid());
    m.put("state", s.state() == null ? null : s.state().wire());
    m.put("since", str(s.since()));
    Map<String, Object> probe = new LinkedHashMap<>();
    probe.put("type", s.probe());
    probe.put("lastResult", s.lastDetail());
    probe.put("lastAt", str(s.lastProbeAt()));
    probe.put("failures", s.failures());
    m.put("probe", s.probe() == null ? null : probe);
    m.put("players", players(s.players()));
    Map<String, Object> idle = new LinkedHashMap<>();
    idle.put("after", seconds(settings.idle().after()));
    idle.put("emptySince", str(s.emptySince()));
    idle.put("stopAt", str(s.idleStopAt()));
    m.put("idle", idle);
    m.put("sleeping", s.sleeping());
    m.put("listening", s.listening());
    m.put("wakeMode", settings.wake().mode().wire());
    m.put("lastStopReason", s.lastStopReason());
    m.put("lastStopAt", str(s.lastStopAt()));
    m.put("lastRestartReason", s.lastRestartReason());
    m.put("lastRestartAt", str(s.lastRestartAt()));
    m.put("readySeconds", s.readySeconds());
    m.put("settings", settingsJson(settings));
    m.put("override", monitor.override(id));
    return m;
  }

  private static Map<String, Object> players(PlayerInfo p) {
    if (p == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("online", p.online());
    m.put("max", p.max());
    m.put("names", p.names());
    m.put("map", p.map());
    m.put("version", p.version());
    m.put("serverName", p.serverName());
    return m;
  }

  /** The settings in force, in the section's own shape. */
  static Map<String, Object> settingsJson(GameSettings s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("profile", s.profile());
    m.put("readiness", probeJson(s.readiness()));
    m.put("health", probeJson(s.effectiveHealth()));
    m.put("players", probeJson(s.effectivePlayers()));
    Map<String, Object> idle = new LinkedHashMap<>();
    idle.put("after", seconds(s.idle().after()));
    idle.put("warnings", s.idle().warnings().stream().map(GameRoutes::seconds).toList());
    idle.put("backup", s.idle().backup());
    m.put("idle", idle);
    Map<String, Object> wake = new LinkedHashMap<>();
    wake.put("mode", s.wake().mode().wire());
    wake.put("allow", s.wake().allow().stream().map(Object::toString).toList());
    wake.put("maxPerHour", s.wake().maxPerHour());
    m.put("wake", wake);
    m.put("say", s.say());
    return m;
  }

  private static Map<String, Object> probeJson(ProbeSpec spec) {
    if (spec == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", spec.probe().type());
    switch (spec.probe()) {
      case Probe.A2sProbe p -> m.put("port", p.ports());
      case Probe.MinecraftProbe p -> m.put("port", p.ports());
      case Probe.TcpProbe p -> m.put("port", p.ports());
      case Probe.UdpProbe p -> {
        m.put("port", p.ports());
        m.put("request", p.requestHex());
        m.put("expect", p.expectHex());
      }
      case Probe.HttpProbe p -> {
        m.put("port", p.ports());
        m.put("path", p.path());
      }
      case Probe.LogProbe p -> m.put("pattern", p.pattern().pattern());
    }
    m.put("interval", spec.interval().toMillis() + "ms");
    m.put("timeout", spec.timeout().toMillis() + "ms");
    m.put("grace", spec.grace().toSeconds() + "s");
    m.put("failures", spec.failures());
    return m;
  }

  private static String seconds(Duration d) {
    return d == null ? null : d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static ServerId id(Context ctx) {
    try {
      return ServerId.parse(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.invalid("id", e.getMessage()));
    }
  }
}
