package dev.peon.orc.app;

import dev.peon.orc.config.ConfigException;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peon serve}: runs the daemon until SIGTERM/SIGINT. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run the orchestrator daemon.")
final class ServeCommand implements Callable<Integer> {

  @Option(
      names = "--config",
      description = "Properties file (default: peon.properties in the working folder, if present).")
  Path configFile;

  @Option(names = "--port", description = "Listen port (listen.port).")
  Integer port;

  @Option(names = "--host", description = "Listen address (listen.host).")
  String host;

  @Option(names = "--data-dir", description = "Data folder (data.dir).")
  String dataDir;

  @Option(names = "--plans", description = "Plan source: git URL or folder (plans.source).")
  String plans;

  @Option(
      names = {"-D", "--set"},
      description = "Any configuration key: --set stop.timeout=60s",
      mapFallbackValue = "")
  Map<String, String> sets = new LinkedHashMap<>();

  @Override
  public Integer call() {
    Map<String, String> flags = new LinkedHashMap<>(sets);
    if (port != null) {
      flags.put("listen.port", port.toString());
    }
    if (host != null) {
      flags.put("listen.host", host);
    }
    if (dataDir != null) {
      flags.put("data.dir", dataDir);
    }
    if (plans != null) {
      flags.put("plans.source", plans);
    }
    Path file = configFile;
    if (file == null) {
      String env = System.getenv("PEON_CONFIG");
      if (env != null) {
        file = Path.of(env);
      } else if (Files.isRegularFile(Path.of("peon.properties"))) {
        file = Path.of("peon.properties");
      }
    }
    OrchestratorConfig config;
    try {
      config = new ConfigLoader().load(file, System.getenv(), flags);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    Application app;
    try {
      app = Application.start(config, Clock.systemUTC());
    } catch (StartupException e) {
      System.err.println("peon: cannot start: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                }));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
