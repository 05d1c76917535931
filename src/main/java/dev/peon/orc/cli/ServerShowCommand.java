package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code peon servers show <id>}. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show one server.")
final class ServerShowCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.")
  String id;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/servers/" + ApiClient.segment(id));
          if (s.json()) {
            s.printRaw(r);
          } else {
            print(r.json(), s.out(), s.times());
          }
          return ExitCodes.OK;
        });
  }

  /** The game's state beside Docker's: {@code ready, 2/10 players}, {@code sleeping}. */
  static String game(JsonNode srv) {
    if (srv.path("sleeping").asBoolean()) {
      return "sleeping (starts at the first connection)";
    }
    if (!srv.path("gameState").isTextual()) {
      return null;
    }
    JsonNode p = srv.path("players");
    return srv.path("gameState").asText()
        + (p.isObject()
            ? ", " + p.path("online").asText() + "/" + p.path("max").asText() + " players"
            : "");
  }

  /** The human form of a server, times in the system's zone. */
  static void print(JsonNode srv, PrintWriter out) {
    print(srv, out, Times.system());
  }

  /** The human form of a server. */
  static void print(JsonNode srv, PrintWriter out, Times times) {
    JsonNode next = srv.path("nextSchedule");
    Table t =
        Table.keyValues()
            .row("id", srv.path("id").asText())
            .row("state", srv.path("state").asText())
            .row("description", srv.path("description").asText(null))
            .row("image", srv.path("image").asText(null))
            .row("build", srv.path("buildVersion").asText(null))
            .row("ports", ports(srv))
            .row("started", times.atRelative(srv.path("startedAt").asText(null)))
            .row("game", game(srv))
            .row(
                "pending recreate",
                srv.path("pendingRecreate").asBoolean() ? "yes (at next start)" : "no")
            .row(
                "next schedule",
                next.isObject()
                    ? next.path("action").asText()
                        + " at "
                        + times.atRelative(next.path("at").asText())
                    : null);
    if (srv.has("restartPolicy")) {
      t.row("restart policy", srv.path("restartPolicy").asText())
          .row("autostart", srv.path("autostart").asBoolean() ? "on" : "off")
          .row("desired state", srv.path("desiredState").asText(null))
          .row("next restart", times.atRelative(srv.path("nextRestartAt").asText(null)))
          .row("last crash", lastCrash(srv.path("lastCrash"), times));
    }
    if (srv.path("limits").isObject()) {
      t.row("limits", limits(srv.path("limits")));
    }
    for (Map.Entry<String, JsonNode> e : srv.path("settings").properties()) {
      t.row("setting " + e.getKey(), e.getValue().asText());
    }
    t.print(out);
  }

  /** {@code memory 4.0 GiB (own), cpus 2, pids 2048}; {@code none} for an unset limit. */
  static String limits(JsonNode l) {
    java.util.List<String> own = new java.util.ArrayList<>();
    l.path("serverOwn").forEach(n -> own.add(n.asText()));
    StringBuilder b = new StringBuilder();
    for (String k : java.util.List.of("memory", "cpus", "pids")) {
      JsonNode v = l.path(k);
      String text =
          v.isNull() || v.isMissingNode()
              ? "none"
              : k.equals("memory")
                  ? String.format(java.util.Locale.ROOT, "%.1f GiB", v.asLong() / 1073741824.0)
                  : v.asText();
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(k).append(' ').append(text).append(own.contains(k) ? " (own)" : "");
    }
    return b.toString();
  }

  /** {@code 2026-11-26 21:00:00 CET exit 137 (OOM-killed)}, or null. */
  static String lastCrash(JsonNode crash, Times times) {
    if (!crash.isObject()) {
      return null;
    }
    return times.atRelative(crash.path("at").asText())
        + " exit "
        + crash.path("exitCode").asText()
        + (crash.path("oomKilled").asBoolean() ? " (OOM-killed)" : "");
  }

  static String ports(JsonNode srv) {
    List<String> ports = new ArrayList<>();
    for (JsonNode p : srv.path("ports")) {
      ports.add(p.path("port").asText() + "/" + p.path("protocol").asText());
    }
    return String.join(",", ports);
  }
}
