package dev.peon.orc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every client command shares, and the one place that turns failures into codes. */
final class ClientOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "Orchestrator URL (env PEON_URL, config 'url'; default http://127.0.0.1:5000).")
  String url;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      description =
          "API key (env PEON_API_KEY, config 'api-key', else data/api-key in this folder).")
  String apiKey;

  @Option(
      names = "--api-key-file",
      paramLabel = "FILE",
      description = "Read the API key from FILE.")
  Path apiKeyFile;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "CLI properties file (default ~/.config/peon/cli.properties).")
  Path configFile;

  @Option(names = "--json", description = "Print the API's JSON unchanged instead of a table.")
  boolean json;

  @Option(
      names = "--utc",
      description = "Show times in UTC (default: the local zone, or the TZ environment variable).")
  boolean utc;

  /** Set by commands that create the config file. */
  boolean configMayBeMissing;

  /** The CLI config file these options name (or the default one). */
  Path configPath() {
    return ClientSettings.configPath(configFile, Path.of(System.getProperty("user.home")));
  }

  /** A command body; answers the exit code. */
  interface Body {
    int run(Session session);
  }

  /** Resolves the settings, runs the body and maps every failure to its message and exit code. */
  int run(Body body) {
    PrintWriter out = mixee.commandLine().getOut();
    PrintWriter err = mixee.commandLine().getErr();
    try {
      ClientSettings settings =
          ClientSettings.resolve(
              new ClientSettings.Flags(url, apiKey, apiKeyFile, configFile, configMayBeMissing),
              System.getenv(),
              Path.of("").toAbsolutePath(),
              Path.of(System.getProperty("user.home")));
      ApiClient api = new ApiClient(settings.url(), settings.apiKey());
      return body.run(
          new Session(
              api,
              out,
              err,
              json,
              Terminal.system(),
              Times.of(utc, System.getenv(), Clock.systemUTC())));
    } catch (CliException e) {
      e.lines().forEach(err::println);
      return e.exitCode();
    } finally {
      out.flush();
      err.flush();
    }
  }
}
