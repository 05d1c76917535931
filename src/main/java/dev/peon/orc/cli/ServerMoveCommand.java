package dev.peon.orc.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peon servers move <id> [--node N | --label k=v...]}. */
@Command(
    name = "move",
    mixinStandardHelpOptions = true,
    description =
        "Move a server to another Swarm node: stop, back up, place there, start again if it ran;"
            + " prints the downtime.")
final class ServerMoveCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.")
  String id;

  @Mixin PlacementOptions placement = new PlacementOptions();

  @Option(names = "--no-wait", description = "Print the operation id and return.")
  boolean noWait;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          ApiClient.Response accepted =
              s.api()
                  .post(
                      "/api/v2/servers/" + ApiClient.segment(id) + "/move",
                      placement.any() ? Map.of("placement", placement.body()) : Map.of());
          return new OperationWaiter(s)
              .complete(
                  accepted,
                  noWait,
                  op -> s.out().println(NodesCommand.moveLine(op.path("result"))));
        });
  }
}
