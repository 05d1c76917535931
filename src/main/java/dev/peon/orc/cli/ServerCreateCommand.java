package dev.peon.orc.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code peon servers create <game> [<name>] --set KEY=VALUE... --port NAME=N... [--start]
 * [--restart-policy P] [--autostart true|false]}.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Create a server from a plan (not started unless --start).")
final class ServerCreateCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "<game>", description = "Plan id, e.g. valheim.")
  String game;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "<name>",
      description = "Server name (default: chosen by the orchestrator).")
  String name;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "A plan setting; repeat for more.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = {"-p", "--port"},
      paramLabel = "NAME=N",
      description =
          "A host port for one of the plan's port variables, e.g. PORT=27016; repeat for more."
              + " Ports not given are allocated: the plan's groups first, then ports.range.")
  Map<String, Integer> ports = new LinkedHashMap<>();

  @Option(names = "--description", paramLabel = "D", description = "A free-text description.")
  String description;

  @Option(names = "--start", description = "Start the server after creating it, and wait.")
  boolean start;

  @Option(
      names = "--restart-policy",
      paramLabel = "P",
      description = "After a crash: no, on-failure (default) or always.")
  String restartPolicy;

  @Option(
      names = "--autostart",
      paramLabel = "true|false",
      arity = "1",
      description = "Start again at orchestrator start if it should run (default true).")
  Boolean autostart;

  @Mixin LimitOptions limits = new LimitOptions();

  @Override
  public Integer call() {
    return client.run(
        s -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("game", game);
          if (name != null) {
            body.put("name", name);
          }
          body.put("settings", settings);
          if (!ports.isEmpty()) {
            body.put("ports", ports);
          }
          if (description != null) {
            body.put("description", description);
          }
          if (restartPolicy != null) {
            body.put("restartPolicy", restartPolicy);
          }
          if (autostart != null) {
            body.put("autostart", autostart);
          }
          if (limits.any()) {
            body.put("limits", limits.body());
          }
          ApiClient.Response created = s.api().post("/api/v2/servers", body);
          String id = created.json().path("id").asText();
          if (!start) {
            if (s.json()) {
              s.printRaw(created);
            } else {
              s.out().println("created " + id);
              ServerShowCommand.print(created.json(), s.out());
            }
            return ExitCodes.OK;
          }
          if (!s.json()) {
            s.out().println("created " + id);
          }
          ApiClient.Response accepted =
              s.api()
                  .post(
                      "/api/v2/servers/" + ApiClient.segment(id) + "/power",
                      Map.of("action", "start"));
          new OperationWaiter(s).await(accepted);
          ApiClient.Response now = s.api().get("/api/v2/servers/" + ApiClient.segment(id));
          if (s.json()) {
            s.printRaw(now);
          } else {
            ServerShowCommand.print(now.json(), s.out());
          }
          return ExitCodes.OK;
        });
  }
}
