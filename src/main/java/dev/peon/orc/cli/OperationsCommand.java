package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peon operations list|show|wait}: the long actions (creates, power, updates, backups) the
 * orchestrator runs in the background, e.g. after a {@code --no-wait}.
 */
@Command(
    name = "operations",
    mixinStandardHelpOptions = true,
    description = "List, show and wait for background operations (the last 1,000 are kept).")
public final class OperationsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "Recent operations, newest first.")
  int list(
      @Mixin ClientOptions client,
      @Option(names = "--server", paramLabel = "ID", description = "Only those of this server.")
          String server,
      @Option(
              names = "--status",
              paramLabel = "S",
              description = "Only those with this status: queued, running, succeeded, failed.")
          String status) {
    return client.run(
        s -> {
          List<String> query = new ArrayList<>();
          if (server != null) {
            query.add("server=" + ApiClient.query(server));
          }
          if (status != null) {
            query.add("status=" + ApiClient.query(status));
          }
          ApiClient.Response r =
              s.api()
                  .get(
                      "/api/v2/operations"
                          + (query.isEmpty() ? "" : "?" + String.join("&", query)));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t = Table.withHeader("ID", "KIND", "SERVER", "STATUS", "CREATED", "PROGRESS");
          for (JsonNode op : r.json().path("items")) {
            t.row(
                op.path("id").asText(),
                op.path("kind").asText(),
                op.path("server").asText(null),
                op.path("status").asText(),
                s.times().at(op.path("createdAt").asText(null)),
                progressText(op));
          }
          t.printOr(s, "no operations");
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "show",
      description = "One operation: status, progress, error or result.")
  int show(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<id>", description = "Operation id op_...") String id) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/operations/" + ApiClient.segment(id));
          if (s.json()) {
            s.printRaw(r);
          } else {
            print(r.json(), s.out(), s.times());
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "wait",
      description = "Follow an operation with its progress until it ends (exit 1 if it failed).")
  int await(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<id>", description = "Operation id op_...") String id) {
    return client.run(
        s -> {
          ApiClient.Response now = s.api().get("/api/v2/operations/" + ApiClient.segment(id));
          return new OperationWaiter(s).complete(now, false, op -> print(op, s.out(), s.times()));
        });
  }

  /** Key-value lines of an operation; the result as JSON. */
  static void print(JsonNode op, PrintWriter out, Times times) {
    Table t = Table.keyValues();
    t.row("id", op.path("id").asText());
    t.row("kind", op.path("kind").asText());
    t.row("server", op.path("server").asText(null));
    t.row("status", op.path("status").asText());
    t.row("progress", progressText(op));
    t.row("created", times.atRelative(op.path("createdAt").asText(null)));
    t.row("started", times.at(op.path("startedAt").asText(null)));
    t.row("finished", times.at(op.path("finishedAt").asText(null)));
    JsonNode e = op.path("error");
    if (e.isObject()) {
      String detail = e.path("detail").asText("");
      t.row("error", e.path("title").asText() + (detail.isEmpty() ? "" : ": " + detail));
    }
    JsonNode result = op.path("result");
    if (!result.isMissingNode() && !result.isNull()) {
      t.row("result", result.toString());
    }
    t.print(out);
  }

  private static String progressText(JsonNode op) {
    JsonNode p = op.path("progress");
    JsonNode d = p.path("download");
    String text =
        d.isObject()
            ? ProgressDisplay.download(d)
            : p.path("message").asText(null) == null ? "" : p.path("message").asText();
    return (p.path("percent").isNumber() ? p.path("percent").asInt() + "% " : "") + text;
  }
}
