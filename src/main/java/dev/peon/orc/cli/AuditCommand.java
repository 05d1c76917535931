package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code peon audit}: reads the audit log (needs {@code audit.read}), follows it, checks its hash
 * chain or exports it.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description =
        "Read the audit log, oldest first (--follow to keep polling, --verify to check the hash"
            + " chain, --export to save it as JSON lines).")
public final class AuditCommand implements Callable<Integer> {
  static Duration pollEvery = Duration.ofSeconds(1);

  @Mixin ClientOptions client;

  @Option(names = "--actor", paramLabel = "A", description = "user:<name>, v1-key, scheduler…")
  String actor;

  @Option(names = "--action", paramLabel = "A", description = "e.g. server.power or server.*")
  String action;

  @Option(names = "--target", paramLabel = "T", description = "e.g. a server id.")
  String target;

  @Option(names = "--outcome", paramLabel = "O", description = "success, denied or failure.")
  String outcome;

  @Option(names = "--from", paramLabel = "TIME", description = "Entries at or after (RFC 3339).")
  String from;

  @Option(names = "--after", paramLabel = "ID", description = "Entries after this id.")
  Long after;

  @Option(names = "--limit", paramLabel = "N", description = "Entries per page (1-1000).")
  Integer limit;

  @Option(
      names = "--follow",
      description = "After the matching entries, poll for new ones every second (Ctrl-C stops).")
  boolean follow;

  @Option(names = "--count", paramLabel = "N", description = "With --follow: stop after N entries.")
  int count;

  @Option(
      names = "--verify",
      description = "Check the hash chain: exit 0 when intact, 1 when broken.")
  boolean verify;

  @Option(
      names = "--export",
      paramLabel = "FILE",
      description = "Write the matching entries to FILE as JSON lines.")
  Path export;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          if (verify) {
            return verify(s);
          }
          if (export != null) {
            return export(s);
          }
          return follow ? follow(s) : list(s);
        });
  }

  private int verify(Session s) {
    ApiClient.Response r = s.api().get("/api/v2/audit/verify", 409);
    JsonNode v = r.json();
    boolean ok = r.status() == 200 && v.path("ok").asBoolean();
    if (s.json()) {
      s.printRaw(r);
    } else if (ok) {
      s.out().println("audit log intact: " + v.path("entries").asLong() + " entries");
    } else {
      s.out()
          .println(
              "audit log BROKEN at entry "
                  + v.path("brokenAt").asText("?")
                  + ": "
                  + v.path("reason").asText("?")
                  + " ("
                  + v.path("entries").asLong()
                  + " entries checked)");
    }
    return ok ? ExitCodes.OK : ExitCodes.FAILED;
  }

  private int export(Session s) {
    ApiClient.Response r = s.api().get("/api/v2/audit/export" + query(after, null));
    try {
      Files.writeString(export, r.body(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "cannot write " + export + ": " + e.getMessage());
    }
    long lines = r.body().lines().filter(l -> !l.isBlank()).count();
    s.err().println("exported " + lines + " entries to " + export);
    return ExitCodes.OK;
  }

  private int list(Session s) {
    ApiClient.Response r = s.api().get("/api/v2/audit" + query(after, limit));
    if (s.json()) {
      s.printRaw(r);
      return ExitCodes.OK;
    }
    Table t = header();
    r.json().path("items").forEach(e -> row(t, e, s.times()));
    t.printOr(s, "no audit entries match");
    if (r.json().hasNonNull("next")) {
      s.err().println("more entries: add --after " + r.json().path("next").asText());
    }
    return ExitCodes.OK;
  }

  /** Prints every matching entry, then polls with {@code after=<last id>}. */
  private int follow(Session s) {
    long last = after == null ? 0 : after;
    int seen = 0;
    while (!Thread.currentThread().isInterrupted()) {
      JsonNode page = s.api().get("/api/v2/audit" + query(last, limit)).json();
      for (JsonNode e : page.path("items")) {
        last = e.path("id").asLong();
        if (s.json()) {
          s.out().println(e.toString());
        } else {
          Table t = Table.keyValues();
          row(t, e, s.times());
          t.print(s.out());
        }
        if (count > 0 && ++seen >= count) {
          s.out().flush();
          return ExitCodes.OK;
        }
      }
      s.out().flush();
      if (page.hasNonNull("next")) {
        continue; // a full page: fetch the rest at once
      }
      try {
        Thread.sleep(pollEvery);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ExitCodes.OK;
  }

  private String query(Long afterId, Integer pageSize) {
    List<String> q = new ArrayList<>();
    add(q, "actor", actor);
    add(q, "action", action);
    add(q, "target", target);
    add(q, "outcome", outcome);
    add(q, "from", from);
    if (afterId != null && afterId > 0) {
      q.add("after=" + afterId);
    }
    if (pageSize != null) {
      q.add("limit=" + pageSize);
    }
    return q.isEmpty() ? "" : "?" + String.join("&", q);
  }

  private static void add(List<String> q, String name, String value) {
    if (value != null) {
      q.add(name + "=" + ApiClient.query(value));
    }
  }

  private static Table header() {
    return Table.withHeader("ID", "AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "SOURCE");
  }

  private static void row(Table t, JsonNode e, Times times) {
    t.row(
        e.path("id").asText(),
        times.at(e.path("at").asText()),
        e.path("actor").asText()
            + (e.hasNonNull("keyId") ? " (key " + e.path("keyId").asText() + ")" : ""),
        e.path("action").asText(),
        e.path("target").asText(null),
        e.path("outcome").asText(),
        e.path("source").asText(null));
  }
}
