package dev.peon.orc.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peon servers ...}; the four power verbs are methods, the rest their own classes. */
@Command(
    name = "servers",
    mixinStandardHelpOptions = true,
    description = "List, create, power and delete game servers.",
    subcommands = {
      ServerListCommand.class,
      ServerShowCommand.class,
      ServerCreateCommand.class,
      ServerUpdateCommand.class,
      ServerMoveCommand.class,
      ServerSetCommand.class,
      ServerDeleteCommand.class
    })
public final class ServersCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "start",
      description = "Start a server and wait until it runs.")
  int start(
      @Mixin ClientOptions client,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait,
      @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.") String id) {
    return client.run(s -> power(s, id, "start", noWait));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "stop",
      description = "Stop a server (grace period, then kill).")
  int stop(
      @Mixin ClientOptions client,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait,
      @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.") String id) {
    return client.run(s -> power(s, id, "stop", noWait));
  }

  @Command(mixinStandardHelpOptions = true, name = "restart", description = "Restart a server.")
  int restart(
      @Mixin ClientOptions client,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait,
      @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.") String id) {
    return client.run(s -> power(s, id, "restart", noWait));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "kill",
      description = "Kill a server now, even while another action runs.")
  int kill(
      @Mixin ClientOptions client,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait,
      @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.") String id) {
    return client.run(s -> power(s, id, "kill", noWait));
  }

  static int power(Session s, String id, String action, boolean noWait) {
    ApiClient.Response accepted =
        s.api()
            .post("/api/v2/servers/" + ApiClient.segment(id) + "/power", Map.of("action", action));
    return new OperationWaiter(s)
        .complete(
            accepted,
            noWait,
            op -> s.out().println(id + ": " + op.path("result").path("state").asText("done")));
  }
}
