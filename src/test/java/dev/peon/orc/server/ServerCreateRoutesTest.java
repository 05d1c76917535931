package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Problem;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationRoutes;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.store.Database;
import dev.peon.orc.store.IdempotencyStore;
import dev.peon.orc.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 create as an operation, on {@link ServerRoutes} and {@link OperationRoutes} booted on a
 * real server with a fake runtime: checks answer at once, the slow part runs in the operation.
 */
class ServerCreateRoutesTest {
  private static final String IMAGE = "example/slowimage:1";
  private static final String PLAN =
      """
      {
        'metadata': {'game_uid': 'opgame', 'warcamp': 'default', 'version': '1.0.0',
                     'description': 'x', 'mode': 'steamcmd', 'hostname': 'peon.warcamp.opgame',
                     'image': 'example/slowimage:1'},
        'ports': [ [ { 'PORT': ['27115', 'udp'] } ] ],
        'environment': { 'SERVER_NAME': null, 'SERVER_PASS': 'x' },
        'volumes': { '~!/data': '/data' },
        'files': {}
      }
      """
          .replace('\'', '"');

  @TempDir Path tmp;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private FakeContainerRuntime runtime;
  private OperationService operations;
  private ServerService servers;
  private Database db;
  private String root;

  record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

  @BeforeEach
  void boot() throws Exception {
    Path planDir = Files.createDirectories(tmp.resolve("plans").resolve("opgame"));
    Files.writeString(planDir.resolve("plan.json"), PLAN);
    FixedPlanCatalog plans = new FixedPlanCatalog();
    plans.add(planDir);
    runtime = new FakeContainerRuntime(clock);
    runtime.addRegistryImage(IMAGE, Map.of());
    OrchestratorConfig config =
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
                    tmp.resolve("plans").toString()));
    db = Database.open(tmp.resolve("data").resolve("peon.db"));
    toClose.add(db);
    EventBus bus = new EventBus(clock);
    servers = new ServerService(config, db, plans, runtime, new FakeHostPorts(), clock, bus);
    toClose.add(servers::close);
    servers.reconcile();
    operations =
        new OperationService(
            bus,
            clock,
            t -> {
              Problem p =
                  t instanceof ServerException se
                      ? ServerRoutes.problem(se)
                      : Problem.of("internal", 500, String.valueOf(t));
              return new Operation.OperationError(p.type(), p.title(), p.detail());
            });
    toClose.add(operations);
    HttpServer http =
        new HttpServer(
            config,
            (address, key) -> AccessCheck.Outcome.ALLOWED,
            List.of(
                new ServerRoutes(
                    servers,
                    operations,
                    id -> java.util.Optional.empty(),
                    new IdempotencyStore(db, clock),
                    false),
                new OperationRoutes(operations)));
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

  private Answer call(String method, String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(root + path))
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().isEmpty() ? null : mapper.readTree(r.body()), r);
  }

  private Answer create(String body) throws Exception {
    return call("POST", "/api/v2/servers", body, Map.of());
  }

  private Operation finished(Answer accepted) throws Exception {
    Operation op = operations.find(accepted.body().path("id").asText()).orElseThrow();
    return operations.completion(op).get(30, TimeUnit.SECONDS);
  }

  private static final String BODY =
      "{\"game\": \"opgame\", \"name\": \"one\", \"settings\": {\"SERVER_NAME\": \"x\","
          + " \"SERVER_PASS\": \"hunter2\"}}";

  @Test
  void answers202WithAnOperationThatDownloadsTheImageAndCarriesTheServer() throws Exception {
    CountDownLatch pull = runtime.holdNextPull();

    Answer accepted = create(BODY);

    assertThat(accepted.status()).as(accepted.raw().body()).isEqualTo(202);
    String opId = accepted.body().path("id").asText();
    assertThat(accepted.body().path("kind").asText()).isEqualTo("server.create");
    assertThat(accepted.body().path("server").asText()).isEqualTo("opgame.one");
    assertThat(accepted.raw().headers().firstValue("Location"))
        .contains("/api/v2/operations/" + opId);
    dev.peon.orc.testing.Await.until(runtime::pullHeld);
    // while the image downloads the server is not there yet, and its name is taken
    assertThat(call("GET", "/api/v2/servers/opgame.one", null, Map.of()).status()).isEqualTo(404);
    Answer again = create(BODY);
    assertThat(again.status()).isEqualTo(409);
    JsonNode running = call("GET", "/api/v2/operations/" + opId, null, Map.of()).body();
    assertThat(running.path("status").asText()).isEqualTo("running");
    assertThat(running.path("progress").path("step").asText()).isEqualTo("pull");

    pull.countDown();
    Operation done = finished(accepted);

    assertThat(done.status()).isEqualTo(Operation.Status.SUCCEEDED);
    JsonNode result = call("GET", "/api/v2/operations/" + opId, null, Map.of()).body();
    assertThat(result.path("result").path("id").asText()).isEqualTo("opgame.one");
    assertThat(result.path("result").path("state").asText()).isEqualTo("created");
    // the result is readable by whoever may read operations: secrets stay masked
    assertThat(result.path("result").path("settings").path("SERVER_PASS").asText())
        .isEqualTo(SecretNames.MASK);
    assertThat(runtime.pulls()).containsExactly(IMAGE);
    assertThat(call("GET", "/api/v2/servers/opgame.one", null, Map.of()).status()).isEqualTo(200);
  }

  @Test
  void refusesABadRequestAtOnceAndStartsNoOperation() throws Exception {
    Answer missing = create("{\"game\": \"opgame\", \"name\": \"two\"}");
    Answer unknown = create("{\"game\": \"nogame\", \"name\": \"two\"}");

    assertThat(missing.status()).isEqualTo(400);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(operations.list(null, null)).isEmpty();
    assertThat(runtime.pulls()).isEmpty();
    assertThat(tmp.resolve("data").resolve("servers").resolve("opgame").resolve("two"))
        .doesNotExist();
  }

  @Test
  void startsTheServerInTheSameOperationWhenAsked() throws Exception {
    Answer accepted =
        create(
            "{\"game\": \"opgame\", \"name\": \"three\", \"start\": true,"
                + " \"settings\": {\"SERVER_NAME\": \"x\"}}");

    Operation done = finished(accepted);

    assertThat(done.status())
        .as(String.valueOf(done.error()))
        .isEqualTo(Operation.Status.SUCCEEDED);
    assertThat(servers.get(ServerId.parse("opgame.three")).containerState())
        .isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void aFailedDownloadFailsTheOperationAndLeavesNothingSoARetryWorks() throws Exception {
    runtime.failPull(IMAGE, RuntimeFailure.Kind.REGISTRY_UNREACHABLE);

    Operation failed = finished(create(BODY));

    assertThat(failed.status()).isEqualTo(Operation.Status.FAILED);
    assertThat(failed.error().type()).isEqualTo("upstream-failure");
    assertThat(servers.find(ServerId.parse("opgame.one"))).isEmpty();
    assertThat(tmp.resolve("data").resolve("servers").resolve("opgame").resolve("one"))
        .doesNotExist();

    runtime.clearPullFailure(IMAGE);
    Answer retry = create(BODY);
    assertThat(retry.status()).isEqualTo(202);
    assertThat(finished(retry).status()).isEqualTo(Operation.Status.SUCCEEDED);
  }

  @Test
  void aRetryWithTheSameIdempotencyKeyAnswersTheSameOperation() throws Exception {
    CountDownLatch pull = runtime.holdNextPull();
    Map<String, String> key = Map.of("Idempotency-Key", "create-one-1");

    Answer first = call("POST", "/api/v2/servers", BODY, key);
    dev.peon.orc.testing.Await.until(runtime::pullHeld);
    Answer retry = call("POST", "/api/v2/servers", BODY, key);

    assertThat(first.status()).isEqualTo(202);
    assertThat(retry.status()).isEqualTo(202);
    assertThat(retry.raw().headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(retry.body().path("id").asText()).isEqualTo(first.body().path("id").asText());
    assertThat(retry.body().path("status").asText()).isEqualTo("running");
    pull.countDown();
    assertThat(finished(first).status()).isEqualTo(Operation.Status.SUCCEEDED);
    assertThat(operations.list(null, null)).hasSize(1);
  }

  @Test
  void aCreateCutShortDuringItsDownloadIsUndoneAtTheNextBoot() throws Exception {
    CreateRequest four =
        new CreateRequest(
            new dev.peon.orc.plan.PlanId("opgame"),
            "four",
            Map.of("SERVER_NAME", "x"),
            "",
            true,
            false);
    // what a crash during the download leaves: the CREATING record only
    servers.prepareCreate(four);

    ServerService rebooted = rebooted();

    assertThat(rebooted.find(ServerId.parse("opgame.four"))).isEmpty();
    // the name is free again; the v1 path still creates synchronously
    assertThat(rebooted.create(four).id()).isEqualTo(ServerId.parse("opgame.four"));
  }

  private ServerService rebooted() throws Exception {
    OrchestratorConfig config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of(
                    "data.dir", tmp.resolve("data").toString(),
                    "plans.source", tmp.resolve("plans").toString()));
    FixedPlanCatalog plans = new FixedPlanCatalog();
    plans.add(tmp.resolve("plans").resolve("opgame"));
    ServerService s = new ServerService(config, db, plans, runtime, new FakeHostPorts(), clock);
    toClose.add(s::close);
    s.reconcile();
    return s;
  }
}
