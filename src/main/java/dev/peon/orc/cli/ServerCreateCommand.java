package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code peon servers create <game> [<name>] --set KEY=VALUE... --port NAME=N... [--start]
 * [--restart-policy P] [--autostart true|false] [--no-wait]}: the create runs as an operation (the
 * image download with its progress, then folder, network, container and the start if asked),
 * followed with a progress bar unless {@code --no-wait}.
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

  @Option(names = "--start", description = "Start the server once created (same operation).")
  boolean start;

  @Option(
      names = "--no-wait",
      description = "Print the operation id and return; follow it with `peon operations wait`.")
  boolean noWait;

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

  @Mixin PlacementOptions placement = new PlacementOptions();

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
          if (start) {
            body.put("start", true);
          }
          if (placement.any()) {
            body.put("placement", placement.body());
          }
          ApiClient.Response answer = s.api().post("/api/v2/servers", body);
          if (answer.status() == 201) {
            return createdAtOnce(s, answer); // an orchestrator from before create operations
          }
          if (noWait) {
            return new OperationWaiter(s).complete(answer, true, op -> {});
          }
          ApiClient.Response done = new OperationWaiter(s).await(answer);
          JsonNode server = done.json().path("result");
          if (s.json()) {
            s.out().println(server.toString());
          } else {
            s.out()
                .println(
                    (start ? "created and started " : "created ") + server.path("id").asText());
            ServerShowCommand.print(server, s.out());
          }
          return ExitCodes.OK;
        });
  }

  /** The 201 of an older orchestrator: the server itself, then a separate start if asked. */
  private int createdAtOnce(Session s, ApiClient.Response created) {
    String id = created.json().path("id").asText();
    ApiClient.Response now = created;
    if (start) {
      new OperationWaiter(s)
          .await(
              s.api()
                  .post(
                      "/api/v2/servers/" + ApiClient.segment(id) + "/power",
                      Map.of("action", "start")));
      now = s.api().get("/api/v2/servers/" + ApiClient.segment(id));
    }
    if (s.json()) {
      s.printRaw(now);
    } else {
      s.out().println("created " + id);
      ServerShowCommand.print(now.json(), s.out());
    }
    return ExitCodes.OK;
  }
}
