package dev.peon.orc.plan;

import static dev.peon.orc.plan.PlanFixtures.minimal;
import static dev.peon.orc.plan.PlanFixtures.writePlan;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.PeonCommand;
import dev.peon.orc.compat.PeonV1Routes;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationRoutes;
import dev.peon.orc.operation.OperationService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The plan routes of both APIs and the {@code peon plans} commands on a real HTTP server, with a
 * real catalog syncing from local git repositories: what a user sees when plans are missing or a
 * sync goes wrong.
 */
class PlanSyncRoutesTest {
  private static final String KEY = "test-key-123456";

  @TempDir Path tmp;
  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private OperationService operations;
  private String root;

  record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

  record Cli(int code, String out, String err) {}

  private void boot(PlanSource source) {
    Clock clock = Clock.systemUTC();
    EventBus events = new EventBus(clock);
    operations =
        new OperationService(
            events,
            clock,
            t ->
                t instanceof PlanSyncException e
                    ? PlanRoutes.operationError(e)
                    : new Operation.OperationError("internal", "Internal error", t.toString()));
    toClose.add(operations);
    LocalPlanCatalog catalog = new LocalPlanCatalog(tmp.resolve("data/plans"), source);
    HttpServer http =
        new HttpServer(
            new ConfigLoader()
                .load(
                    null,
                    Map.of(),
                    Map.of(
                        "listen.host",
                        "127.0.0.1",
                        "listen.port",
                        "0",
                        "data.dir",
                        tmp.resolve("data").toString(),
                        "plans.source",
                        tmp.resolve("unused").toString())),
            (address, key) -> AccessCheck.Outcome.ALLOWED,
            List.of(
                new PlanRoutes(catalog, operations, events),
                new OperationRoutes(operations),
                new PeonV1Routes(null, catalog, null, clock, "test")));
    toClose.add(http);
    toClose.add(client::shutdownNow);
    root = "http://127.0.0.1:" + http.start();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private Answer call(String method, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(root + path))
            .header("Authorization", "Bearer " + KEY)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().isEmpty() ? null : mapper.readTree(r.body()), r);
  }

  /** Starts a v2 sync and answers the finished operation. */
  private JsonNode syncV2() throws Exception {
    Answer accepted = call("POST", "/api/v2/plans/sync");
    assertThat(accepted.status()).isEqualTo(202);
    Operation started = operations.find(accepted.body().path("id").asText()).orElseThrow();
    operations.completion(started).get(30, TimeUnit.SECONDS);
    return call("GET", "/api/v2/operations/" + started.id()).body();
  }

  private Cli cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", root, "--api-key", KEY));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = new CommandLine(new PeonCommand());
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(all.toArray(String[]::new));
    return new Cli(code, out.toString(), err.toString());
  }

  private static void commit(Git git, String message) throws Exception {
    PersonIdent me = new PersonIdent("Test", "test@example.org");
    git.add().addFilepattern(".").call();
    git.commit().setMessage(message).setAuthor(me).setCommitter(me).setSign(false).call();
  }

  @Test
  void anEmptyCatalogueSaysHowToGetPlansInV2V1AndTheCli() throws Exception {
    boot(new PlanSource.LocalFolder(tmp.resolve("source")));

    JsonNode v2 = call("GET", "/api/v2/plans").body();
    assertThat(v2.path("items")).isEmpty();
    assertThat(v2.path("hint").asText())
        .contains("No plans yet", "plans.source", "peon plans sync", "POST /api/v2/plans/sync");

    Answer v1 = call("GET", "/api/v1/plans");
    assertThat(v1.raw().body()).isEqualTo("[]");
    assertThat(v1.raw().headers().firstValue("X-Peon-Hint"))
        .hasValueSatisfying(h -> assertThat(h).contains("peon plans sync"));

    Cli list = cli("plans", "list");
    assertThat(list.code()).isZero();
    assertThat(list.out()).startsWith("No plans yet. Plans come from ").contains("plans sync");
  }

  @Test
  void aCatalogueWithPlansHasNoHint() throws Exception {
    Path source = tmp.resolve("source");
    writePlan(source, "ark", minimal("ark"));
    boot(new PlanSource.LocalFolder(source));

    assertThat(syncV2().path("status").asText()).isEqualTo("succeeded");

    assertThat(call("GET", "/api/v2/plans").body().path("hint").isNull()).isTrue();
    assertThat(call("GET", "/api/v1/plans").raw().headers().firstValue("X-Peon-Hint")).isEmpty();
    assertThat(cli("plans", "list").out()).startsWith("ID").contains("ark");
  }

  @Test
  void anUnreachableSourceSaysWhyInTheOperationTheV1AnswerTheCliAndTheHint() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    boot(new PlanSource.GitRepository("http://127.0.0.1:" + closedPort + "/plans.git", ""));

    JsonNode op = syncV2();
    assertThat(op.path("status").asText()).isEqualTo("failed");
    assertThat(op.path("error").path("detail").asText())
        .contains("host unreachable", "(reason: unreachable)", "plans.source");

    Answer v1 = call("PUT", "/api/v1/plans");
    assertThat(v1.status()).isEqualTo(502);
    assertThat(v1.body().path("info").asText(v1.raw().body()))
        .contains("could not be refreshed", "host unreachable");

    Cli sync = cli("plans", "sync");
    assertThat(sync.code()).isEqualTo(1);
    assertThat(sync.err()).contains("plans.sync", "failed", "host unreachable");

    assertThat(call("GET", "/api/v2/plans").body().path("hint").asText())
        .contains("The last sync failed", "host unreachable");
  }

  @Test
  void aCommitBreakingAPlanIsReportedWithFileLineAndColumnInV2AndTheCli() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      Path ark = writePlan(repo, "ark", minimal("ark"));
      writePlan(repo, "rust", minimal("rust"));
      commit(git, "two plans");
      boot(new PlanSource.GitRepository(repo.toUri().toString(), ""));
      JsonNode first = syncV2();
      assertThat(first.path("result").path("added"))
          .extracting(JsonNode::asText)
          .containsExactly("ark", "rust");
      assertThat(first.path("result").path("problems")).isEmpty();

      Files.writeString(ark.resolve("plan.json"), "{\n  \"metadata\": {\n    \"image\" \"x\"\n}\n");
      commit(git, "break ark");
      JsonNode op = syncV2();

      assertThat(op.path("status").asText()).isEqualTo("succeeded");
      JsonNode result = op.path("result");
      assertThat(result.path("plans").asInt()).isEqualTo(2);
      JsonNode problem = result.path("problems").get(0);
      assertThat(problem.path("plan").asText()).isEqualTo("ark");
      assertThat(problem.path("file").asText()).isEqualTo("ark/plan.json");
      assertThat(problem.path("line").asInt()).isEqualTo(3);
      assertThat(problem.path("column").asInt()).isEqualTo(13);
      assertThat(problem.path("message").asText()).startsWith("broken JSON: ");
      assertThat(problem.path("kept").asBoolean()).isTrue();
      assertThat(call("GET", "/api/v2/plans").body().path("items").findValuesAsText("id"))
          .containsExactly("ark", "rust");

      Cli sync = cli("plans", "sync");
      assertThat(sync.code()).as(sync.err()).isZero();
      assertThat(sync.out())
          .contains("plans synced; no new plans")
          .contains(
              "warning: ark/plan.json line 3, column 13: broken JSON: ",
              "; the previous version stays in use");
    }
  }
}
