package dev.peon.orc.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.LocalRegistry;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The PEON /api/v1 end to end over HTTP, against a real dockerd, a local registry and the fake game
 * image. Follows the spec's client checks and every rule marked fix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PeonV1IT {
  private static final String KEY = "it-key-" + Long.toHexString(System.nanoTime());

  private Path root;
  private Path data;
  private Path plans;
  private LocalRegistry registry;
  private String image;
  private Application app;
  private V1Client api;
  private DockerContainerRuntime docker;
  private int[] ports;
  private final List<String> pushed = new ArrayList<>();

  @BeforeAll
  void startOrchestrator() throws Exception {
    root = Files.createTempDirectory("peon-v1-it");
    data = root.resolve("data");
    plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    registry = LocalRegistry.start(root.resolve("registry"));
    image = TestImages.tagAndPush(TestImages.fakeGame(), registry, "peon/fakegame", "1");
    pushed.add(image);
    ports = freePortRun(4);
    writePlans();
    app = startApp();
    api = new V1Client(app.port(), KEY);
  }

  private Application startApp() {
    OrchestratorConfig cfg =
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
                    "10.214.0.0/20",
                    "docker.host",
                    TestDocker.host(),
                    // a range the two plan groups fill, so a third server finds no free ports
                    "ports.range",
                    ports[0] + "-" + ports[3]));
    return Application.start(cfg, Clock.systemUTC());
  }

  @AfterAll
  void cleanUp() throws IOException {
    if (app != null) {
      app.close();
    }
    for (ContainerInfo c : docker.list(Map.of("dev.peon.managed", "true"))) {
      if (c.name().contains(".fakegame.") || c.name().contains(".ghost.")) {
        docker.remove(c.name());
      }
    }
    docker.remove("peon.warcamp.lonely");
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith("fakegame_") || n.startsWith("ghost_")) {
        docker.removeNetwork(n);
      }
    }
    pushed.forEach(TestImages::removeTag);
    if (registry != null) {
      registry.close();
    }
    docker.close();
    dev.peon.orc.fs.FileTrees.deleteTree(root);
  }

  // ------------------------------------------------------------------ checks

  @Test
  @Order(1)
  void refusesMissingWrongAndBearerKeysButAcceptsLowerCaseHeader() {
    for (V1Client.Response r :
        List.of(
            api.send("GET", "/api/v1/orchestrator", null, null),
            api.send("GET", "/api/v1/orchestrator", null, "wrong-key"),
            api.send("GET", "/api/v1/orchestrator", null, "Bearer " + KEY, "Authorization"))) {
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.body()).isEqualTo("\"Not authorized\"");
    }
    V1Client.Response ok = api.send("GET", "/api/v1/orchestrator", null, KEY, "x-api-key");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().get("version").asText()).isNotBlank();
    assertThat(api.get("/api/1.0/orchestrator").status()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void answersPreflightWithoutKeyAndAllowsTheKeyHeader() {
    var r = api.send("OPTIONS", "/api/v1/servers", null, null);
    assertThat(r.status()).isLessThan(300);
  }

  @Test
  @Order(3)
  void listsPlansAndShowsPlanSettingsInOrder() {
    JsonNode reg = api.get("/api/v1/plans").json();
    assertThat(reg.isArray()).isTrue();
    assertThat(reg.findValuesAsText("game_uid")).contains("fakegame");
    V1Client.Response plan = api.get("/api/v1/plan/fakegame");
    assertThat(plan.status()).isEqualTo(200);
    List<String> keys = new ArrayList<>();
    plan.json().fieldNames().forEachRemaining(keys::add);
    assertThat(keys)
        .containsExactly(
            "SERVER_NAME", "WORLD_NAME", "SERVER_PASSWORD", "MAX_PLAYERS", "description");
    assertThat(plan.json().get("SERVER_NAME").asText()).isEmpty();
    V1Client.Response unknown = api.get("/api/v1/plan/nosuchgame");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body()).isEqualTo("\"Could not get the settings for [nosuchgame]\"");
  }

  @Test
  @Order(3)
  void refreshesPlansAndReportsOnlyNewOnes() throws IOException {
    V1Client.Response same = api.put("/api/v1/plans", null);
    assertThat(same.status()).as(same.body()).isEqualTo(200);
    assertThat(same.json().get("new_recipies").size()).isZero();
    Path extra = plans.resolve("extragame");
    Files.createDirectories(extra);
    Files.writeString(
        extra.resolve("plan.json"),
        "{\"metadata\": {\"image\": \"" + image + "\"}, \"environment\": {}}");
    Files.writeString(
        plans.resolve("plans.json"),
        Files.readString(plans.resolve("plans.json"))
            .replace(
                "[", "[{\"title\": \"Extra\", \"game_uid\": \"extragame\", \"plan_url\": \"x\"},"));
    V1Client.Response added = api.put("/api/v1/plans", null);
    assertThat(added.status()).isEqualTo(200);
    JsonNode fresh = added.json().get("new_recipies");
    assertThat(fresh.size()).isEqualTo(1);
    assertThat(fresh.get("extragame").get("title").asText()).isEqualTo("Extra");
    assertThat(api.get("/api/v1/plan/extragame").status()).isEqualTo(200);
  }

  @Test
  @Order(4)
  void createWithMissingSettingsListsThemAndLeavesNothingBehind() {
    V1Client.Response r = api.put("/api/v1/server/create/fakegame.camp1", "{}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("info").asText()).contains("SERVER_NAME").contains("WORLD_NAME");
    assertThat(r.json().has("error")).isTrue();
    assertThat(data.resolve("servers/fakegame/camp1")).doesNotExist();
    assertThat(docker.inspect("peon.warcamp.fakegame.camp1")).isEmpty();
  }

  @Test
  @Order(5)
  void createsAndStartsAServerWithTheFullLayout() throws Exception {
    V1Client.Response r =
        api.put(
            "/api/v1/server/create/fakegame.camp1",
            "{\"SERVER_NAME\":\"Camp One\",\"WORLD_NAME\":\"w1\",\"STEAM_ID\":\"666\","
                + "\"description\":\"first camp\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonNode s = r.json();
    List<String> fields = new ArrayList<>();
    s.fieldNames().forEachRemaining(fields::add);
    assertThat(fields)
        .containsExactly(
            "game_uid",
            "servername",
            "container_type",
            "build_version",
            "container_state",
            "server_state",
            "server_config",
            "description",
            "time");
    assertThat(s.get("container_state").asText()).isEqualTo("running");
    assertThat(s.get("server_state").asText()).isEqualTo("running");
    assertThat(s.get("container_type").asText()).isEqualTo("peon-test/fakegame");
    assertThat(s.get("build_version").asText()).isEqualTo("1.2.3");
    assertThat(s.get("description").asText()).isEqualTo("first camp");
    Path dir = data.resolve("servers/fakegame/camp1");
    for (String f : List.of("config.json", "plan.json", "docker-compose.yml")) {
      assertThat(dir.resolve(f)).isRegularFile();
    }
    for (String d : List.of("actions", "config", "data", "user")) {
      assertThat(dir.resolve(d)).isDirectory();
    }
    assertThat(dir.resolve("actions/init_custom")).isRegularFile();
    assertThat(dir.resolve("data/readme.txt")).isRegularFile();
    assertThat(dir.resolve(".peon-creating")).doesNotExist();
    String cfg = Files.readString(dir.resolve("config.json"));
    assertThat(cfg).contains("\n    \"metadata\"").contains("peon.warcamp.fakegame.camp1");
    assertThat(cfg).contains("\"STEAM_ID\" : \"896660\"");
    ContainerInfo c = docker.inspect("peon.warcamp.fakegame.camp1").orElseThrow();
    assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
    assertThat(c.labels()).containsEntry("dev.peon.server", "fakegame.camp1");
    Await.until(() -> read(dir.resolve("config/state")).equals("STARTED"));
    assertThat(read(dir.resolve("config/port"))).isEqualTo(Integer.toString(ports[0]));
    assertThat(read(dir.resolve("config/server_name"))).isEqualTo("Camp One");
    Await.until(() -> canConnect(ports[0]));
    Await.until(() -> Files.exists(dir.resolve("actions/.update")));
  }

  @Test
  @Order(6)
  void masksSecretsInServerConfig() {
    Await.until(
        () ->
            api.get("/api/v1/server/get/fakegame.camp1")
                .json()
                .get("server_config")
                .has("password"));
    JsonNode s = api.get("/api/v1/server/get/fakegame.camp1").json();
    assertThat(s.get("server_config").get("password").asText()).isEqualTo("********");
    assertThat(s.get("server_config").get("server_name").asText()).isEqualTo("Camp One");
    assertThat(api.get("/api/v1/servers").body()).doesNotContain("hunter2");
  }

  @Test
  @Order(7)
  void refusesASecondCreateOfTheSameServer() {
    V1Client.Response r =
        api.put(
            "/api/v1/server/create/fakegame.camp1", "{\"SERVER_NAME\":\"x\",\"WORLD_NAME\":\"y\"}");
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().get("info").asText()).contains("exists");
  }

  @Test
  @Order(8)
  void givesTheNextFreePortGroupThenReportsPortsUsed() throws Exception {
    V1Client.Response r =
        api.post(
            "/api/v1/server/create",
            "{\"game_uid\":\"fakegame\",\"servername\":\"camp2\",\"SERVER_NAME\":\"two\","
                + "\"WORLD_NAME\":\"w2\",\"start_later\":true}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("info").asText())
        .contains("were created, but the server was not started");
    String cfg = Files.readString(data.resolve("servers/fakegame/camp2/config.json"));
    assertThat(cfg).contains("\"" + ports[2] + "\"");
    JsonNode listed = api.get("/api/v1/server/get/fakegame.camp2").json();
    assertThat(listed.get("container_state").asText()).isEqualTo("created");
    V1Client.Response third =
        api.put(
            "/api/v1/server/create/fakegame.camp3", "{\"SERVER_NAME\":\"3\",\"WORLD_NAME\":\"3\"}");
    assertThat(third.status()).isEqualTo(409);
    assertThat(third.json().get("err_code").asText()).isEqualTo("srv.portsused");
    assertThat(third.json().get("info").asText())
        .startsWith(
            "Server [fakegame.camp1] is using one or more of the ports required by"
                + " [fakegame.camp3]")
        .contains("widen ports.range");
    assertThat(data.resolve("servers/fakegame/camp3")).doesNotExist();
  }

  @Test
  @Order(9)
  void schedulesAStopWithoutStoppingAndFiresItOnTime() {
    long now = Instant.now().getEpochSecond();
    V1Client.Response r = api.put("/api/v1/server/stop/fakegame.camp1", "{\"interval\":\"10m\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("container_state").asText()).isEqualTo("running");
    assertThat(r.json().get("time").asLong()).isBetween(now + 595, now + 605);
    assertThat(r.json().get("time").isIntegralNumber()).isTrue();
    V1Client.Response bad = api.put("/api/v1/server/stop/fakegame.camp1", "{\"interval\":\"30\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().has("error")).isTrue();
    V1Client.Response past =
        api.put("/api/v1/server/stop/fakegame.camp1", "{\"epoch_time\":\"1000\"}");
    assertThat(past.status()).isEqualTo(400);
    assertThat(api.put("/api/v1/server/stop/fakegame.camp1", "{\"interval\":\"2s\"}").status())
        .isEqualTo(200);
    Await.until(
        () ->
            api.get("/api/v1/server/get/fakegame.camp1")
                .json()
                .get("container_state")
                .asText()
                .equals("exited"));
    assertThat(api.get("/api/v1/server/get/fakegame.camp1").json().get("time").isNull()).isTrue();
    assertThat(read(data.resolve("servers/fakegame/camp1/config/state"))).isEqualTo("OFFLINE");
  }

  @Test
  @Order(10)
  void startsWithAnAutoStopAndRestarts() {
    long now = Instant.now().getEpochSecond();
    V1Client.Response r =
        api.put("/api/v1/server/start/fakegame.camp1", "{\"epoch_time\":\"" + (now + 3600) + "\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("container_state").asText()).isEqualTo("running");
    assertThat(r.json().get("time").asLong()).isEqualTo(now + 3600);
    V1Client.Response restarted = api.put("/api/v1/server/restart/fakegame.camp1", null);
    assertThat(restarted.status()).isEqualTo(200);
    assertThat(restarted.json().get("container_state").asText()).isEqualTo("running");
    assertThat(restarted.json().get("time").asLong()).isEqualTo(now + 3600);
  }

  @Test
  @Order(11)
  void refusesInjectionAndPathTricksWithoutSideEffects() {
    Path pwned = Path.of("/tmp/pwned");
    V1Client.Response r = api.put("/api/v1/server/stop/fakegame.x$(touch%20/tmp/pwned)", "{}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().has("error")).isTrue();
    assertThat(pwned).doesNotExist();
    for (String path :
        List.of(
            "/api/v1/server/eradicate/..",
            "/api/v1/server/eradicate/fakegame",
            "/api/v1/server/eradicate/fakegame..",
            "/api/v1/server/eradicate/%2E%2E",
            "/api/v1/server/eradicate/fakegame.%2E%2E",
            "/api/v1/server/destroy/..%2F..%2Fetc")) {
      V1Client.Response d = api.delete(path, "{\"eradicate\":true}");
      assertThat(d.status()).as(path).isBetween(400, 499);
    }
    assertThat(data.resolve("servers/fakegame/camp1/config.json")).exists();
    V1Client.Response bare = api.put("/api/v1/server/start/fakegame", "{}");
    assertThat(bare.status()).isEqualTo(400);
    assertThat(bare.json().get("info").asText())
        .isEqualTo(
            "For the requested action [start] a warcamp name is required. You only provided"
                + " [fakegame]");
  }

  @Test
  @Order(12)
  void rejectsMalformedBodiesAndWrongTypes() {
    for (String body :
        List.of(
            "{not json",
            "[1,2]",
            "\"text\"",
            "{\"SERVER_NAME\":{\"a\":1},\"WORLD_NAME\":\"w\"}",
            "{\"SERVER_NAME\":[1],\"WORLD_NAME\":\"w\"}",
            "{\"SERVER_NAME\":\"a\",\"WORLD_NAME\":\"w\",\"start_later\":5}",
            "{\"SERVER_NAME\":\"a\",\"WORLD_NAME\":\"w\",\"description\":7}",
            "{\"SERVER_NAME\":\"a\",\"WORLD_NAME\":\"w\",\"interval\":\"soon\"}")) {
      V1Client.Response r = api.put("/api/v1/server/create/fakegame.bad1", body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.json().has("error")).as(body).isTrue();
    }
    assertThat(data.resolve("servers/fakegame/bad1")).doesNotExist();
    assertThat(docker.inspect("peon.warcamp.fakegame.bad1")).isEmpty();
    assertThat(api.put("/api/v1/server/description/fakegame.camp1", "{\"description\":5}").status())
        .isEqualTo(400);
    assertThat(api.put("/api/v1/server/update/fakegame.camp1", "{\"mode\":5}").status())
        .isEqualTo(400);
    V1Client.Response unknownPlan = api.put("/api/v1/server/create/nosuch.x", "{}");
    assertThat(unknownPlan.status()).isEqualTo(404);
    assertThat(unknownPlan.json().get("info").asText())
        .isEqualTo("There is no local default plan for nosuch.");
    V1Client.Response brokenPlan = api.put("/api/v1/server/create/broken.x", "{}");
    assertThat(brokenPlan.status()).isEqualTo(404);
  }

  @Test
  @Order(13)
  void answersUnknownPathsAndMethodsWithJson() {
    V1Client.Response nf = api.get("/api/v1/nothing/here");
    assertThat(nf.status()).isEqualTo(404);
    assertThat(nf.json().has("error")).isTrue();
    V1Client.Response put = api.put("/api/v1/server/frobnicate/fakegame.camp1", "{}");
    assertThat(put.status()).isEqualTo(404);
    assertThat(put.json().get("info").asText()).isEqualTo("Unsupported action [frobnicate].");
    V1Client.Response del = api.delete("/api/v1/server/frobnicate/fakegame.camp1", null);
    assertThat(del.status()).isEqualTo(404);
    assertThat(del.json().get("error").asText())
        .isEqualTo("Incorrect action [frobnicate] provided");
    V1Client.Response skip = api.put("/api/v1/server/skip/fakegame.camp1", null);
    assertThat(skip.status()).isEqualTo(200);
    V1Client.Response method = api.send("DELETE", "/api/v1/orchestrator", null, KEY);
    assertThat(method.status()).isIn(404, 405);
    assertThat(method.json().has("error")).isTrue();
    V1Client.Response openapi = api.send("GET", "/openapi.json", null, null);
    assertThat(openapi.status()).isEqualTo(200);
  }

  @Test
  @Order(14)
  void showsStatsQuickly() {
    V1Client.Response r = api.get("/api/v1/server/stats/fakegame.camp1");
    assertThat(r.status()).isEqualTo(200);
    JsonNode s = r.json();
    assertThat(s.get("stats").has("memory_stats")).isTrue();
    assertThat(s.get("memory_bytes").asLong()).isPositive();
    assertThat(s.has("cpu_percent")).isTrue();
    assertThat(s.has("memory_percent")).isTrue();
    assertThat(s.get("uptime").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(s.get("game_uid").asText()).isEqualTo("fakegame");
  }

  @Test
  @Order(15)
  void savesTheServerFolderAsAZipWithoutData() throws IOException {
    V1Client.Response r = api.get("/api/v1/server/save/fakegame.camp1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("Content-Type").orElse("")).contains("application/zip");
    assertThat(r.raw().headers().firstValue("Content-Disposition").orElse(""))
        .matches("attachment; filename=fakegame\\.camp1-\\d{8}-\\d{6}\\.zip");
    List<String> names = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(r.raw().body()))) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        names.add(e.getName());
      }
    }
    assertThat(names).contains("config.json", "plan.json", "docker-compose.yml");
    assertThat(names).noneMatch(n -> n.startsWith("data/"));
  }

  @Test
  @Order(16)
  void updatesDescription() throws IOException {
    V1Client.Response missing = api.put("/api/v1/server/description/fakegame.camp1", "{}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().get("info").asText())
        .isEqualTo("The description argument was incorrectly provided.");
    V1Client.Response r =
        api.put("/api/v1/server/description/fakegame.camp1", "{\"description\":\"renamed\"}");
    assertThat(r.json().get("description").asText()).isEqualTo("renamed");
    assertThat(Files.readString(data.resolve("servers/fakegame/camp1/config.json")))
        .contains("renamed");
  }

  @Test
  @Order(17)
  void skipsForeignContainersInListings() {
    docker.create(
        new ContainerSpec(
            "peon.warcamp.lonely",
            "lonely",
            image,
            List.of(),
            List.of(),
            List.of(),
            "1000:1000",
            Map.of(),
            "bridge",
            false));
    V1Client.Response r = api.get("/api/v1/servers");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().findValuesAsText("servername")).containsExactly("camp1", "camp2");
  }

  @Test
  @Order(18)
  void updatesInEveryModeKeepingData() throws IOException {
    Path dir = data.resolve("servers/fakegame/camp1");
    Files.writeString(dir.resolve("user/world.db"), "precious");
    Files.writeString(dir.resolve("data/.hidden"), "x");
    V1Client.Response full = api.put("/api/v1/server/update/fakegame.camp1", "{\"mode\":\"FULL\"}");
    assertThat(full.status()).as(full.body()).isEqualTo(200);
    assertThat(full.json().get("status").asText()).isEqualTo("success");
    assertThat(full.json().get("info").asText()).isEqualTo("fakegame.camp1");
    assertThat(full.json().get("stdout").asText()).contains("Pulled").contains("Recreated");
    assertThat(serverState("fakegame.camp1")).isEqualTo("running");
    V1Client.Response quick =
        api.put("/api/v1/server/update/fakegame.camp1", "{\"mode\":\"quick\"}");
    assertThat(quick.status()).isEqualTo(200);
    V1Client.Response game = api.put("/api/v1/server/update/fakegame.camp1", "{\"mode\":\"game\"}");
    assertThat(game.status()).isEqualTo(200);
    V1Client.Response reinit =
        api.put("/api/v1/server/update/fakegame.camp1", "{\"mode\":\"reinit\"}");
    assertThat(reinit.status()).as(reinit.body()).isEqualTo(200);
    assertThat(dir.resolve("data/.hidden")).doesNotExist();
    assertThat(dir.resolve("data/readme.txt")).doesNotExist();
    assertThat(Files.readString(dir.resolve("user/world.db"))).isEqualTo("precious");
    assertThat(serverState("fakegame.camp1")).isEqualTo("running");
  }

  @Test
  @Order(19)
  void createWithAnUnpullableImageSaysWhyAndLeavesNothing() {
    V1Client.Response r = api.put("/api/v1/server/create/ghost.one", "{}");
    assertThat(r.status()).as(r.body()).isEqualTo(502);
    assertThat(r.json().get("info").asText()).contains("unknown");
    assertThat(data.resolve("servers/ghost/one")).doesNotExist();
  }

  @Test
  @Order(20)
  void survivesAnOrchestratorRestartWithoutStoppingServers() {
    long time = api.get("/api/v1/server/get/fakegame.camp1").json().get("time").asLong();
    String startedBefore =
        docker.inspect("peon.warcamp.fakegame.camp1").orElseThrow().startedAt().toString();
    app.close();
    app = startApp();
    api = new V1Client(app.port(), KEY);
    JsonNode s = api.get("/api/v1/server/get/fakegame.camp1").json();
    assertThat(s.get("container_state").asText()).isEqualTo("running");
    assertThat(s.get("time").asLong()).isEqualTo(time);
    assertThat(docker.inspect("peon.warcamp.fakegame.camp1").orElseThrow().startedAt().toString())
        .isEqualTo(startedBefore);
  }

  @Test
  @Order(21)
  void pullFailureDuringUpdateLeavesTheServerAsItWas() {
    registry.close();
    V1Client.Response r = api.put("/api/v1/server/update/fakegame.camp1", "{\"mode\":\"image\"}");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.json().get("info").asText()).contains("unreachable");
    assertThat(serverState("fakegame.camp1")).isEqualTo("running");
  }

  @Test
  @Order(22)
  void destroyKeepsFilesImportBringsTheServerBackAndEradicateRemovesThem() {
    Path dir = data.resolve("servers/fakegame/camp2");
    V1Client.Response d =
        api.delete("/api/v1/server/destroy/fakegame.camp2", "{\"eradicate\":\"False\"}");
    assertThat(d.status()).isEqualTo(200);
    assertThat(d.json().get("info").asText()).isEqualTo("Server fakegame.camp2 was removed. ");
    assertThat(dir.resolve("config.json")).exists();
    assertThat(api.get("/api/v1/servers").json().findValuesAsText("servername"))
        .containsExactly("camp1");
    assertThat(api.delete("/api/v1/server/destroy/fakegame.camp2", null).status()).isEqualTo(200);
    V1Client.Response imported = api.put("/api/v1/servers", null);
    assertThat(imported.status()).isEqualTo(200);
    assertThat(imported.json().findValuesAsText("servername")).containsExactly("camp1", "camp2");
    assertThat(serverState("fakegame.camp2")).isEqualTo("created");
    V1Client.Response noConfirm = api.delete("/api/v1/server/eradicate/fakegame.camp2", "{}");
    assertThat(noConfirm.status()).isEqualTo(400);
    assertThat(dir).exists();
    V1Client.Response er =
        api.delete("/api/v1/server/destroy/fakegame.camp2", "{\"eradicate\":true}");
    assertThat(er.status()).isEqualTo(200);
    assertThat(er.json().get("info").asText())
        .contains("All files for fakegame.camp2 will be purged");
    assertThat(dir).doesNotExist();
    assertThat(docker.inspect("peon.warcamp.fakegame.camp2")).isEmpty();
    assertThat(data.resolve("servers/fakegame/camp1/user/world.db")).exists();
  }

  @Test
  @Order(23)
  void stopsGracefully() {
    V1Client.Response r = api.put("/api/v1/server/stop/fakegame.camp1", "{}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("container_state").asText()).isEqualTo("exited");
    assertThat(r.json().get("time").isNull()).isTrue();
    assertThat(read(data.resolve("servers/fakegame/camp1/config/state"))).isEqualTo("OFFLINE");
  }

  @Test
  @Order(99)
  void throttlesRepeatedAuthFailuresFromOneAddress() {
    int status = 0;
    for (int i = 0; i < 12 && status != 429; i++) {
      status = api.send("GET", "/api/v1/orchestrator", null, "wrong-" + i).status();
    }
    assertThat(status).isEqualTo(429);
    V1Client.Response locked = api.send("GET", "/api/v1/orchestrator", null, "wrong-again");
    assertThat(locked.status()).isEqualTo(429);
    assertThat(locked.raw().headers().firstValue("Retry-After")).isPresent();
    assertThat(locked.json().has("error")).isTrue();
    // the right key is never refused: one bad client behind a shared address locks out no one else
    assertThat(api.get("/api/v1/orchestrator").status()).isEqualTo(200);
  }

  // ------------------------------------------------------------------ helpers

  private String serverState(String uid) {
    return api.get("/api/v1/server/get/" + uid).json().get("container_state").asText();
  }

  private void writePlans() throws IOException {
    Path fake = plans.resolve("fakegame");
    Files.createDirectories(fake.resolve("actions"));
    Files.createDirectories(fake.resolve("data"));
    Files.writeString(fake.resolve("actions/init_custom"), "#!/bin/sh\necho custom\n");
    Files.writeString(fake.resolve("data/readme.txt"), "plan data\n");
    Files.writeString(
        fake.resolve("plan.json"),
        """
        {
          "metadata": {"game_uid": "fakegame", "warcamp": "default", "version": "1.0.0",
            "description": "A fake game for tests", "mode": "steamcmd",
            "hostname": "peon.warcamp.fakegame", "image": "%s"},
          "ports": [
            [ {"PORT": ["%d", "tcp/udp"]}, {"QUERY_PORT": ["%d", "udp"]} ],
            [ {"PORT": ["%d", "tcp/udp"]}, {"QUERY_PORT": ["%d", "udp"]} ]
          ],
          "environment": {"STEAM_ID": "896660", "SERVER_NAME": null, "WORLD_NAME": null,
            "SERVER_PASSWORD": "hunter2", "MAX_PLAYERS": 10},
          "volumes": {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
            "~!/config": "/home/steam/config", "~!/user": "/home/steam/user"}
        }
        """
            .formatted(image, ports[0], ports[1], ports[2], ports[3]));
    Path ghost = plans.resolve("ghost");
    Files.createDirectories(ghost);
    Files.writeString(
        ghost.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "ghost", "image": "%s/peon/ghost:1"},
         "ports": [], "environment": {}, "volumes": {}}
        """
            .formatted(registry.address()));
    Path broken = plans.resolve("broken");
    Files.createDirectories(broken);
    Files.writeString(broken.resolve("plan.json"), "{ \"metadata\": { \"image\": ");
    Files.writeString(
        plans.resolve("plans.json"),
        """
        [{"title": "Fake Game", "game_uid": "fakegame", "plan_url": "local"},
         {"title": "Ghost", "game_uid": "ghost", "plan_url": "local"}]
        """);
  }

  private static int[] freePortRun(int n) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 30000 + (int) (Math.random() * 20000);
      boolean ok = true;
      for (int i = 0; i < n && ok; i++) {
        try (ServerSocket s = new ServerSocket(base + i)) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          out[i] = base + i;
        }
        return out;
      }
    }
    throw new IOException("no free port run");
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p).trim() : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static boolean canConnect(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
