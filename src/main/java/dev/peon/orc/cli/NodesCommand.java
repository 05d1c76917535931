package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peon nodes list|show|drain|activate}: the machines servers run on (one for a single
 * engine, every Swarm node for a cluster).
 */
@Command(
    name = "nodes",
    mixinStandardHelpOptions = true,
    description = "List the nodes servers run on; drain or activate a Swarm node.")
public final class NodesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "Every node with its capacity, declared memory, servers and player address.")
  int list(@Mixin ClientOptions client) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/nodes");
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t =
              Table.withHeader(
                  "NODE", "ROLE", "STATUS", "AVAILABILITY", "ADDRESS", "CPUS", "MEMORY", "SERVERS");
          for (JsonNode n : r.json().path("items")) {
            t.row(
                n.path("hostname").asText(n.path("id").asText()),
                n.path("role").asText(),
                n.path("status").asText(),
                n.path("availability").asText(),
                n.path("publicAddress").asText(""),
                n.path("cpus").asText(),
                memory(n),
                Integer.toString(n.path("servers").size()));
          }
          t.printOr(s, "no nodes");
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "show",
      description = "One node: status, capacity, labels and its servers.")
  int show(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<node>", description = "Node id or host name.") String node) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/nodes/" + ApiClient.segment(node));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          JsonNode n = r.json();
          Table t = Table.keyValues();
          t.row("node", n.path("hostname").asText());
          t.row("id", n.path("id").asText());
          t.row("role", n.path("role").asText());
          t.row("status", n.path("status").asText());
          t.row("availability", n.path("availability").asText());
          t.row("player address", n.path("publicAddress").asText(""));
          t.row("cpus", n.path("cpus").asText());
          t.row("memory", memory(n));
          t.row("engine", n.path("engineVersion").asText(""));
          List<String> labels = new ArrayList<>();
          n.path("labels")
              .properties()
              .forEach(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
          t.row("labels", String.join(", ", labels));
          List<String> servers = new ArrayList<>();
          n.path("servers").forEach(x -> servers.add(x.asText()));
          t.row("servers", servers.isEmpty() ? "none" : String.join(", ", servers));
          t.print(s.out());
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "drain",
      description =
          "Take no new servers on the node and move each of its servers to another node"
              + " (running ones run again there; the downtime of each is shown).")
  int drain(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<node>", description = "Node id or host name.") String node,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait) {
    return client.run(
        s -> {
          ApiClient.Response accepted =
              s.api().post("/api/v2/nodes/" + ApiClient.segment(node) + "/drain", Map.of());
          return new OperationWaiter(s)
              .complete(
                  accepted,
                  noWait,
                  op -> {
                    for (JsonNode m : op.path("result").path("moved")) {
                      s.out().println(moveLine(m));
                    }
                    for (JsonNode f : op.path("result").path("failed")) {
                      s.out()
                          .println(
                              f.path("server").asText()
                                  + ": not moved ("
                                  + f.path("reason").asText()
                                  + ")");
                    }
                    s.out().println(node + ": drained");
                  });
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "activate",
      description = "Let the node take servers again (after a drain).")
  int activate(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<node>", description = "Node id or host name.") String node) {
    return client.run(
        s -> {
          ApiClient.Response r =
              s.api().post("/api/v2/nodes/" + ApiClient.segment(node) + "/activate", Map.of());
          if (s.json()) {
            s.printRaw(r);
          } else {
            s.out().println(node + ": " + r.json().path("availability").asText());
          }
          return ExitCodes.OK;
        });
  }

  /** {@code game.name: node-a -> node-b, down 4.2 s, backup 2026...}. */
  static String moveLine(JsonNode m) {
    String downtime =
        m.path("downtimeSeconds").isNumber()
            ? String.format(
                java.util.Locale.ROOT, ", down %.1f s", m.path("downtimeSeconds").asDouble())
            : ", was not running";
    String backup = m.path("backup").isTextual() ? ", backup " + m.path("backup").asText() : "";
    String note = m.path("note").isTextual() ? " (" + m.path("note").asText() + ")" : "";
    return m.path("server").asText()
        + ": "
        + m.path("from").asText("?")
        + " -> "
        + m.path("to").asText("?")
        + downtime
        + backup
        + note;
  }

  private static String memory(JsonNode n) {
    long total = n.path("memoryBytes").asLong();
    long used = n.path("allocatedMemoryBytes").asLong();
    return String.format(
        java.util.Locale.ROOT, "%.1f/%.1f GiB", used / 1073741824.0, total / 1073741824.0);
  }
}
