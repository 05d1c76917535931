package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peon plans list|show|sync}. */
@Command(
    name = "plans",
    mixinStandardHelpOptions = true,
    description = "The plans (game recipes) servers are created from.")
public final class PlansCommand implements Runnable {
  static final String NO_PLANS =
      "No plans yet. Set the source with plans.source (PEON_PLANS_SOURCE, peon serve --plans)"
          + " and fetch them with `peon plans sync`.";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  @Command(name = "list", description = "List the plans.")
  int list(@Mixin ClientOptions client) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/plans");
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          if (r.json().path("items").isEmpty()) {
            s.out().println(r.json().path("hint").asText(NO_PLANS));
            return ExitCodes.OK;
          }
          Table t = Table.withHeader("ID", "TITLE", "VERSION", "IMAGE", "WARNINGS");
          for (JsonNode p : r.json().path("items")) {
            t.row(
                p.path("id").asText(),
                p.path("title").asText(null),
                p.path("version").asText(null),
                p.path("image").asText(null),
                p.path("warnings").size());
          }
          t.print(s.out());
          return ExitCodes.OK;
        });
  }

  @Command(name = "show", description = "Show a plan: its settings, ports and volumes.")
  int show(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<id>", description = "Plan id, e.g. valheim.") String id) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/plans/" + ApiClient.segment(id));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          JsonNode p = r.json();
          List<String> groups = new ArrayList<>();
          for (JsonNode g : p.path("portGroups")) {
            List<String> entries = new ArrayList<>();
            for (JsonNode e : g) {
              entries.add(
                  e.path("name").asText()
                      + "="
                      + e.path("port").asText()
                      + "/"
                      + e.path("protocol").asText());
            }
            groups.add(String.join(",", entries));
          }
          Table.keyValues()
              .row("id", p.path("id").asText())
              .row("title", p.path("title").asText(null))
              .row("version", p.path("version").asText(null))
              .row("image", p.path("image").asText(null))
              .row("mode", p.path("mode").asText(null))
              .row("description", p.path("description").asText(null))
              .row("port groups", String.join(" | ", groups))
              .print(s.out());
          Table vars = Table.withHeader("SETTING", "REQUIRED", "DEFAULT");
          for (JsonNode v : p.path("variables")) {
            vars.row(
                v.path("name").asText(),
                v.path("required").asBoolean() ? "yes" : "no",
                v.path("default").isNull() ? null : v.path("default").asText());
          }
          if (!vars.isEmpty()) {
            s.out().println();
            vars.print(s.out());
          }
          for (JsonNode w : p.path("warnings")) {
            s.out().println("warning: " + w.asText());
          }
          return ExitCodes.OK;
        });
  }

  @Command(name = "sync", description = "Fetch the plans from their source again.")
  int sync(
      @Mixin ClientOptions client,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait) {
    return client.run(
        s -> {
          ApiClient.Response accepted = s.api().post("/api/v2/plans/sync", null);
          return new OperationWaiter(s)
              .complete(
                  accepted,
                  noWait,
                  op -> {
                    List<String> added = new ArrayList<>();
                    op.path("result").path("added").forEach(a -> added.add(a.asText()));
                    s.out()
                        .println(
                            added.isEmpty()
                                ? "plans synced; no new plans"
                                : "plans synced; new: " + String.join(", ", added));
                    for (JsonNode p : op.path("result").path("problems")) {
                      s.out().println("warning: " + problem(p));
                    }
                  });
        });
  }

  /** {@code ark/plan.json line 3, column 7: broken JSON: ...; the previous version stays}. */
  static String problem(JsonNode p) {
    String where = p.path("file").asText();
    if (p.path("line").isNumber()) {
      where += " line " + p.path("line").asInt() + ", column " + p.path("column").asInt();
    }
    String outcome;
    if (p.path("kept").asBoolean()) {
      outcome = "the previous version stays in use";
    } else {
      outcome = p.path("plan").isTextual() ? "the plan is not available" : "plan folders listed";
    }
    return where + ": " + p.path("message").asText() + "; " + outcome;
  }
}
