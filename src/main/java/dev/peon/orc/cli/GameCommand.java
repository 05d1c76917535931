package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peon game status|players|set|sleep}: game awareness of a server. */
@Command(
    name = "game",
    mixinStandardHelpOptions = true,
    description = "A server's game: ready or not, players, idle stop, sleep and wake on connect.")
public final class GameCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Game state, probe, players, idle and sleep.")
  int status(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.")
          String server) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get(path(server) + "/game");
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          JsonNode g = r.json();
          JsonNode p = g.path("players");
          JsonNode probe = g.path("probe");
          Table.keyValues()
              .row("server", g.path("id").asText())
              .row("game state", g.path("state").asText("-"))
              .row(
                  "probe",
                  probe.isObject()
                      ? probe.path("type").asText()
                          + " ("
                          + probe.path("lastResult").asText("not run yet")
                          + ", "
                          + probe.path("failures").asInt()
                          + " failures)"
                      : "none")
              .row("players", players(p))
              .row("map / version", p.isObject() ? mapVersion(p) : null)
              .row("idle stop", idle(g.path("idle")))
              .row(
                  "sleeping",
                  g.path("sleeping").asBoolean()
                      ? "yes" + (g.path("listening").asBoolean() ? ", ports watched" : "")
                      : "no")
              .row("wake mode", g.path("wakeMode").asText(null))
              .row("last stop", g.path("lastStopReason").asText(null))
              .row("last restart", g.path("lastRestartReason").asText(null))
              .row(
                  "start to ready",
                  g.path("readySeconds").isNumber() ? g.path("readySeconds").asInt() + " s" : null)
              .print(s.out());
          return ExitCodes.OK;
        });
  }

  @Command(
      name = "players",
      mixinStandardHelpOptions = true,
      description = "Players now and the history of their count.")
  int players(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.") String server,
      @Option(names = "--since", paramLabel = "TIME", description = "History from (RFC 3339).")
          String since) {
    return client.run(
        s -> {
          String q = since == null ? "" : "?since=" + ApiClient.query(since);
          ApiClient.Response r = s.api().get(path(server) + "/players" + q);
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          JsonNode p = r.json().path("players");
          s.out().println("players: " + players(p));
          Table t = Table.withHeader("AT", "ONLINE");
          for (JsonNode h : r.json().path("history")) {
            t.row(h.path("at").asText(), h.path("online").asText());
          }
          if (!t.isEmpty()) {
            t.print(s.out());
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Change the server's own game settings (laid over its plan's and the built-in profile).")
  int set(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.") String server,
      @Option(
              names = "--idle",
              paramLabel = "DURATION",
              description = "Stop after this long with no players (e.g. 30m); 'off' to disable.")
          String idle,
      @Option(
              names = "--warn",
              split = ",",
              paramLabel = "DURATION",
              description = "Warn in the console this long before an idle stop (e.g. 5m,1m).")
          List<String> warn,
      @Option(names = "--backup", description = "Take a backup before an idle stop.")
          Boolean backup,
      @Option(
              names = "--wake",
              paramLabel = "MODE",
              description = "Wake on connect: off, idle (after an idle stop) or always.")
          String wake,
      @Option(
              names = "--allow",
              split = ",",
              paramLabel = "CIDR",
              description = "Only these addresses may wake the server.")
          List<String> allow,
      @Option(names = "--max-wakes", paramLabel = "N", description = "Wakes per hour, at most.")
          Integer maxWakes,
      @Option(
              names = "--section",
              paramLabel = "JSON",
              description = "A whole game section as JSON (replaces the override).")
          String section,
      @Option(names = "--clear", description = "Remove the server's own settings.") boolean clear) {
    return client.run(
        s -> {
          JsonNode body;
          if (clear) {
            body = JSON.nullNode();
          } else if (section != null) {
            try {
              body = JSON.readTree(section);
            } catch (java.io.IOException e) {
              throw new ParameterException(spec.commandLine(), "--section is not JSON");
            }
          } else {
            JsonNode current = s.api().get(path(server) + "/game").json().path("override");
            ObjectNode o =
                current.isObject() ? (ObjectNode) current.deepCopy() : JSON.createObjectNode();
            if (idle != null || warn != null || backup != null) {
              ObjectNode i =
                  o.path("idle").isObject() ? (ObjectNode) o.get("idle") : o.putObject("idle");
              if ("off".equals(idle)) {
                o.putNull("idle");
              } else {
                if (idle != null) {
                  i.put("after", idle);
                }
                if (warn != null) {
                  i.set("warnings", JSON.valueToTree(warn));
                }
                if (backup != null) {
                  i.put("backup", backup);
                }
              }
            }
            if (wake != null || allow != null || maxWakes != null) {
              ObjectNode w =
                  o.path("wake").isObject() ? (ObjectNode) o.get("wake") : o.putObject("wake");
              if (wake != null) {
                w.put("mode", wake);
              }
              if (allow != null) {
                w.set("allow", JSON.valueToTree(allow));
              }
              if (maxWakes != null) {
                w.put("maxPerHour", maxWakes);
              }
            }
            body = o;
          }
          ApiClient.Response r = s.api().put(path(server) + "/game/settings", body);
          if (s.json()) {
            s.printRaw(r);
          } else {
            s.out().println("game settings of " + server + " changed");
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      name = "sleep",
      mixinStandardHelpOptions = true,
      description =
          "Stop the server now; its ports answer and the first real connection starts it.")
  int sleep(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.")
          String server) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().post(path(server) + "/sleep", JSON.createObjectNode());
          if (s.json()) {
            s.printRaw(r);
          } else {
            s.out().println(server + " is asleep: it starts at the first connection");
          }
          return ExitCodes.OK;
        });
  }

  static String players(JsonNode p) {
    if (!p.isObject()) {
      return "unknown";
    }
    StringBuilder b = new StringBuilder(p.path("online").asText() + "/" + p.path("max").asText());
    if (p.path("names").size() > 0) {
      List<String> names = new java.util.ArrayList<>();
      p.path("names").forEach(n -> names.add(n.asText()));
      b.append(" (").append(String.join(", ", names)).append(')');
    }
    return b.toString();
  }

  private static String mapVersion(JsonNode p) {
    return p.path("map").asText("-") + " / " + p.path("version").asText("-");
  }

  private static String idle(JsonNode idle) {
    if (idle.path("after").isNull() || idle.path("after").isMissingNode()) {
      return "off";
    }
    String stopAt = idle.path("stopAt").asText(null);
    return "after " + idle.path("after").asText() + (stopAt == null ? "" : ", due " + stopAt);
  }

  private static String path(String server) {
    return "/api/v2/servers/" + ApiClient.segment(server);
  }
}
