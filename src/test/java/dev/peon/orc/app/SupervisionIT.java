package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.FreePorts;
import dev.peon.orc.testing.Operations;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Supervision end to end on the real dockerd, through the v2 API: a container killed behind the
 * orchestrator's back comes back by itself, a container that dies at once ends in a crash loop, and
 * servers that should run come back after a simulated host reboot (orchestrator stopped, containers
 * stopped directly, a new orchestrator on the same data folder). Short back-off here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SupervisionIT {
  private static final String KEY = "sup-key-" + Long.toHexString(System.nanoTime());
  private static final String CRASH_IMAGE = "peon-test/supcrash:1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private OrchestratorConfig config;
  private Application app;
  private String base;
  private DockerContainerRuntime docker;

  record Res(int status, JsonNode json) {}

  @BeforeAll
  void start() throws IOException {
    root = Files.createTempDirectory("peon-sup-it");
    Path plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    String image = TestImages.fakeGame();
    buildCrashImage(image);
    StringBuilder groups = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      groups
          .append(i == 0 ? "" : ", ")
          .append("[{\"PORT\": [\"" + FreePorts.any() + "\", \"tcp\"]}]");
    }
    writePlan(plans, "supit", image, "[" + groups + "]");
    writePlan(plans, "supcrash", CRASH_IMAGE, "[]");
    config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.ofEntries(
                    Map.entry("listen.host", "127.0.0.1"),
                    Map.entry("listen.port", "0"),
                    Map.entry("data.dir", root.resolve("data").toString()),
                    Map.entry("plans.source", plans.toString()),
                    Map.entry("api.key", KEY),
                    Map.entry("stop.timeout", "5s"),
                    Map.entry("network.subnet.pool", "10.231.0.0/22"),
                    Map.entry("docker.host", TestDocker.host()),
                    Map.entry("supervision.backoff.initial", "1s"),
                    Map.entry("supervision.backoff.max", "2s"),
                    Map.entry("supervision.crashloop.crashes", "3"),
                    Map.entry("supervision.crashloop.window", "2m")));
    boot();
  }

  private void boot() {
    app = Application.start(config, Clock.systemUTC());
    base = "http://127.0.0.1:" + app.port();
  }

  @AfterAll
  void stop() throws IOException {
    try {
      if (app != null) {
        app.close();
      }
    } finally {
      for (String game : new String[] {"supit", "supcrash"}) {
        for (ContainerInfo c : docker.list(Map.of("dev.peon.game", game))) {
          docker.remove(c.name());
        }
      }
      for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
        if (n.startsWith("supit_") || n.startsWith("supcrash_")) {
          docker.removeNetwork(n);
        }
      }
      docker.close();
      FileTrees.deleteTree(root);
    }
  }

  @Test
  @Order(1)
  void aContainerKilledBehindTheOrchestratorsBackIsRestartedAndTheExitCodeShown() {
    Res created = post("/api/v2/servers", "{\"game\": \"supit\", \"name\": \"killed\"}");
    assertThat(created.status()).as(created.json().toString()).isEqualTo(202);
    JsonNode server = Operations.awaitResult(p -> get(p).json(), created.json());
    assertThat(server.get("restartPolicy").asText()).isEqualTo("on-failure");
    assertThat(server.get("autostart").asBoolean()).isTrue();
    assertThat(server.get("desiredState").asText()).isEqualTo("stopped");
    assertThat(server.get("lastCrash").isNull()).isTrue();
    startAndAwaitRunning("supit.killed");
    String startedAt = get("/api/v2/servers/supit.killed").json().get("startedAt").asText();

    docker.kill(ServerId.parse("supit.killed").containerName()); // `docker kill`: exit 137

    Await.until(
        WAIT,
        () -> {
          JsonNode s = get("/api/v2/servers/supit.killed").json();
          return s.path("lastCrash").path("exitCode").asLong() == 137
              && s.path("state").asText().equals("running")
              && !s.path("startedAt").asText().equals(startedAt);
        });
    JsonNode s = get("/api/v2/servers/supit.killed").json();
    assertThat(s.get("desiredState").asText()).isEqualTo("running");
    assertThat(s.get("lastCrash").get("oomKilled").asBoolean()).isFalse();
    assertThat(metrics()).contains("peon_server_crashes_total{server=\"supit.killed\"} 1.0");
    assertThat(metrics()).contains("peon_server_last_exit_code{server=\"supit.killed\"} 137.0");
  }

  @Test
  @Order(2)
  void aServerStoppedThroughTheApiStaysStopped() {
    Res stop = post("/api/v2/servers/supit.killed/power", "{\"action\": \"stop\"}");
    assertThat(stop.status()).isEqualTo(202);
    Await.until(
        WAIT,
        () ->
            get("/api/v2/servers/supit.killed")
                    .json()
                    .path("desiredState")
                    .asText()
                    .equals("stopped")
                && !get("/api/v2/servers/supit.killed")
                    .json()
                    .path("state")
                    .asText()
                    .equals("running"));
    assertThat(get("/api/v2/servers/supit.killed").json().get("lastCrash").get("exitCode").asLong())
        .isEqualTo(137); // the stop is no crash: the last crash is still the kill
    assertThat(get("/api/v2/servers/supit.killed").json().get("nextRestartAt").isNull()).isTrue();
  }

  @Test
  @Order(3)
  void aContainerThatDiesAtOnceEndsInACrashLoop() {
    Res created = post("/api/v2/servers", "{\"game\": \"supcrash\", \"name\": \"loop\"}");
    assertThat(created.status()).as(created.json().toString()).isEqualTo(202);
    Operations.awaitResult(p -> get(p).json(), created.json());
    Res start = post("/api/v2/servers/supcrash.loop/power", "{\"action\": \"start\"}");
    assertThat(start.status()).isEqualTo(202);

    Await.until(
        WAIT,
        () -> get("/api/v2/servers/supcrash.loop").json().path("state").asText().equals("crashed"));

    JsonNode s = get("/api/v2/servers/supcrash.loop").json();
    assertThat(s.get("lastCrash").get("exitCode").asLong()).isEqualTo(3);
    assertThat(s.get("nextRestartAt").isNull()).isTrue();
    assertThat(s.get("desiredState").asText()).isEqualTo("running");
    assertThat(get("/api/v2/servers?state=crashed").json().get("items").findValuesAsText("id"))
        .containsExactly("supcrash.loop");
    assertThat(metrics()).contains("peon_server_crashes_total{server=\"supcrash.loop\"} 3.0");
    assertThat(metrics()).contains("peon_server_crashloops_total{server=\"supcrash.loop\"} 1.0");
    // audited off the bus thread: shortly after the event
    Await.until(
        WAIT,
        () ->
            get("/api/v2/audit?action=server.crashloop")
                .json()
                .get("items")
                .findValuesAsText("target")
                .contains("supcrash.loop"));
    JsonNode audit = get("/api/v2/audit?action=server.crashloop").json().get("items");
    assertThat(audit.findValuesAsText("actor")).contains("supervisor");
    // no more tries: the container stays exited
    assertThat(
            docker.inspect(ServerId.parse("supcrash.loop").containerName()).orElseThrow().state())
        .isEqualTo(ContainerState.EXITED);
  }

  @Test
  @Order(4)
  void serversThatShouldRunComeBackAfterAHostRebootUnlessAutostartIsOff() {
    Res yes = post("/api/v2/servers", "{\"game\": \"supit\", \"name\": \"rebootyes\"}");
    assertThat(yes.status()).isEqualTo(202);
    Operations.awaitResult(p -> get(p).json(), yes.json());
    Res off =
        post(
            "/api/v2/servers",
            "{\"game\": \"supit\", \"name\": \"rebootno\", \"autostart\": false,"
                + " \"restartPolicy\": \"always\"}");
    assertThat(off.status()).as(off.json().toString()).isEqualTo(202);
    JsonNode offServer = Operations.awaitResult(p -> get(p).json(), off.json());
    assertThat(offServer.get("autostart").asBoolean()).isFalse();
    assertThat(offServer.get("restartPolicy").asText()).isEqualTo("always");
    startAndAwaitRunning("supit.rebootyes");
    startAndAwaitRunning("supit.rebootno");

    // the host goes down: the orchestrator stops, then dockerd stops every container
    app.close();
    app = null;
    docker.stop(ServerId.parse("supit.rebootyes").containerName(), Duration.ofSeconds(5));
    docker.stop(ServerId.parse("supit.rebootno").containerName(), Duration.ofSeconds(5));
    boot();

    Await.until(
        WAIT,
        () ->
            get("/api/v2/servers/supit.rebootyes").json().path("state").asText().equals("running"));
    JsonNode no = get("/api/v2/servers/supit.rebootno").json();
    assertThat(no.get("state").asText()).isEqualTo("exited");
    assertThat(no.get("desiredState").asText()).isEqualTo("running");
    assertThat(no.get("autostart").asBoolean()).isFalse();
    assertThat(no.get("lastCrash").isNull()).isTrue(); // a reboot is no crash
    // stopped through the API before the reboot: stays stopped
    assertThat(get("/api/v2/servers/supit.killed").json().get("state").asText())
        .isEqualTo("exited");
    // still crash-looped after the restart of the orchestrator
    assertThat(get("/api/v2/servers/supcrash.loop").json().get("state").asText())
        .isEqualTo("crashed");

    Res patch = patch("/api/v2/servers/supit.rebootno", "{\"autostart\": true}");
    assertThat(patch.status()).isEqualTo(200);
    assertThat(patch.json().get("autostart").asBoolean()).isTrue();
    assertThat(patch.json().get("restartPolicy").asText()).isEqualTo("always");
    Res bad = patch("/api/v2/servers/supit.rebootno", "{\"restartPolicy\": \"sometimes\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("errors").findValuesAsText("field")).contains("restartPolicy");
  }

  // ------------------------------------------------------------------ helpers

  private void startAndAwaitRunning(String id) {
    Res r = post("/api/v2/servers/" + id + "/power", "{\"action\": \"start\"}");
    assertThat(r.status()).isEqualTo(202);
    Await.until(
        WAIT, () -> get("/api/v2/servers/" + id).json().path("state").asText().equals("running"));
  }

  private static void writePlan(Path plans, String game, String image, String ports)
      throws IOException {
    Path plan = Files.createDirectories(plans.resolve(game));
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "supervision test"},
         "ports": %s,
         "environment": {"SERVER_NAME": "sup"},
         "volumes": {"~!/config": "/home/steam/config", "~!/actions": "/actions"}}
        """
            .formatted(game, image, ports));
  }

  /** The fake game with an entrypoint that fails at once (exit 3); built locally, never pulled. */
  private static void buildCrashImage(String base) throws IOException {
    DockerClient client = TestDocker.client();
    try {
      try {
        client.inspectImageCmd(CRASH_IMAGE).exec();
        return;
      } catch (NotFoundException e) {
        // build it
      }
      byte[] dockerfile =
          ("FROM " + base + "\nENTRYPOINT [\"/bin/sh\", \"-c\", \"echo crashing; exit 3\"]\n")
              .getBytes(StandardCharsets.UTF_8);
      var bytes = new ByteArrayOutputStream();
      try (var tar = new TarArchiveOutputStream(bytes)) {
        var entry = new TarArchiveEntry("Dockerfile");
        entry.setSize(dockerfile.length);
        tar.putArchiveEntry(entry);
        tar.write(dockerfile);
        tar.closeArchiveEntry();
      }
      String id =
          client
              .buildImageCmd()
              .withTarInputStream(new ByteArrayInputStream(bytes.toByteArray()))
              .withTags(Set.of(CRASH_IMAGE))
              .withPull(false)
              .withRemove(true)
              .exec(new BuildImageResultCallback())
              .awaitImageId(120, TimeUnit.SECONDS);
      assertThat(id).isNotNull();
    } finally {
      TestDocker.closeQuietly(client);
    }
  }

  private String metrics() {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private Res get(String path) {
    return call("GET", path, null);
  }

  private Res post(String path, String body) {
    return call("POST", path, body);
  }

  private Res patch(String path, String body) {
    return call("PATCH", path, body);
  }

  private Res call(String method, String path, String body) {
    Map<String, String> h = new HashMap<>();
    h.put("X-Api-Key", KEY);
    h.put("Content-Type", "application/json");
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    h.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
      return new Res(r.statusCode(), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
