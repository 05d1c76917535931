package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peon schedules list|add|enable|disable|remove}. */
@Command(
    name = "schedules",
    mixinStandardHelpOptions = true,
    description = "Timed actions of a server (cron or one-shot).")
public final class SchedulesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  /** Exactly one of --cron and --at. */
  static final class When {
    @Option(
        names = "--cron",
        paramLabel = "EXPR",
        required = true,
        description = "5 fields (min hour dom month dow) or 6 with seconds first.")
    String cron;

    @Option(
        names = "--at",
        paramLabel = "TIME",
        required = true,
        description = "One shot at an RFC 3339 time, e.g. 2026-12-24T18:00:00Z.")
    String at;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "List a server's schedules.")
  int list(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.")
          String server) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get(path(server));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t =
              Table.withHeader(
                  "ID", "ACTION", "WHEN", "ZONE", "ENABLED", "MISFIRE", "NEXT RUN", "LAST RESULT");
          for (JsonNode sc : r.json().path("items")) {
            t.row(
                sc.path("id").asText(),
                action(sc),
                when(sc, s.times()),
                sc.path("timeZone").asText(null),
                sc.path("enabled").asBoolean(true) ? "yes" : "no",
                sc.path("misfire").asText(null),
                s.times().at(sc.path("nextRun").asText(null)),
                sc.path("lastResult").path("status").asText(null));
          }
          t.printOr(s, "no schedules for " + server);
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "add",
      description = "Add a schedule to a server.")
  int add(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.") String server,
      @Option(
              names = "--action",
              paramLabel = "A",
              required = true,
              description = "start, stop, restart, update, backup or command (with --step).")
          String action,
      @Option(
              names = "--step",
              paramLabel = "STEP",
              description = {
                "A step of a command schedule, in order; repeat for more:",
                "  'wait 5m' pauses (all waits at most 1h),",
                "  'start', 'stop', 'restart' or 'backup' alone ends with that action,",
                "  'send TEXT' types TEXT (also a word like stop),",
                "  anything else is typed into the console as it is.",
                "E.g. --step 'say restarting in 5 minutes' --step 'wait 5m' --step restart"
              })
          List<String> steps,
      @ArgGroup(exclusive = true, multiplicity = "1") When when,
      @Option(names = "--tz", paramLabel = "ZONE", description = "IANA time zone (default UTC).")
          String zone,
      @Option(names = "--misfire", paramLabel = "skip|run-once", description = "After downtime.")
          String misfire,
      @Option(names = "--mode", paramLabel = "M", description = "Update mode of an update.")
          String mode) {
    return client.run(
        s -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("action", action);
          if (when.cron != null) {
            body.put("cron", when.cron);
          } else {
            body.put("at", when.at);
          }
          if (zone != null) {
            body.put("timeZone", zone);
          }
          if (misfire != null) {
            body.put("misfire", misfire);
          }
          if (mode != null) {
            body.put("updateMode", mode);
          }
          if (steps != null && !steps.isEmpty()) {
            body.put("steps", steps(steps));
          }
          ApiClient.Response r = s.api().post(path(server), body);
          if (s.json()) {
            s.printRaw(r);
          } else {
            JsonNode sc = r.json();
            s.out()
                .println(
                    "added schedule "
                        + sc.path("id").asText()
                        + ": "
                        + action(sc)
                        + " "
                        + when(sc, s.times())
                        + " ("
                        + sc.path("timeZone").asText("UTC")
                        + "), next run "
                        + s.times().atRelative(sc.path("nextRun").asText("-")));
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "enable",
      description = "Enable a schedule: it runs again at its next time.")
  int enable(
      @Mixin ClientOptions client,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = "<sid>", description = "Schedule id.") long sid) {
    return client.run(s -> setEnabled(s, server, sid, true));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "disable",
      description = "Disable a schedule without removing it.")
  int disable(
      @Mixin ClientOptions client,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = "<sid>", description = "Schedule id.") long sid) {
    return client.run(s -> setEnabled(s, server, sid, false));
  }

  private static int setEnabled(Session s, String server, long sid, boolean on) {
    ApiClient.Response r = s.api().patch(path(server) + "/" + sid, Map.of("enabled", on));
    if (s.json()) {
      s.printRaw(r);
    } else {
      JsonNode sc = r.json();
      s.out()
          .println(
              (on ? "enabled" : "disabled")
                  + " schedule "
                  + sid
                  + " of "
                  + server
                  + (on
                      ? ", next run " + s.times().atRelative(sc.path("nextRun").asText("-"))
                      : ""));
    }
    return ExitCodes.OK;
  }

  /**
   * The wire form of {@code --step} texts: {@code wait 5m} pauses, a lone {@code
   * start|stop|restart|backup} is the final action, {@code send TEXT} types TEXT, anything else is
   * typed as it is. The orchestrator checks the result.
   */
  static List<Map<String, String>> steps(List<String> texts) {
    List<Map<String, String>> out = new ArrayList<>();
    for (String raw : texts) {
      String t = raw.strip();
      String[] words = t.split("\\s+", 2);
      if (words[0].equals("wait") && words.length == 2) {
        out.add(Map.of("wait", words[1].strip()));
      } else if (words.length == 1 && FINAL_ACTIONS.contains(words[0])) {
        out.add(Map.of("action", words[0]));
      } else if (words[0].equals("send") && words.length == 2) {
        out.add(Map.of("command", words[1].strip()));
      } else {
        out.add(Map.of("command", t));
      }
    }
    return out;
  }

  private static final List<String> FINAL_ACTIONS = List.of("start", "stop", "restart", "backup");

  @Command(mixinStandardHelpOptions = true, name = "remove", description = "Remove a schedule.")
  int remove(
      @Mixin ClientOptions client,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = "<sid>", description = "Schedule id.") long sid) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().delete(path(server) + "/" + sid);
          if (s.json()) {
            if (!r.body().isBlank()) {
              s.printRaw(r);
            }
          } else {
            s.out().println("removed schedule " + sid + " of " + server);
          }
          return ExitCodes.OK;
        });
  }

  private static String path(String server) {
    return "/api/v2/servers/" + ApiClient.segment(server) + "/schedules";
  }

  private static String action(JsonNode sc) {
    String a = sc.path("action").asText();
    if (sc.path("steps").isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode step : sc.path("steps")) {
        var f = step.properties().iterator();
        if (f.hasNext()) {
          var e = f.next();
          parts.add(
              switch (e.getKey()) {
                case "command" -> "'" + e.getValue().asText() + "'";
                case "wait" -> "wait " + e.getValue().asText();
                default -> e.getValue().asText();
              });
        }
      }
      return a + ": " + String.join(", ", parts);
    }
    String mode = sc.path("updateMode").asText(null);
    return mode == null ? a : a + " (" + mode + ")";
  }

  private static String when(JsonNode sc, Times times) {
    return sc.hasNonNull("cron")
        ? "cron '" + sc.path("cron").asText() + "'"
        : "at " + times.at(sc.path("at").asText("-"));
  }
}
