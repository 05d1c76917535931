package dev.peon.orc.game;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.config.AddressRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a {@code game} section (the same shape in a plan and in a server's override) into {@link
 * GameSettings}, listing every problem at once. Sections are merged before parsing: objects field
 * by field, anything else replaced, a JSON null removing what was there ({@link #merge}).
 *
 * <pre>
 * {"profile": "valheim",
 *  "readiness": {"type": "a2s", "port": ["QUERY_PORT", "PORT"], "interval": "10s",
 *                "timeout": "3s", "grace": "15m", "failures": 3},
 *  "health": {...}, "players": {...},
 *  "idle": {"after": "30m", "warnings": ["5m", "1m"], "backup": false},
 *  "wake": {"mode": "idle", "allow": ["192.168.0.0/16"], "maxPerHour": 6},
 *  "say": "say {message}"}
 * </pre>
 */
public final class GameSettingsParser {
  static final Set<String> SECTION_KEYS =
      Set.of("profile", "readiness", "health", "players", "idle", "wake", "say");
  private static final Set<String> PROBE_KEYS =
      Set.of(
          "type",
          "port",
          "interval",
          "timeout",
          "grace",
          "failures",
          "pattern",
          "request",
          "expect",
          "path");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,7})(ms|s|m|h)?");
  private static final Pattern HEX = Pattern.compile("([0-9a-fA-F]{2}){0,512}");
  private static final Pattern PORT_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");
  static final Duration MIN_INTERVAL = Duration.ofMillis(200);

  private final ObjectMapper mapper = new ObjectMapper();

  /** The problems found in a section; nothing was applied. */
  public static final class InvalidGameSettings extends RuntimeException {
    private final List<String> problems;

    InvalidGameSettings(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  /** The built-in profile for a game id (aliases included), or null. */
  public ObjectNode profile(String name) {
    String json = GameProfiles.json(name);
    if (json == null) {
      return null;
    }
    try {
      return (ObjectNode) mapper.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("built-in profile " + name + " is broken", e);
    }
  }

  /**
   * The settings of a server of game {@code gameUid}: its profile (or the one the plan names), then
   * the plan's section, then the server's override.
   */
  public GameSettings resolve(String gameUid, JsonNode planSection, JsonNode override) {
    ObjectNode merged = mapper.createObjectNode();
    JsonNode named = firstText(override, planSection);
    ObjectNode profile = profile(named != null ? named.asText() : gameUid);
    if (profile != null) {
      merged = merge(merged, profile);
      merged.put("profile", named != null ? named.asText() : gameUid);
    }
    if (planSection instanceof ObjectNode plan) {
      merged = merge(merged, plan);
    }
    if (override instanceof ObjectNode own) {
      merged = merge(merged, own);
    }
    return parse(merged);
  }

  private static JsonNode firstText(JsonNode override, JsonNode plan) {
    for (JsonNode n : new JsonNode[] {override, plan}) {
      if (n != null && n.path("profile").isTextual()) {
        return n.path("profile");
      }
    }
    return null;
  }

  /** {@code over} laid on {@code base}: objects merged by field, JSON null removes. */
  public static ObjectNode merge(ObjectNode base, ObjectNode over) {
    ObjectNode out = base.deepCopy();
    for (Map.Entry<String, JsonNode> e : over.properties()) {
      JsonNode value = e.getValue();
      JsonNode existing = out.get(e.getKey());
      if (value.isNull()) {
        out.putNull(e.getKey());
      } else if (value instanceof ObjectNode o && existing instanceof ObjectNode b) {
        out.set(e.getKey(), merge(b, o));
      } else {
        out.set(e.getKey(), value.deepCopy());
      }
    }
    return out;
  }

  /** Checks a server's override as given, throwing with every problem. */
  public void validate(JsonNode section) {
    if (!(section instanceof ObjectNode o)) {
      throw new InvalidGameSettings(List.of("game settings must be a JSON object"));
    }
    if (o.has("say") && !o.get("say").isNull()) {
      // typed into the console: only a plan may declare it (console access is its own permission)
      throw new InvalidGameSettings(
          List.of("say can only be declared by the plan, not by a server's own settings"));
    }
    JsonNode profile = o.path("profile");
    if (profile.isTextual() && GameProfiles.json(profile.asText()) == null) {
      throw new InvalidGameSettings(
          List.of("profile '" + profile.asText() + "' is unknown; one of " + GameProfiles.names()));
    }
    parse(o);
  }

  /** Parses a merged section. */
  public GameSettings parse(ObjectNode s) {
    List<String> problems = new ArrayList<>();
    for (String key : iterable(s)) {
      if (!SECTION_KEYS.contains(key)) {
        problems.add("unknown field '" + key + "' (known: " + SECTION_KEYS + ")");
      }
    }
    ProbeSpec readiness = probe("readiness", s.get("readiness"), problems);
    ProbeSpec health = probe("health", s.get("health"), problems);
    ProbeSpec players = probe("players", s.get("players"), problems);
    if (players != null && !players.probe().countsPlayers()) {
      problems.add("players: a '" + players.probe().type() + "' probe cannot count players");
    }
    if (health != null && health.probe() instanceof Probe.LogProbe) {
      problems.add("health: a log probe cannot tell health (a line is printed once)");
    }
    GameSettings.Idle idle = idle(s.get("idle"), problems);
    GameSettings.Wake wake = wake(s.get("wake"), problems);
    String say = null;
    JsonNode sayNode = s.get("say");
    if (sayNode != null && !sayNode.isNull()) {
      if (!sayNode.isTextual() || !sayNode.asText().contains("{message}")) {
        problems.add("say must be a text containing {message}, e.g. \"say {message}\"");
      } else if (sayNode.asText().length() > 200 || sayNode.asText().contains("\n")) {
        problems.add("say must be one line of at most 200 characters");
      } else {
        say = sayNode.asText();
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidGameSettings(problems);
    }
    String profile = s.path("profile").isTextual() ? s.path("profile").asText() : null;
    return new GameSettings(profile, readiness, health, players, idle, wake, say);
  }

  private static Iterable<String> iterable(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static ProbeSpec probe(String where, JsonNode n, List<String> problems) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      problems.add(where + " must be an object");
      return null;
    }
    int before = problems.size();
    for (String key : iterable(n)) {
      if (!PROBE_KEYS.contains(key)) {
        problems.add(where + ": unknown field '" + key + "' (known: " + PROBE_KEYS + ")");
      }
    }
    String type = n.path("type").asText("");
    Duration interval = duration(where + ".interval", n.get("interval"), "10s", problems);
    Duration timeout = duration(where + ".timeout", n.get("timeout"), "3s", problems);
    Duration grace = duration(where + ".grace", n.get("grace"), "10m", problems);
    int failures = 3;
    if (n.has("failures")) {
      JsonNode f = n.get("failures");
      if (!f.canConvertToInt() || f.asInt() < 1 || f.asInt() > 100 || !f.isIntegralNumber()) {
        problems.add(where + ".failures must be a whole number from 1 to 100");
      } else {
        failures = f.asInt();
      }
    }
    if (interval != null && interval.compareTo(MIN_INTERVAL) < 0) {
      problems.add(where + ".interval must be at least 200ms");
    }
    if (timeout != null && (timeout.isZero() || timeout.compareTo(Duration.ofSeconds(60)) > 0)) {
      problems.add(where + ".timeout must be from 1ms to 60s");
    }
    List<String> ports = ports(where, n.get("port"), !type.equals("log"), problems);
    Probe probe =
        switch (type) {
          case "a2s" -> new Probe.A2sProbe(ports);
          case "minecraft" -> new Probe.MinecraftProbe(ports);
          case "tcp" -> new Probe.TcpProbe(ports);
          case "udp" -> udp(where, n, ports, problems);
          case "http" -> http(where, n, ports, problems);
          case "log" -> log(where, n, problems);
          default -> {
            problems.add(
                where
                    + ".type must be one of a2s, minecraft, tcp, udp, http, log (got '"
                    + type
                    + "')");
            yield null;
          }
        };
    if (problems.size() > before || probe == null) {
      return null;
    }
    return new ProbeSpec(probe, interval, timeout, grace, failures);
  }

  private static List<String> ports(
      String where, JsonNode n, boolean required, List<String> problems) {
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      if (required) {
        problems.add(where + ".port is required (a port name such as QUERY_PORT, or a number)");
      }
      return out;
    }
    List<JsonNode> items = new ArrayList<>();
    if (n.isArray()) {
      n.forEach(items::add);
    } else {
      items.add(n);
    }
    for (JsonNode item : items) {
      String text = item.isIntegralNumber() ? item.asText() : item.isTextual() ? item.asText() : "";
      if (!PORT_NAME.matcher(text).matches()) {
        problems.add(where + ".port: '" + item + "' is not a port name or number");
      } else {
        out.add(text);
      }
    }
    if (required && out.isEmpty() && !items.isEmpty()) {
      return out;
    }
    if (required && items.isEmpty()) {
      problems.add(where + ".port is empty");
    }
    return out;
  }

  private static Probe udp(String where, JsonNode n, List<String> ports, List<String> problems) {
    String request = n.path("request").asText("");
    String expect = n.path("expect").asText("");
    if (request.isEmpty() || !HEX.matcher(request).matches()) {
      problems.add(where + ".request must be the request bytes in hex (up to 512 bytes)");
      return null;
    }
    if (!HEX.matcher(expect).matches()) {
      problems.add(where + ".expect must be hex (the answer's first bytes), or absent");
      return null;
    }
    HexFormat.of().parseHex(request);
    return new Probe.UdpProbe(
        ports, request.toLowerCase(Locale.ROOT), expect.toLowerCase(Locale.ROOT));
  }

  private static Probe http(String where, JsonNode n, List<String> ports, List<String> problems) {
    String path = n.path("path").asText("/");
    if (!path.startsWith("/") || path.length() > 200 || !path.matches("[\\x21-\\x7e]+")) {
      problems.add(where + ".path must start with / (printable ASCII, at most 200 characters)");
      return null;
    }
    return new Probe.HttpProbe(ports, path);
  }

  private static Probe log(String where, JsonNode n, List<String> problems) {
    String pattern = n.path("pattern").asText("");
    if (pattern.isEmpty() || pattern.length() > 500) {
      problems.add(where + ".pattern must be a regular expression (at most 500 characters)");
      return null;
    }
    try {
      return new Probe.LogProbe(Pattern.compile(pattern));
    } catch (PatternSyntaxException e) {
      problems.add(where + ".pattern is not a valid regular expression: " + e.getDescription());
      return null;
    }
  }

  private static GameSettings.Idle idle(JsonNode n, List<String> problems) {
    if (n == null || n.isNull()) {
      return GameSettings.Idle.OFF;
    }
    if (!n.isObject()) {
      problems.add("idle must be an object");
      return GameSettings.Idle.OFF;
    }
    for (String key : iterable(n)) {
      if (!Set.of("after", "warnings", "backup").contains(key)) {
        problems.add("idle: unknown field '" + key + "' (known: after, warnings, backup)");
      }
    }
    Duration after =
        n.hasNonNull("after") ? duration("idle.after", n.get("after"), null, problems) : null;
    if (after != null && (after.compareTo(Duration.ofSeconds(1)) < 0)) {
      problems.add("idle.after must be at least 1s");
    }
    List<Duration> warnings = new ArrayList<>();
    JsonNode w = n.path("warnings");
    if (!w.isMissingNode() && !w.isNull()) {
      if (!w.isArray() || w.size() > 10) {
        problems.add("idle.warnings must be a list of at most 10 durations");
      } else {
        for (JsonNode item : w) {
          Duration d = duration("idle.warnings", item, null, problems);
          if (d != null && after != null && d.compareTo(after) >= 0) {
            problems.add("idle.warnings: " + item.asText() + " is not shorter than idle.after");
          } else if (d != null) {
            warnings.add(d);
          }
        }
      }
    }
    JsonNode b = n.path("backup");
    if (!b.isMissingNode() && !b.isBoolean()) {
      problems.add("idle.backup must be true or false");
    }
    return new GameSettings.Idle(after, warnings, b.asBoolean(false));
  }

  private static GameSettings.Wake wake(JsonNode n, List<String> problems) {
    if (n == null || n.isNull()) {
      return GameSettings.Wake.DEFAULT;
    }
    if (!n.isObject()) {
      problems.add("wake must be an object");
      return GameSettings.Wake.DEFAULT;
    }
    for (String key : iterable(n)) {
      if (!Set.of("mode", "allow", "maxPerHour").contains(key)) {
        problems.add("wake: unknown field '" + key + "' (known: mode, allow, maxPerHour)");
      }
    }
    GameSettings.WakeMode mode = GameSettings.WakeMode.IDLE;
    if (n.has("mode")) {
      try {
        mode = GameSettings.WakeMode.valueOf(n.path("mode").asText("").toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problems.add("wake.mode must be one of off, idle, always");
      }
    }
    List<AddressRange> allow = new ArrayList<>();
    JsonNode a = n.path("allow");
    if (!a.isMissingNode() && !a.isNull()) {
      if (!a.isArray() || a.size() > 100) {
        problems.add("wake.allow must be a list of at most 100 IP addresses or CIDR ranges");
      } else {
        for (JsonNode item : a) {
          try {
            allow.add(AddressRange.parse(item.asText("")));
          } catch (IllegalArgumentException e) {
            problems.add("wake.allow: " + e.getMessage());
          }
        }
      }
    }
    int max = 6;
    if (n.has("maxPerHour")) {
      JsonNode m = n.get("maxPerHour");
      if (!m.isIntegralNumber() || m.asInt() < 1 || m.asInt() > 3600) {
        problems.add("wake.maxPerHour must be a whole number from 1 to 3600");
      } else {
        max = m.asInt();
      }
    }
    return new GameSettings.Wake(mode, allow, max);
  }

  /** {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}; a bare number is seconds. */
  static Duration duration(String where, JsonNode n, String fallback, List<String> problems) {
    if (n == null || n.isNull()) {
      return fallback == null ? null : parseDuration(fallback);
    }
    String text = n.isIntegralNumber() ? n.asText() : n.isTextual() ? n.asText().trim() : "";
    if (!DURATION.matcher(text).matches()) {
      problems.add(where + ": '" + n.asText() + "' is not a duration such as 500ms, 10s, 5m, 1h");
      return null;
    }
    Duration d = parseDuration(text);
    if (d.compareTo(Duration.ofDays(7)) > 0) {
      problems.add(where + " must be at most 7 days");
      return null;
    }
    return d;
  }

  static Duration parseDuration(String text) {
    var m = DURATION.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    long v = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(v);
      case "m" -> Duration.ofMinutes(v);
      case "h" -> Duration.ofHours(v);
      default -> Duration.ofSeconds(v);
    };
  }

  /** {@code 30 min}, {@code 45 s}, {@code 2 h}: for reasons and messages. */
  public static String words(Duration d) {
    long s = d.toSeconds();
    if (s >= 3600 && s % 3600 == 0) {
      return s / 3600 + " h";
    }
    if (s >= 60 && s % 60 == 0) {
      return s / 60 + " min";
    }
    return s + " s";
  }
}
