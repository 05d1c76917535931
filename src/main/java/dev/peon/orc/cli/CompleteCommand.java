package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code peon __complete servers|plans}: the ids a completion script offers, one per line. Hidden;
 * prints nothing and succeeds when the orchestrator cannot answer, so that a shell never shows an
 * error while completing.
 */
@Command(
    name = CompleteCommand.NAME,
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Print server ids or plan ids, one per line (for completion scripts).")
public final class CompleteCommand implements Callable<Integer> {
  static final String NAME = "__complete";
  static final String SERVERS = "servers";
  static final String PLANS = "plans";

  @Mixin ClientOptions client;

  @Parameters(paramLabel = "servers|plans", description = "What to list.")
  String what;

  @Override
  public Integer call() {
    client.mixee.commandLine().setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()));
    client.run(
        s -> {
          String path =
              switch (what) {
                case SERVERS -> "/api/v2/servers";
                case PLANS -> "/api/v2/plans";
                default -> null;
              };
          if (path == null) {
            return ExitCodes.OK;
          }
          try {
            for (JsonNode item : s.api().get(path).json().path("items")) {
              String id = item.path("id").asText("");
              if (!id.isEmpty()) {
                s.out().println(id);
              }
            }
          } catch (CliException e) {
            // unreachable, not signed in, ...: no candidates
          }
          return ExitCodes.OK;
        });
    return ExitCodes.OK;
  }
}
