package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peon servers list}. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List servers.")
final class ServerListCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(names = "--game", paramLabel = "G", description = "Only servers of this game.")
  String game;

  @Option(
      names = "--state",
      paramLabel = "S",
      description = "Only servers in this state (running, exited, created, missing, ...).")
  String state;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          List<String> query = new ArrayList<>();
          if (game != null) {
            query.add("game=" + ApiClient.query(game));
          }
          if (state != null) {
            query.add("state=" + ApiClient.query(state));
          }
          ApiClient.Response r =
              s.api()
                  .get("/api/v2/servers" + (query.isEmpty() ? "" : "?" + String.join("&", query)));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t = Table.withHeader("ID", "STATE", "PORTS", "STARTED", "DESCRIPTION");
          for (JsonNode srv : r.json().path("items")) {
            t.row(
                srv.path("id").asText(),
                srv.path("state").asText(),
                ServerShowCommand.ports(srv),
                s.times().at(srv.path("startedAt").asText(null)),
                srv.path("description").asText(null));
          }
          t.printOr(s, "no servers");
          return ExitCodes.OK;
        });
  }
}
