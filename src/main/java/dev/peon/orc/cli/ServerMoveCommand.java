package dev.peon.orc.cli;

import java.util.LinkedHashMap;
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

  @Option(names = "--node", paramLabel = "N", description = "The node (id or host name).")
  String node;

  @Option(
      names = "--label",
      paramLabel = "K=V",
      description = "Only a node carrying this label (repeatable).")
  Map<String, String> labels;

  @Option(names = "--no-wait", description = "Print the operation id and return.")
  boolean noWait;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          Map<String, Object> placement = new LinkedHashMap<>();
          if (node != null) {
            placement.put("node", node);
          }
          if (labels != null && !labels.isEmpty()) {
            placement.put("labels", labels);
          }
          ApiClient.Response accepted =
              s.api()
                  .post(
                      "/api/v2/servers/" + ApiClient.segment(id) + "/move",
                      placement.isEmpty() ? Map.of() : Map.of("placement", placement));
          return new OperationWaiter(s)
              .complete(
                  accepted,
                  noWait,
                  op -> s.out().println(NodesCommand.moveLine(op.path("result"))));
        });
  }
}
