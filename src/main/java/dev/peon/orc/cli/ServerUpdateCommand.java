package dev.peon.orc.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peon servers update <id> [--mode M]}. */
@Command(
    name = "update",
    mixinStandardHelpOptions = true,
    description = "Update a server: pull the image and/or let the game update itself.")
final class ServerUpdateCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.")
  String id;

  @Option(
      names = "--mode",
      paramLabel = "M",
      defaultValue = "full",
      description = "full, image, server, reinit or restart (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--no-wait", description = "Print the operation id and return.")
  boolean noWait;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          ApiClient.Response accepted =
              s.api()
                  .post(
                      "/api/v2/servers/" + ApiClient.segment(id) + "/update", Map.of("mode", mode));
          return new OperationWaiter(s)
              .complete(
                  accepted,
                  noWait,
                  op -> {
                    String log = op.path("result").path("log").asText("").strip();
                    if (!log.isEmpty()) {
                      s.out().println(log);
                    }
                    s.out().println(id + ": updated (" + mode + ")");
                  });
        });
  }
}
