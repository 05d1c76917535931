package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peon webhooks list|add|remove|test|deliveries}: global webhooks, or a server's with {@code
 * --server}. A URL may hold a token (Discord's do): give {@code -} to read it from standard input
 * instead of the command line, where other users of the host could see it.
 */
@Command(
    name = "webhooks",
    mixinStandardHelpOptions = true,
    description = "Notifications to webhooks (generic JSON or Discord), global or per server.")
public final class WebhooksCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  /** Which webhooks: the global ones, or a server's. */
  static final class Scope {
    @Option(
        names = "--server",
        paramLabel = "<server>",
        description = "A server's webhooks (<game>.<name>); global ones without it.")
    String server;

    String path() {
      return server == null
          ? "/api/v2/webhooks"
          : "/api/v2/servers/" + ApiClient.segment(server) + "/webhooks";
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "List webhooks (URLs masked).")
  int list(@Mixin ClientOptions client, @Mixin Scope scope) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get(scope.path());
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t = Table.withHeader("ID", "NAME", "URL", "FORMAT", "EVENTS", "SIGNED", "ENABLED");
          for (JsonNode w : r.json().path("items")) {
            t.row(
                w.path("id").asText(),
                w.path("name").asText(null),
                w.path("url").asText(),
                w.path("format").asText(),
                events(w),
                w.path("secretSet").asBoolean() ? "yes" : "no",
                w.path("enabled").asBoolean(true) ? "yes" : "no");
          }
          t.printOr(s, "no webhooks");
          return ExitCodes.OK;
        });
  }

  @Command(mixinStandardHelpOptions = true, name = "add", description = "Add a webhook.")
  int add(
      @Mixin ClientOptions client,
      @Mixin Scope scope,
      @Parameters(
              paramLabel = "<url>",
              description = "http(s) URL, or - to read it from the first line of standard input.")
          String url,
      @Option(
              names = "--format",
              paramLabel = "json|discord",
              description = "Body format (default: discord for Discord URLs, else json).")
          String format,
      @Option(
              names = "--event",
              paramLabel = "KIND",
              description =
                  "Only these kinds (repeatable): server.crashed, server.crashloop,"
                      + " server.started, server.stopped, backup.succeeded, backup.failed,"
                      + " update.succeeded, update.failed, schedule.failed. Default: all.")
          List<String> events,
      @Option(names = "--name", paramLabel = "TEXT", description = "A label.") String name,
      @Option(
              names = "--secret-stdin",
              description =
                  "Read an HMAC signing secret from standard input (the line after the URL"
                      + " when the URL is -).")
          boolean secretStdin,
      @Option(names = "--disabled", description = "Add it disabled.") boolean disabled) {
    return client.run(
        s -> {
          BufferedReader stdin =
              url.equals("-") || secretStdin
                  ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                  : null;
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("url", url.equals("-") ? line(stdin, "URL") : url);
          if (format != null) {
            body.put("format", format);
          }
          if (events != null && !events.isEmpty()) {
            body.put("events", events);
          }
          if (name != null) {
            body.put("name", name);
          }
          if (secretStdin) {
            body.put("secret", line(stdin, "secret"));
          }
          if (disabled) {
            body.put("enabled", false);
          }
          ApiClient.Response r = s.api().post(scope.path(), body);
          if (s.json()) {
            s.printRaw(r);
          } else {
            JsonNode w = r.json();
            s.out()
                .println(
                    "added webhook "
                        + w.path("id").asText()
                        + " ("
                        + w.path("format").asText()
                        + ") to "
                        + w.path("url").asText()
                        + ", events: "
                        + events(w));
          }
          return ExitCodes.OK;
        });
  }

  @Command(mixinStandardHelpOptions = true, name = "remove", description = "Remove a webhook.")
  int remove(
      @Mixin ClientOptions client,
      @Mixin Scope scope,
      @Parameters(paramLabel = "<id>", description = "Webhook id (wh_...).") String id) {
    return client.run(
        s -> {
          s.api().delete(scope.path() + "/" + ApiClient.segment(id));
          if (!s.json()) {
            s.out().println("removed webhook " + id);
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "test",
      description = "Send a test notification and show how its delivery went.")
  int test(
      @Mixin ClientOptions client,
      @Mixin Scope scope,
      @Parameters(paramLabel = "<id>", description = "Webhook id (wh_...).") String id) {
    return client.run(
        s -> {
          String base = scope.path() + "/" + ApiClient.segment(id);
          ApiClient.Response r = s.api().post(base + "/test", Map.of());
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          long delivery = r.json().path("delivery").asLong();
          JsonNode d = awaitFirstAttempt(s, base, delivery);
          if (d == null) {
            s.out().println("test notification queued as delivery " + delivery);
            return ExitCodes.OK;
          }
          s.out().println("delivery " + delivery + ": " + describe(d, s.times()));
          return d.path("status").asText().equals("delivered") ? ExitCodes.OK : ExitCodes.FAILED;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "deliveries",
      description = "The last deliveries of a webhook, newest first.")
  int deliveries(
      @Mixin ClientOptions client,
      @Mixin Scope scope,
      @Parameters(paramLabel = "<id>", description = "Webhook id (wh_...).") String id,
      @Option(names = "--limit", paramLabel = "N", description = "1 to 50 (default 20).")
          Integer limit) {
    return client.run(
        s -> {
          ApiClient.Response r =
              s.api()
                  .get(
                      scope.path()
                          + "/"
                          + ApiClient.segment(id)
                          + "/deliveries"
                          + (limit == null ? "" : "?limit=" + limit));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t =
              Table.withHeader(
                  "ID", "EVENT", "SERVER", "STATUS", "TRIES", "HTTP", "UPDATED", "ERROR");
          for (JsonNode d : r.json().path("items")) {
            t.row(
                d.path("id").asText(),
                d.path("event").asText(),
                d.path("server").asText(null),
                d.path("status").asText(),
                d.path("attempts").asText(),
                d.path("httpStatus").asText(null),
                s.times().at(d.path("updatedAt").asText()),
                d.path("error").asText(null));
          }
          t.printOr(s, "no deliveries");
          return ExitCodes.OK;
        });
  }

  /** Polls the deliveries until the test's first try is over (at most about 15 s), or null. */
  private static JsonNode awaitFirstAttempt(Session s, String base, long delivery) {
    for (int i = 0; i < 60; i++) {
      for (JsonNode d : s.api().get(base + "/deliveries?limit=50").json().path("items")) {
        if (d.path("id").asLong() == delivery && d.path("attempts").asInt() > 0) {
          return d;
        }
      }
      try {
        Thread.sleep(250); // a poll interval: the API has no completion to wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private static String describe(JsonNode d, Times times) {
    String status = d.path("status").asText();
    String http = d.hasNonNull("httpStatus") ? " (HTTP " + d.path("httpStatus").asText() + ")" : "";
    String error = d.hasNonNull("error") ? ": " + d.path("error").asText() : "";
    String next =
        d.hasNonNull("nextAttemptAt")
            ? ", next try at " + times.at(d.path("nextAttemptAt").asText())
            : "";
    return status + http + error + next;
  }

  private static String events(JsonNode w) {
    StringBuilder b = new StringBuilder();
    for (JsonNode e : w.path("events")) {
      b.append(b.isEmpty() ? "" : ",").append(e.asText());
    }
    return b.isEmpty() ? "all" : b.toString();
  }

  private static String line(BufferedReader in, String what) {
    try {
      String line = in.readLine();
      if (line == null || line.isBlank()) {
        throw new CliException(ExitCodes.USAGE, "no " + what + " on standard input");
      }
      return line.strip();
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, "cannot read the " + what + " from standard input");
    }
  }
}
