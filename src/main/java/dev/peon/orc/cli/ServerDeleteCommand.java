package dev.peon.orc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peon servers delete <id> [--delete-files [--yes]]}. */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description =
        "Delete a server's container and record. Its folder stays unless --delete-files, which"
            + " asks you to type the id (or --yes).")
final class ServerDeleteCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.")
  String id;

  @Option(names = "--delete-files", description = "Also delete the server folder and game data.")
  boolean deleteFiles;

  @Option(names = "--yes", description = "Do not ask before deleting files.")
  boolean yes;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          if (deleteFiles && !yes) {
            confirm(s);
          }
          String path =
              "/api/v2/servers/"
                  + ApiClient.segment(id)
                  + (deleteFiles ? "?deleteFiles=true&confirm=" + ApiClient.query(id) : "");
          ApiClient.Response r = s.api().delete(path);
          if (s.json()) {
            if (!r.body().isBlank()) {
              s.printRaw(r);
            }
          } else {
            s.out().println("deleted " + id + (deleteFiles ? " and its files" : " (files kept)"));
          }
          return ExitCodes.OK;
        });
  }

  private void confirm(Session s) {
    if (!s.terminal().interactive()) {
      throw new CliException(
          ExitCodes.USAGE,
          "refusing to delete the files of " + id + " without --yes when not interactive");
    }
    String typed =
        s.terminal().readLine("This deletes every file of " + id + ". Type its id to confirm: ");
    if (typed == null || !typed.strip().equals(id)) {
      throw new CliException(ExitCodes.USAGE, "not confirmed; nothing was deleted");
    }
  }
}
