package dev.peon.orc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peon console <server>}: the live console over the WebSocket, with typing. */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description =
        "Live console of a server: prints its lines, sends each typed line as a command. Ends"
            + " (exit 0) when the server stops.")
public final class ConsoleCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.")
  String server;

  @Option(
      names = {"-n", "--history"},
      paramLabel = "N",
      defaultValue = "100",
      description = "Lines of history first, 0-1000 (default: ${DEFAULT-VALUE}).")
  int history;

  @Option(names = "--no-input", description = "Only watch; do not read stdin.")
  boolean noInput;

  @Option(names = "--timestamps", description = "Prefix each line with its time.")
  boolean timestamps;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          if (history < 0 || history > 1000) {
            throw new CliException(ExitCodes.USAGE, "--history must be from 0 to 1000");
          }
          return ConsoleSocket.follow(s, server, history, timestamps, noInput ? null : System.in);
        });
  }
}
