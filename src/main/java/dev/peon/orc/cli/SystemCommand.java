package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code peon system}. */
@Command(
    name = "system",
    mixinStandardHelpOptions = true,
    description = "Orchestrator version, Docker, counts and disk use.")
public final class SystemCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/system");
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          JsonNode j = r.json();
          JsonNode docker = j.path("docker");
          JsonNode c = j.path("counts");
          JsonNode d = j.path("data");
          Table.keyValues()
              .row("orchestrator", s.api().base() + " (version " + j.path("version").asText() + ")")
              .row(
                  "docker",
                  docker.path("reachable").asBoolean()
                      ? "reachable, version " + docker.path("version").asText()
                      : "NOT REACHABLE")
              .row(
                  "servers",
                  c.path("servers").asText() + " (" + c.path("running").asText() + " running)")
              .row("plans", c.path("plans").asText())
              .row("schedules", c.path("schedules").asText())
              .row("operations running", c.path("operationsRunning").asText())
              .row(
                  "data",
                  bytes(d.path("usedBytes")) + " used, " + bytes(d.path("freeBytes")) + " free")
              .print(s.out());
          return ExitCodes.OK;
        });
  }

  static String bytes(JsonNode n) {
    if (!n.isNumber() || n.asLong() < 0) {
      return "?";
    }
    double v = n.asLong();
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? (long) v + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
