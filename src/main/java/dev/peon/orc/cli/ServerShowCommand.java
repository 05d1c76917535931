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
            print(r.json(), s.out());
          }
          return ExitCodes.OK;
        });
  }

  /** The human form of a server. */
  static void print(JsonNode srv, PrintWriter out) {
    JsonNode next = srv.path("nextSchedule");
    Table t =
        Table.keyValues()
            .row("id", srv.path("id").asText())
            .row("state", srv.path("state").asText())
            .row("description", srv.path("description").asText(null))
            .row("image", srv.path("image").asText(null))
            .row("build", srv.path("buildVersion").asText(null))
            .row("ports", ports(srv))
            .row("started", srv.path("startedAt").asText(null))
            .row(
                "pending recreate",
                srv.path("pendingRecreate").asBoolean() ? "yes (at next start)" : "no")
            .row(
                "next schedule",
                next.isObject()
                    ? next.path("action").asText() + " at " + next.path("at").asText()
                    : null);
    if (srv.has("restartPolicy")) {
      t.row("restart policy", srv.path("restartPolicy").asText())
          .row("autostart", srv.path("autostart").asBoolean() ? "on" : "off")
          .row("desired state", srv.path("desiredState").asText(null))
          .row("next restart", srv.path("nextRestartAt").asText(null))
          .row("last crash", lastCrash(srv.path("lastCrash")));
    }
    for (Map.Entry<String, JsonNode> e : srv.path("settings").properties()) {
      t.row("setting " + e.getKey(), e.getValue().asText());
    }
    t.print(out);
  }

  /** {@code 2026-11-26T20:00:00Z exit 137 (OOM-killed)}, or null. */
  static String lastCrash(JsonNode crash) {
    if (!crash.isObject()) {
      return null;
    }
    return crash.path("at").asText()
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
