package dev.peon.orc.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code peon command <server> <text...>}: one line to the game's stdin. */
@Command(
    name = "command",
    mixinStandardHelpOptions = true,
    description = "Send one command line to a running server's console.")
public final class CommandCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "<server>", description = "Server id <game>.<name>.")
  String server;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "<text>",
      description = "The command; the words are joined by spaces.")
  List<String> words;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          ApiClient.Response r =
              s.api()
                  .post(
                      "/api/v2/servers/" + ApiClient.segment(server) + "/command",
                      Map.of("text", String.join(" ", words)));
          if (s.json()) {
            s.printRaw(r);
          }
          return ExitCodes.OK;
        });
  }
}
