package dev.peon.orc.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code peon logout}: revokes the key {@code peon login} saved and removes it from the config. */
@Command(
    name = "logout",
    mixinStandardHelpOptions = true,
    description =
        "Revoke the API key saved by 'peon login' and remove it from the CLI config file.")
public final class LogoutCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(
      names = "--keep-key",
      description = "Only forget the key here; leave it valid on the orchestrator.")
  boolean keepKey;

  @Override
  public Integer call() {
    Path config = client.configPath();
    String key = ClientSettings.property(config, LoginCommand.KEY);
    String id = ClientSettings.property(config, LoginCommand.KEY_ID);
    if (key == null) {
      client.mixee.commandLine().getErr().println("not logged in: no key in " + config);
      client.mixee.commandLine().getErr().flush();
      return ExitCodes.OK;
    }
    return client.run(
        s -> {
          String revoked = "";
          if (!keepKey && id != null) {
            try {
              // with the saved key itself: a key may revoke itself
              new ApiClient(s.api().base(), new dev.peon.orc.config.Secret(key))
                  .delete("/api/v2/keys/" + ApiClient.segment(id));
              revoked = "revoked key " + id + " and ";
            } catch (CliException e) {
              s.err().println("could not revoke key " + id + " (" + e.getMessage() + ")");
            }
          }
          Map<String, String> changes = new LinkedHashMap<>();
          changes.put(LoginCommand.KEY, null);
          changes.put(LoginCommand.KEY_ID, null);
          ClientSettings.store(config, changes);
          s.err().println(revoked + "removed it from " + config);
          return ExitCodes.OK;
        });
  }
}
