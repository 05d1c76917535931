package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.FreePorts;
import dev.peon.orc.testing.Operations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** The /api/v2 end to end against a real dockerd: resources, operations, events, bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiV2IT {
  private static final String KEY = "v2-key-" + Long.toHexString(System.nanoTime());
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private Path data;
  private Application app;
  private String base;
  private DockerContainerRuntime docker;
  private int port;

  record Res(int status, JsonNode json, HttpResponse<String> raw) {}

  @BeforeAll
  void start() throws IOException {
    root = Files.createTempDirectory("peon-v2-it");
    data = root.resolve("data");
    Path plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    String image = TestImages.fakeGame();
    port = FreePorts.any();
    Path plan = plans.resolve("vtwo");
    Files.createDirectories(plan);
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "vtwo", "image": "%s", "description": "v2 test game"},
         "ports": [[{"PORT": ["%d", "tcp"]}]],
         "environment": {"SERVER_NAME": null, "MAX_PLAYERS": "8", "ADMIN_PASSWORD": "pw"},
         "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                     "~!/actions": "/actions"}}
        """
            .formatted(image, port));
    app =
        Application.start(
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
                        data.toString(),
                        "plans.source",
                        plans.toString(),
                        "api.key",
                        KEY,
                        "stop.timeout",
                        "5s",
                        "network.subnet.pool",
                        "10.219.0.0/20",
                        "docker.host",
                        TestDocker.host())),
            Clock.systemUTC());
    base = "http://127.0.0.1:" + app.port();
  }

  @AfterAll
  void stop() throws IOException {
    if (app != null) {
      app.close();
    }
    for (ContainerInfo c : docker.list(Map.of("dev.peon.game", "vtwo"))) {
      docker.remove(c.name());
    }
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith("vtwo_")) {
        docker.removeNetwork(n);
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  @Test
  @Order(1)
  void requiresAKeyAndAcceptsBearer() {
    Res none = call("GET", "/api/v2/servers", null, Map.of());
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.raw().headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(none.json().get("type").asText()).endsWith("/unauthorized");
    assertThat(none.json().get("requestId").asText()).isNotBlank();
    Res bearer = call("GET", "/api/v2/servers", null, Map.of("Authorization", "Bearer " + KEY));
    assertThat(bearer.status()).isEqualTo(200);
    assertThat(bearer.json().get("items").isArray()).isTrue();
  }

  @Test
  @Order(2)
  void refusesBadCreateBodiesNamingTheFieldAndChangesNothing() {
    Map<String, String> cases =
        Map.of(
            "{\"game\": 5}", "game",
            "{}", "game",
            "{\"game\": \"vtwo\", \"colour\": \"red\"}", "colour",
            "{\"game\": \"VTWO\"}", "game",
            "{\"game\": \"vtwo\", \"name\": \"../x\"}", "name",
            "{\"game\": \"vtwo\", \"settings\": {\"SERVER_NAME\": 3}}", "settings.SERVER_NAME",
            "{\"game\": \"vtwo\", \"settings\": []}", "settings",
            "{\"game\": \"vtwo\", \"settings\": {\"STEAM_ID\": \"1\", \"SERVER_NAME\": \"a\"}}",
                "settings.STEAM_ID");
    cases.forEach(
        (body, field) -> {
          Res r = post("/api/v2/servers", body);
          assertThat(r.status()).as(body).isEqualTo(400);
          assertThat(r.json().get("errors").findValuesAsText("field")).as(body).contains(field);
        });
    Res broken = post("/api/v2/servers", "{not json");
    assertThat(broken.status()).isEqualTo(400);
    Res missing = post("/api/v2/servers", "{\"game\": \"vtwo\", \"name\": \"x1\"}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().get("detail").asText()).contains("SERVER_NAME");
    Res unknownPlan = post("/api/v2/servers", "{\"game\": \"nope\"}");
    assertThat(unknownPlan.status()).isEqualTo(404);
    assertThat(get("/api/v2/servers").json().get("items")).isEmpty();
    assertThat(data.resolve("servers/vtwo")).doesNotExist();
  }

  @Test
  @Order(3)
  void createsOnceWithAnIdempotencyKey() {
    String body =
        "{\"game\": \"vtwo\", \"name\": \"main\", \"settings\": {\"SERVER_NAME\": \"Main\"}}";
    Res first = call("POST", "/api/v2/servers", body, Map.of("Idempotency-Key", "create-main-1"));
    assertThat(first.status()).as(first.json().toString()).isEqualTo(202);
    String opId = first.json().get("id").asText();
    assertThat(first.raw().headers().firstValue("Location")).contains("/api/v2/operations/" + opId);
    JsonNode created = Operations.awaitResult(p -> get(p).json(), first.json());
    assertThat(created.get("id").asText()).isEqualTo("vtwo.main");
    assertThat(created.get("state").asText()).isEqualTo("created");
    // an operation's result is readable by whoever may read operations: secrets stay masked
    assertThat(created.get("settings").get("ADMIN_PASSWORD").asText()).isEqualTo("********");
    // the v1 key acts as an admin, who holds server.secrets: the server itself shows them
    assertThat(
            get("/api/v2/servers/vtwo.main").json().get("settings").get("ADMIN_PASSWORD").asText())
        .isEqualTo("pw");
    Res again = call("POST", "/api/v2/servers", body, Map.of("Idempotency-Key", "create-main-1"));
    assertThat(again.status()).isEqualTo(202);
    assertThat(again.json().get("id").asText()).isEqualTo(opId);
    assertThat(again.json().get("status").asText()).isEqualTo("succeeded");
    assertThat(again.raw().headers().firstValue("Idempotent-Replayed")).contains("true");
    Res other =
        call(
            "POST",
            "/api/v2/servers",
            body.replace("Main", "Other"),
            Map.of("Idempotency-Key", "create-main-1"));
    assertThat(other.status()).isEqualTo(409);
    Res dup = post("/api/v2/servers", body);
    assertThat(dup.status()).isEqualTo(409);
    assertThat(get("/api/v2/servers").json().get("items").size()).isEqualTo(1);
  }

  @Test
  @Order(4)
  void powerRunsAsAnOperationAndEventsArriveInOrder() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    HttpRequest sse =
        HttpRequest.newBuilder(URI.create(base + "/api/v2/events?server=vtwo.main"))
            .header("X-Api-Key", KEY)
            .build();
    var stream = http.sendAsync(sse, HttpResponse.BodyHandlers.ofLines());
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (Stream<String> s = stream.join().body()) {
                    s.forEach(lines::add);
                  } catch (UncheckedIOException e) {
                    // closed at the end of the test
                  }
                });
    Await.until(() -> lines.contains(": connected"));
    Res r = post("/api/v2/servers/vtwo.main/power", "{\"action\": \"start\"}");
    assertThat(r.status()).isEqualTo(202);
    String opId = r.json().get("id").asText();
    assertThat(r.raw().headers().firstValue("Location")).contains("/api/v2/operations/" + opId);
    Await.until(
        () -> get("/api/v2/operations/" + opId).json().get("status").asText().equals("succeeded"));
    Await.until(
        () ->
            lines.stream()
                .anyMatch(l -> l.contains("\"status\":\"succeeded\"") && l.contains(opId)));
    List<String> events = new ArrayList<>();
    for (String l : lines) {
      if (l.startsWith("data: ")) {
        JsonNode d = JSON.readTree(l.substring(6));
        events.add(
            d.has("kind") ? "op:" + d.get("status").asText() : "state:" + d.path("to").asText());
      }
    }
    assertThat(events)
        .containsSubsequence("op:queued", "op:running", "state:running", "op:succeeded");
    List<Long> ids = new ArrayList<>();
    for (String l : lines) {
      if (l.startsWith("id: ")) {
        ids.add(Long.parseLong(l.substring(4)));
      }
    }
    List<Long> sorted = new ArrayList<>(ids);
    Collections.sort(sorted);
    assertThat(ids).isEqualTo(sorted);
    stream.cancel(true);
    reader.interrupt();
    assertThat(get("/api/v2/servers/vtwo.main").json().get("state").asText()).isEqualTo("running");
  }

  @Test
  @Order(5)
  void allowsOnePowerActionAtATimeAndNeverStartsTwice() throws Exception {
    post("/api/v2/servers/vtwo.main/power", "{\"action\": \"stop\"}");
    Await.until(
        () -> get("/api/v2/servers/vtwo.main").json().get("state").asText().equals("exited"));
    Await.until(
        () ->
            get("/api/v2/operations?server=vtwo.main&status=running")
                .json()
                .get("items")
                .isEmpty());
    List<String> lines = new CopyOnWriteArrayList<>();
    var stream =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(base + "/api/v2/events?server=vtwo.main"))
                .header("X-Api-Key", KEY)
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (Stream<String> s = stream.join().body()) {
                    s.forEach(lines::add);
                  } catch (UncheckedIOException e) {
                    // closed at the end of the test
                  }
                });
    Await.until(() -> lines.contains(": connected"));
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    List<String> busyIds = new CopyOnWriteArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        fs.add(
            pool.submit(
                () -> {
                  Res r = post("/api/v2/servers/vtwo.main/power", "{\"action\": \"start\"}");
                  statuses.add(r.status());
                  if (r.status() == 409) {
                    busyIds.add(r.json().get("operationId").asText());
                  }
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    assertThat(statuses).containsOnly(202, 409);
    assertThat(statuses).contains(202);
    assertThat(busyIds).allMatch(id -> id.startsWith("op_"));
    Await.until(
        () ->
            get("/api/v2/operations?server=vtwo.main&status=running")
                .json()
                .get("items")
                .isEmpty());
    JsonNode ops = get("/api/v2/operations?server=vtwo.main").json().get("items");
    List<Instant[]> windows = new ArrayList<>();
    for (JsonNode op : ops) {
      if (op.get("kind").asText().startsWith("power.") && !op.get("startedAt").isNull()) {
        windows.add(
            new Instant[] {
              Instant.parse(op.get("startedAt").asText()),
              Instant.parse(op.get("finishedAt").asText())
            });
      }
    }
    windows.sort((a, b) -> a[0].compareTo(b[0]));
    for (int i = 1; i < windows.size(); i++) {
      assertThat(windows.get(i)[0]).isAfterOrEqualTo(windows.get(i - 1)[1]);
    }
    Await.until(() -> lines.stream().anyMatch(l -> l.contains("\"to\":\"running\"")));
    // one more event round-trip so a second start, had there been one, would be seen
    post("/api/v2/servers/vtwo.main/power", "{\"action\": \"start\"}");
    Await.until(
        () ->
            get("/api/v2/operations?server=vtwo.main&status=running")
                .json()
                .get("items")
                .isEmpty());
    assertThat(lines.stream().filter(l -> l.contains("\"to\":\"running\"")).count()).isEqualTo(1);
    stream.cancel(true);
    reader.interrupt();
    assertThat(get("/api/v2/servers/vtwo.main").json().get("state").asText()).isEqualTo("running");
  }

  @Test
  @Order(6)
  void settingsChangeRecreatesTheContainerAtTheNextStartKeepingData() throws IOException {
    Path world = data.resolve("servers/vtwo/main/data/world.sav");
    Files.writeString(world, "keep me");
    String before = docker.inspect("peon.warcamp.vtwo.main").orElseThrow().id();
    Res bad = patch("/api/v2/servers/vtwo.main", "{\"settings\": {\"NOPE\": \"1\"}}");
    assertThat(bad.status()).isEqualTo(400);
    Res ok =
        patch(
            "/api/v2/servers/vtwo.main",
            "{\"settings\": {\"SERVER_NAME\": \"Renamed\"}, \"description\": \"new\"}");
    assertThat(ok.status()).as(ok.json().toString()).isEqualTo(200);
    assertThat(ok.json().get("pendingRecreate").asBoolean()).isTrue();
    assertThat(ok.json().get("description").asText()).isEqualTo("new");
    String op =
        post("/api/v2/servers/vtwo.main/power", "{\"action\": \"restart\"}")
            .json()
            .get("id")
            .asText();
    Await.until(
        () -> get("/api/v2/operations/" + op).json().get("status").asText().equals("succeeded"));
    assertThat(docker.inspect("peon.warcamp.vtwo.main").orElseThrow().id()).isNotEqualTo(before);
    JsonNode s = get("/api/v2/servers/vtwo.main").json();
    assertThat(s.get("pendingRecreate").asBoolean()).isFalse();
    assertThat(s.get("settings").get("SERVER_NAME").asText()).isEqualTo("Renamed");
    Await.until(() -> read(data.resolve("servers/vtwo/main/config/server_name")).equals("Renamed"));
    assertThat(Files.readString(world)).isEqualTo("keep me");
  }

  @Test
  @Order(7)
  void runsUpdatesAsOperationsAndRefusesUnknownModes() {
    assertThat(post("/api/v2/servers/vtwo.main/update", "{\"mode\": \"quick\"}").status())
        .isEqualTo(400);
    Res r = post("/api/v2/servers/vtwo.main/update", "{\"mode\": \"server\"}");
    assertThat(r.status()).isEqualTo(202);
    String op = r.json().get("id").asText();
    Await.until(
        () ->
            !get("/api/v2/operations/" + op)
                .json()
                .get("status")
                .asText()
                .matches("queued|running"));
    JsonNode done = get("/api/v2/operations/" + op).json();
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("succeeded");
    assertThat(done.get("kind").asText()).isEqualTo("update");
  }

  @Test
  @Order(8)
  void killGoesThroughWhileAnotherActionRuns() {
    Res stop = post("/api/v2/servers/vtwo.main/power", "{\"action\": \"stop\"}");
    Res kill = post("/api/v2/servers/vtwo.main/power", "{\"action\": \"kill\"}");
    assertThat(stop.status()).isEqualTo(202);
    assertThat(kill.status()).isEqualTo(202);
    Await.until(
        () -> get("/api/v2/servers/vtwo.main").json().get("state").asText().equals("exited"));
  }

  @Test
  @Order(9)
  void refusesBadIdsAndPathTricksWithProblems() {
    for (String path :
        List.of(
            "/api/v2/servers/vtwo",
            "/api/v2/servers/VTWO.main",
            "/api/v2/servers/vtwo.main$(id)",
            "/api/v2/servers/vtwo.%2E%2E",
            "/api/v2/operations/../../etc",
            "/api/v2/operations/op_zz",
            "/api/v2/plans/..%2Fx")) {
      Res r = get(path);
      assertThat(r.status()).as(path).isBetween(400, 404);
      assertThat(r.raw().headers().firstValue("Content-Type").orElse(""))
          .as(path)
          .startsWith("application/problem+json");
    }
    assertThat(get("/api/v2/servers/vtwo.ghost").status()).isEqualTo(404);
    assertThat(get("/api/v2/operations/op_0000000000000000").status()).isEqualTo(404);
    assertThat(get("/api/v2/servers?state=sleepy").status()).isEqualTo(400);
    assertThat(get("/api/v2/operations?status=done").status()).isEqualTo(400);
    assertThat(post("/api/v2/servers/vtwo.main/power", "{\"action\": \"dance\"}").status())
        .isEqualTo(400);
    assertThat(post("/api/v2/servers/vtwo.main/power", "[]").status()).isEqualTo(400);
    assertThat(get("/api/v2/nothing").json().get("type").asText()).endsWith("/not-found");
  }

  @Test
  @Order(10)
  void listsAndShowsPlansAndSyncsAsAnOperation() {
    JsonNode list = get("/api/v2/plans").json().get("items");
    assertThat(list.findValuesAsText("id")).contains("vtwo");
    JsonNode plan = get("/api/v2/plans/vtwo").json();
    assertThat(plan.get("variables").findValuesAsText("name"))
        .containsExactly("SERVER_NAME", "MAX_PLAYERS", "ADMIN_PASSWORD");
    assertThat(plan.get("variables").get(0).get("required").asBoolean()).isTrue();
    assertThat(plan.get("portGroups").get(0).get(0).get("port").asInt()).isEqualTo(port);
    assertThat(get("/api/v2/plans/nope").status()).isEqualTo(404);
    Res sync = post("/api/v2/plans/sync", null);
    assertThat(sync.status()).isEqualTo(202);
    String op = sync.json().get("id").asText();
    Await.until(
        () -> get("/api/v2/operations/" + op).json().get("status").asText().equals("succeeded"));
    assertThat(get("/api/v2/operations/" + op).json().path("result").path("problems")).isEmpty();
    assertThat(get("/api/v2/plans").json().path("hint").isNull()).isTrue();
  }

  @Test
  @Order(10)
  void aSyncBringingInABrokenPlanKeepsItsPreviousVersionAndSaysWhere() throws IOException {
    Path source = root.resolve("plans/vtwo/plan.json");
    String good = Files.readString(source);
    Files.writeString(source, "{\n  \"metadata\": {\"image\" \"x\"}\n}\n");
    try {
      JsonNode done = syncAndWait();
      assertThat(done.path("status").asText()).isEqualTo("succeeded");
      JsonNode problem = done.path("result").path("problems").get(0);
      assertThat(problem.path("file").asText()).isEqualTo("vtwo/plan.json");
      assertThat(problem.path("line").asInt()).isEqualTo(2);
      assertThat(problem.path("column").asInt()).isEqualTo(24);
      assertThat(problem.path("kept").asBoolean()).isTrue();
      assertThat(get("/api/v2/plans/vtwo").json().path("portGroups").get(0).get(0).path("port"))
          .hasToString(String.valueOf(port));
    } finally {
      Files.writeString(source, good);
    }
    assertThat(syncAndWait().path("result").path("problems")).isEmpty();
  }

  private JsonNode syncAndWait() {
    String op = post("/api/v2/plans/sync", null).json().get("id").asText();
    Await.until(() -> !get("/api/v2/operations/" + op).json().path("finishedAt").isNull());
    return get("/api/v2/operations/" + op).json();
  }

  @Test
  @Order(11)
  void reportsTheSystem() {
    JsonNode s = get("/api/v2/system").json();
    assertThat(s.get("docker").get("reachable").asBoolean()).isTrue();
    assertThat(s.get("counts").get("servers").asInt()).isEqualTo(1);
    assertThat(s.get("version").asText()).isNotBlank();
  }

  @Test
  @Order(12)
  void deletesFilesOnlyWithConfirmation() {
    Path dir = data.resolve("servers/vtwo/main");
    assertThat(call("DELETE", "/api/v2/servers/vtwo.main?deleteFiles=true", null, auth()).status())
        .isEqualTo(400);
    assertThat(
            call(
                    "DELETE",
                    "/api/v2/servers/vtwo.main?deleteFiles=true&confirm=vtwo.other",
                    null,
                    auth())
                .status())
        .isEqualTo(400);
    assertThat(dir).exists();
    Res ok =
        call(
            "DELETE", "/api/v2/servers/vtwo.main?deleteFiles=true&confirm=vtwo.main", null, auth());
    assertThat(ok.status()).isEqualTo(204);
    assertThat(dir).doesNotExist();
    assertThat(get("/api/v2/servers/vtwo.main").status()).isEqualTo(404);
    assertThat(docker.inspect("peon.warcamp.vtwo.main")).isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  private Map<String, String> auth() {
    return Map.of("X-Api-Key", KEY);
  }

  private Res get(String path) {
    return call("GET", path, null, auth());
  }

  private Res post(String path, String body) {
    return call("POST", path, body, auth());
  }

  private Res patch(String path, String body) {
    return call("PATCH", path, body, auth());
  }

  private Res call(String method, String path, String body, Map<String, String> headers) {
    Map<String, String> h = new java.util.HashMap<>(headers);
    if (headers.containsKey("Idempotency-Key")) {
      h.put("X-Api-Key", KEY);
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    h.forEach(b::header);
    b.header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
      return new Res(r.statusCode(), json, r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p).trim() : "";
    } catch (IOException e) {
      return "";
    }
  }
}
