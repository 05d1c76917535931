package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peon servers set <id> [--set K=V]... [--unset K]... [--description D] [--restart-policy P]
 * [--autostart true|false] [--memory SIZE] [--cpus N] [--pids N]}.
 */
@Command(
    name = "set",
    mixinStandardHelpOptions = true,
    description =
        "Change a server's settings, description, supervision (restart policy, autostart) and"
            + " resource limits. Settings and limits apply at its next start.")
final class ServerSetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Parameters(paramLabel = "<id>", description = "Server id <game>.<name>.")
  String id;

  @Option(
      names = "--restart-policy",
      paramLabel = "P",
      description = "After a crash: no, on-failure or always.")
  String restartPolicy;

  @Option(
      names = "--autostart",
      paramLabel = "true|false",
      arity = "1",
      description = "Start again at orchestrator start if it should run.")
  Boolean autostart;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "Change a plan setting; repeat for more. The value is never printed back.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = "--unset",
      paramLabel = "KEY",
      description = "Return a setting to its plan default; repeat for more.")
  List<String> unset = new ArrayList<>();

  @Option(names = "--description", paramLabel = "TEXT", description = "A new description.")
  String description;

  @Mixin LimitOptions limits = new LimitOptions();

  @Override
  public Integer call() {
    if (restartPolicy == null
        && autostart == null
        && !limits.any()
        && settings.isEmpty()
        && unset.isEmpty()
        && description == null) {
      throw new ParameterException(
          spec.commandLine(),
          "Nothing to change: give --set, --unset, --description, --restart-policy, --autostart,"
              + " --memory, --cpus or --pids");
    }
    for (String k : unset) {
      if (settings.containsKey(k)) {
        throw new ParameterException(
            spec.commandLine(), "Setting " + k + " is both set and unset: give one");
      }
    }
    return client.run(
        s -> {
          Map<String, Object> body = new LinkedHashMap<>();
          if (description != null) {
            body.put("description", description);
          }
          if (!settings.isEmpty() || !unset.isEmpty()) {
            Map<String, String> changes = new LinkedHashMap<>(settings);
            unset.forEach(k -> changes.put(k, null)); // null: back to the plan's default
            body.put("settings", changes);
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
          ApiClient.Response r = s.api().patch("/api/v2/servers/" + ApiClient.segment(id), body);
          if (s.json()) {
            s.printRaw(r);
          } else {
            ServerShowCommand.print(withoutEcho(r.json()), s.out(), s.times());
          }
          return ExitCodes.OK;
        });
  }

  /** The answer with the values just typed replaced: a secret is never echoed to the screen. */
  private JsonNode withoutEcho(JsonNode server) {
    if (!(server instanceof ObjectNode copy) || !(copy.get("settings") instanceof ObjectNode)) {
      return server;
    }
    ObjectNode out = copy.deepCopy();
    ObjectNode shown = (ObjectNode) out.get("settings");
    settings.keySet().forEach(k -> shown.put(k, "(changed)"));
    unset.forEach(k -> shown.put(k, shown.path(k).asText("") + " (plan default)"));
    return out;
  }
}
