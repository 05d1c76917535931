package dev.peon.orc.cli;

import java.util.LinkedHashMap;
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
 * {@code peon servers set <id> [--restart-policy P] [--autostart true|false] [--memory SIZE]
 * [--cpus N] [--pids N]}.
 */
@Command(
    name = "set",
    mixinStandardHelpOptions = true,
    description =
        "Change how a server is supervised (restart policy, autostart) and its resource limits"
            + " (applied at its next start).")
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

  @Mixin LimitOptions limits = new LimitOptions();

  @Override
  public Integer call() {
    if (restartPolicy == null && autostart == null && !limits.any()) {
      throw new ParameterException(
          spec.commandLine(),
          "Nothing to change: give --restart-policy, --autostart, --memory, --cpus or --pids");
    }
    return client.run(
        s -> {
          Map<String, Object> body = new LinkedHashMap<>();
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
            ServerShowCommand.print(r.json(), s.out(), s.times());
          }
          return ExitCodes.OK;
        });
  }
}
