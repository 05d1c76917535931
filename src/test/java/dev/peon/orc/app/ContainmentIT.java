package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Against a real dockerd: game containers run with limits and hardening (and still stop
 * gracefully), a foreign container holding a server's name is never touched, and a delete stops the
 * game before removing it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainmentIT {
  private static final String KEY = "contain-key-" + Long.toHexString(System.nanoTime());
  private static final String GAME = "containit";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private Path data;
  private Application app;
  private String base;
  private DockerContainerRuntime docker;
  private String image;

  record Res(int status, JsonNode json) {}

  @BeforeAll
  void start() throws IOException {
    root = Files.createTempDirectory("peon-contain-it");
    data = root.resolve("data");
    Path plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    image = TestImages.fakeGame();
    Path plan = plans.resolve(GAME);
    Files.createDirectories(plan);
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "containment test game"},
         "ports": [[{"PORT": ["%d", "tcp"]}], [{"PORT": ["%d", "tcp"]}], [{"PORT": ["%d", "tcp"]}]],
         "environment": {"SERVER_NAME": "contained"},
         "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                     "~!/actions": "/actions"}}
        """
            .formatted(GAME, image, FreePorts.any(), FreePorts.any(), FreePorts.any()));
    app =
        Application.start(
            new ConfigLoader()
                .load(
                    null,
                    Map.of(),
                    Map.ofEntries(
                        Map.entry("listen.host", "127.0.0.1"),
                        Map.entry("listen.port", "0"),
                        Map.entry("data.dir", data.toString()),
                        Map.entry("plans.source", plans.toString()),
                        Map.entry("api.key", KEY),
                        Map.entry("stop.timeout", "20s"),
                        Map.entry("limits.memory", "256m"),
                        Map.entry("limits.cpus", "0.5"),
                        Map.entry("limits.pids", "128"),
                        Map.entry("network.subnet.pool", "10.223.0.0/22"),
                        Map.entry("docker.host", TestDocker.host()))),
            Clock.systemUTC());
    base = "http://127.0.0.1:" + app.port();
  }

  @AfterAll
  void stop() throws IOException {
    if (app != null) {
      app.close();
    }
    for (ContainerInfo c : docker.list(Map.of())) {
      if (c.name().startsWith("peon.warcamp." + GAME + ".")) {
        docker.remove(c.name(), true);
      }
    }
    for (String n : docker.listNetworks(Map.of())) {
      if (n.startsWith(GAME + "_")) {
        docker.removeNetwork(n);
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  @Test
  void gameContainersRunLimitedAndHardenedAndStillStopGracefully() {
    Res created =
        call(
            "POST",
            "/api/v2/servers",
            "{\"game\": \"" + GAME + "\", \"name\": \"limited\", \"limits\": {\"pids\": 200}}");
    assertThat(created.status()).as(created.json().toString()).isEqualTo(202);
    JsonNode server = Operations.awaitResult(p -> call("GET", p, null).json(), created.json());
    assertThat(server.path("limits").path("memory").asLong()).isEqualTo(256L << 20);
    assertThat(server.path("limits").path("cpus").asDouble()).isEqualTo(0.5);
    assertThat(server.path("limits").path("pids").asLong()).isEqualTo(200);
    assertThat(server.path("limits").path("serverOwn").toString()).contains("pids");
    String id = GAME + ".limited";
    power(id, "start");
    Await.until(() -> state(id).equals("running"));

    Map<String, Object> host = TestDocker.hostConfig("peon.warcamp." + id);
    assertThat(host.get("memory")).isEqualTo(256L << 20);
    assertThat(host.get("nanoCpus")).isEqualTo(500_000_000L);
    assertThat(host.get("pids")).isEqualTo(200L);
    assertThat(host.get("init")).isEqualTo(true);
    assertThat(host.get("securityOpt").toString()).contains("no-new-privileges");
    assertThat(host.get("capDrop")).isEqualTo(List.of("ALL"));
    assertThat(host.get("capAdd").toString()).contains("CHOWN", "SETUID", "KILL");

    // the stop signal reaches the game through the init process: it exits on its own (code 0)
    power(id, "stop");
    Await.until(Duration.ofSeconds(40), () -> state(id).equals("exited"));
    ContainerInfo info = docker.inspect("peon.warcamp." + id).orElseThrow();
    assertThat(info.exitStatus().code()).isZero();

    // a changed limit recreates the container at the next start
    Res patched = call("PATCH", "/api/v2/servers/" + id, "{\"limits\": {\"memory\": \"128m\"}}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().path("pendingRecreate").asBoolean()).isTrue();
    Res bad = call("PATCH", "/api/v2/servers/" + id, "{\"limits\": {\"memory\": \"huge\"}}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().toString()).contains("limits");
    power(id, "start");
    Await.until(() -> state(id).equals("running"));
    assertThat(TestDocker.hostConfig("peon.warcamp." + id).get("memory")).isEqualTo(128L << 20);
  }

  @Test
  void aForeignContainerHoldingTheNameIsNeverTouched() throws IOException {
    String name = "peon.warcamp." + GAME + ".clash";
    docker.create(
        new ContainerSpec(
            name, "clash", image, List.of(), List.of(), List.of(), null, Map.of(), null, false));
    docker.start(name);
    var startedAt = docker.inspect(name).orElseThrow().startedAt();

    Res v2 = call("POST", "/api/v2/servers", "{\"game\": \"" + GAME + "\", \"name\": \"clash\"}");
    assertThat(v2.status()).isEqualTo(409);
    assertThat(v2.json().path("detail").asText()).contains(name).contains("left untouched");

    // a v1 import of a folder of that name (a migration from the Python orchestrator) does not
    // replace the running container either
    Path folder = data.resolve("servers").resolve(GAME).resolve("clash");
    Files.createDirectories(folder);
    Files.writeString(
        folder.resolve("config.json"),
        "{\"metadata\": {\"image\": \"" + image + "\"}, \"ports\": [], \"environment\": {}}");
    Res imported = call("PUT", "/api/v1/servers", null);
    assertThat(imported.status()).isEqualTo(200);

    ContainerInfo after = docker.inspect(name).orElseThrow();
    assertThat(after.state()).isEqualTo(ContainerState.RUNNING);
    assertThat(after.startedAt()).isEqualTo(startedAt);
    assertThat(after.labels()).doesNotContainKey("dev.peon.managed");
    assertThat(call("GET", "/api/v2/servers/" + GAME + ".clash", null).status()).isEqualTo(404);
    FileTrees.deleteTree(folder);
  }

  @Test
  void deleteKeepingFilesStopsTheGameGracefullyFirst() throws IOException {
    Res created =
        call("POST", "/api/v2/servers", "{\"game\": \"" + GAME + "\", \"name\": \"bye\"}");
    assertThat(created.status()).isEqualTo(202);
    Operations.awaitResult(p -> call("GET", p, null).json(), created.json());
    String id = GAME + ".bye";
    power(id, "start");
    Path state = data.resolve("servers").resolve(GAME).resolve("bye").resolve("config/state");
    Await.until(() -> read(state).equals("STARTED"));

    Res deleted = call("DELETE", "/api/v2/servers/" + id, null);

    assertThat(deleted.status()).isEqualTo(204);
    // the game ran its shutdown (its TERM trap writes OFFLINE); a kill would leave STARTED
    assertThat(read(state)).isEqualTo("OFFLINE");
    assertThat(docker.inspect("peon.warcamp." + id)).isEmpty();
    assertThat(Files.exists(state.getParent().getParent().resolve("config.json"))).isTrue();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file).trim() : "";
    } catch (IOException e) {
      return "";
    }
  }

  private void power(String id, String action) {
    Res r = call("POST", "/api/v2/servers/" + id + "/power", "{\"action\": \"" + action + "\"}");
    assertThat(r.status()).as(r.json().toString()).isEqualTo(202);
  }

  private String state(String id) {
    return call("GET", "/api/v2/servers/" + id, null).json().path("state").asText();
  }

  private Res call(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("X-Api-Key", KEY)
            .header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Res(
          r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
