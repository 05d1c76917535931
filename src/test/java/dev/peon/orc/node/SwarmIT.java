package dev.peon.orc.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peon.orc.app.Application;
import dev.peon.orc.app.PeonCommand;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.SwarmCluster;
import dev.peon.orc.testing.TestApi;
import dev.peon.orc.testing.TestApi.Res;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * The orchestrator with {@code runtime=swarm} against a real 3-node Docker Swarm ({@link
 * SwarmCluster}: three dockerds in network namespaces on this machine, sharing its file system as a
 * real cluster shares storage): the v1 flow and the v2 lifecycle, servers on every node, spread
 * placement, a move, a drain, and a worker lost for good with its servers restored elsewhere from
 * their latest backup.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmIT {
  private static final String KEY = "swarm-it-key-" + Long.toHexString(System.nanoTime());
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int GAME_PORT = 27100;

  private Path root;
  private SwarmCluster cluster;
  private Application app;
  private TestApi api;
  private final Map<String, String> hostnameById = new HashMap<>();
  private final List<String> figures = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    SwarmCluster.cleanupLeftovers();
    root = Files.createTempDirectory("peon-swarm-it");
    cluster = SwarmCluster.start(3, root.resolve("cluster"));
    String image = TestImages.fakeGame();
    cluster.loadImages(image);
    for (int i = 0; i < cluster.size(); i++) {
      hostnameById.put(cluster.nodeId(i), "node" + i);
    }
    Path plans = root.resolve("plans");
    Path plan = Files.createDirectories(plans.resolve("swarmgame"));
    Files.createDirectories(plan.resolve("data"));
    Files.writeString(plan.resolve("data/readme.txt"), "plan data\n");
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "swarmgame", "image": "%s", "description": "swarm test"},
         "ports": [[{"PORT": ["%d", "tcp"]}]],
         "environment": {"SERVER_NAME": "Swarm camp"},
         "volumes": {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
           "~!/config": "/home/steam/config"}}
        """
            .formatted(image, GAME_PORT));
    OrchestratorConfig config =
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
                    Map.entry("limits.memory", "1g"),
                    Map.entry("network.subnet.pool", "10.216.0.0/20"),
                    Map.entry("runtime", "swarm"),
                    Map.entry("supervision.backoff.initial", "1s"),
                    Map.entry("supervision.backoff.max", "2s"),
                    Map.entry("cluster.failover", "restore"),
                    Map.entry("cluster.failover.after", "2s"),
                    Map.entry("docker.host", cluster.managerHost())));
    app = Application.start(config, Clock.systemUTC());
    api = new TestApi(app.port(), KEY);
  }

  @AfterAll
  void stop() throws IOException {
    try {
      if (app != null) {
        app.close();
      }
    } finally {
      try {
        if (cluster != null) {
          cluster.close();
        }
      } finally {
        if (root != null) {
          FileTrees.deleteTree(root);
        }
        figures.forEach(f -> System.out.println("[swarm figure] " + f));
      }
    }
  }

  @Test
  @Order(1)
  void listsTheThreeNodesWithTheirPlayerAddresses() {
    Res r = api.get("/api/v2/nodes");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("clustered").asBoolean()).isTrue();
    assertThat(r.json().get("items")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode n = api.get("/api/v2/nodes/" + cluster.nodeId(i)).json();
      assertThat(n.get("status").asText()).isEqualTo("ready");
      assertThat(n.get("availability").asText()).isEqualTo("active");
      assertThat(n.get("publicAddress").asText()).isEqualTo(cluster.nodeAddress(i));
      assertThat(n.get("role").asText()).isEqualTo(i == 0 ? "manager" : "worker");
      assertThat(n.get("memoryBytes").asLong()).isPositive();
    }
    assertThat(api.get("/api/v2/nodes/node1").json().get("id").asText())
        .isEqualTo(cluster.nodeId(1));
    assertThat(api.get("/api/v2/nodes/nosuch").status()).isEqualTo(404);
    assertThat(api.get("/api/v2/nodes/..%2F..").status()).isIn(400, 404);
    String listed = peon("nodes", "list");
    assertThat(listed).contains("node0").contains("node1").contains("node2");
    assertThat(listed).contains(cluster.nodeAddress(2));
  }

  @Test
  @Order(2)
  void theV1FlowWorksUnchangedOnTheCluster() {
    Res created = api.put("/api/v1/server/create/swarmgame.v1camp", "{\"description\": \"v1\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    assertThat(created.json().get("container_state").asText()).isEqualTo("running");
    assertThat(created.json().get("container_type").asText()).isEqualTo("peon-test/fakegame");
    String node = nodeOf("swarmgame.v1camp");
    int i = index(node);
    Await.until(WAIT, () -> canConnect(cluster.nodeAddress(i), GAME_PORT));
    Await.until(
        WAIT,
        () ->
            api.get("/api/v1/server/get/swarmgame.v1camp")
                .json()
                .path("server_config")
                .path("state")
                .asText()
                .equals("STARTED"));
    assertThat(api.get("/api/v1/servers").body()).contains("v1camp");
    assertThat(api.put("/api/v1/server/stop/swarmgame.v1camp", null).status()).isEqualTo(200);
    Await.until(
        WAIT,
        () ->
            !api.get("/api/v1/server/get/swarmgame.v1camp")
                .json()
                .get("container_state")
                .asText()
                .equals("running"));
    assertThat(api.put("/api/v1/server/start/swarmgame.v1camp", null).status()).isEqualTo(200);
    Await.until(WAIT, () -> canConnect(cluster.nodeAddress(i), GAME_PORT));
    assertThat(api.delete("/api/v1/server/destroy/swarmgame.v1camp").status()).isEqualTo(200);
    assertThat(api.get("/api/v1/server/get/swarmgame.v1camp").status()).isEqualTo(404);
    Await.until(WAIT, () -> !canConnect(cluster.nodeAddress(i), GAME_PORT));
  }

  @Test
  @Order(3)
  void pinsAServerToEveryNodeAndRunsTheV2LifecycleOnEach() throws Exception {
    for (int i = 0; i < 3; i++) {
      String id = "swarmgame.pin" + i;
      Instant t0 = Instant.now();
      JsonNode v =
          api.awaitResult(
              api.post(
                  "/api/v2/servers",
                  "{\"game\": \"swarmgame\", \"name\": \"pin"
                      + i
                      + "\", \"start\": true, \"placement\": {\"node\": \"node"
                      + i
                      + "\"}}"));
      figures.add(
          "create+start on node"
              + i
              + (i == 0 ? " (manager)" : " (worker)")
              + ": "
              + Duration.between(t0, Instant.now()).toMillis()
              + " ms");
      assertThat(v.get("node").get("id").asText()).isEqualTo(cluster.nodeId(i));
      assertThat(v.get("node").get("address").asText()).isEqualTo(cluster.nodeAddress(i));
      int n = i;
      Await.until(WAIT, () -> state(id).equals("running"));
      Await.until(WAIT, () -> canConnect(cluster.nodeAddress(n), GAME_PORT));
    }
    // the same port on three nodes: reserved per node
    assertThat(
            api.get("/api/v2/servers/swarmgame.pin2")
                .json()
                .get("ports")
                .get(0)
                .get("port")
                .asInt())
        .isEqualTo(GAME_PORT);

    String id = "swarmgame.pin1";
    // console input reaches the game on the worker; its output comes back through the manager
    Res sent = api.post("/api/v2/servers/" + id + "/command", "{\"text\": \"hello swarm\"}");
    assertThat(sent.status()).as(sent.body()).isIn(200, 202, 204);
    Await.until(
        WAIT,
        () -> api.get("/api/v2/servers/" + id + "/logs?lines=50").body().contains("hello swarm"));
    // stats come from the worker's engine
    Await.until(WAIT, () -> api.get("/api/v1/server/stats/" + id).status() == 200);
    // settings change -> recreated at the next start, still on its node
    Res patched =
        api.patch(
            "/api/v2/servers/" + id,
            "{\"description\": \"renamed\", \"settings\": {\"SERVER_NAME\": \"Renamed\"}}");
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    api.awaitResult(api.post("/api/v2/servers/" + id + "/power", "{\"action\": \"restart\"}"));
    Await.until(WAIT, () -> state(id).equals("running"));
    Path dir = root.resolve("data/servers/swarmgame/pin1");
    Await.until(WAIT, () -> read(dir.resolve("config/server_name")).equals("Renamed"));
    assertThat(nodeOf(id)).isEqualTo(cluster.nodeId(1));
    // a backup and a restore of a server on a worker
    Files.writeString(dir.resolve("data/world.txt"), "generation 1\n");
    JsonNode backup = api.awaitResult(api.post("/api/v2/servers/" + id + "/backups", "{}"));
    Files.writeString(dir.resolve("data/world.txt"), "generation 2\n");
    api.awaitResult(
        api.post(
            "/api/v2/servers/" + id + "/backups/" + backup.get("id").asText() + "/restore", "{}"));
    assertThat(read(dir.resolve("data/world.txt"))).isEqualTo("generation 1");
    Await.until(WAIT, () -> state(id).equals("running"));
    // stop, start, kill
    api.awaitResult(api.post("/api/v2/servers/" + id + "/power", "{\"action\": \"stop\"}"));
    assertThat(state(id)).isNotEqualTo("running");
    api.awaitResult(api.post("/api/v2/servers/" + id + "/power", "{\"action\": \"start\"}"));
    Await.until(WAIT, () -> state(id).equals("running"));
    Await.until(WAIT, () -> canConnect(cluster.nodeAddress(1), GAME_PORT));
  }

  @Test
  @Order(4)
  void spreadsNewServersOverTheNodesByDeclaredMemory() {
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonNode v =
          api.awaitResult(
              api.post(
                  "/api/v2/servers", "{\"game\": \"swarmgame\", \"name\": \"spread" + i + "\"}"));
      nodes.add(v.get("node").get("id").asText());
    }
    assertThat(nodes)
        .containsExactlyInAnyOrder(cluster.nodeId(0), cluster.nodeId(1), cluster.nodeId(2));
    JsonNode n1 = api.get("/api/v2/nodes/node1").json();
    assertThat(n1.get("servers")).hasSize(2);
    assertThat(n1.get("allocatedMemoryBytes").asLong()).isEqualTo(2L << 30);
    // bad placements are refused at once and make nothing
    Res bad =
        api.post(
            "/api/v2/servers",
            "{\"game\": \"swarmgame\", \"name\": \"bad\", \"placement\": {\"node\": \"no such\"}}");
    assertThat(bad.status()).isEqualTo(400);
    Res unknown =
        api.post(
            "/api/v2/servers",
            "{\"game\": \"swarmgame\", \"name\": \"bad\", \"placement\": {\"node\": \"node9\"}}");
    assertThat(unknown.status()).as(unknown.body()).isEqualTo(400);
    Res noLabel =
        api.post(
            "/api/v2/servers",
            "{\"game\": \"swarmgame\", \"name\": \"bad\", \"placement\": {\"labels\": {\"zone\":"
                + " \"mars\"}}}");
    assertThat(noLabel.status()).as(noLabel.body()).isEqualTo(409);
    assertThat(noLabel.json().get("type").asText()).endsWith("/node-unavailable");
    assertThat(api.get("/api/v2/servers/swarmgame.bad").status()).isEqualTo(404);
  }

  @Test
  @Order(5)
  void movesARunningServerToAnotherNodeReportingTheDowntime() {
    String id = "swarmgame.pin2";
    JsonNode move =
        api.awaitResult(
            api.post("/api/v2/servers/" + id + "/move", "{\"placement\": {\"node\": \"node0\"}}"));
    assertThat(move.get("from").asText()).isEqualTo(cluster.nodeId(2));
    assertThat(move.get("to").asText()).isEqualTo(cluster.nodeId(0));
    assertThat(move.get("downtimeSeconds").asDouble()).isPositive();
    assertThat(move.get("backup").asText()).isNotEmpty();
    figures.add(
        "move of a running server node2 -> node0: down " + move.get("downtimeSeconds") + " s");
    assertThat(nodeOf(id)).isEqualTo(cluster.nodeId(0));
    Await.until(WAIT, () -> state(id).equals("running"));
    Await.until(WAIT, () -> !canConnect(cluster.nodeAddress(2), GAME_PORT));
    // node0 ran pin0 on GAME_PORT already: pin2 got another port there
    int moved = portOf(id);
    assertThat(moved).isNotEqualTo(GAME_PORT);
    Await.until(WAIT, () -> canConnect(cluster.nodeAddress(0), moved));
    // a move to where the server already is changes nothing
    assertThat(
            api.post(
                    "/api/v2/servers/swarmgame.pin0/move", "{\"placement\": {\"node\": \"node0\"}}")
                .status())
        .isEqualTo(400);
  }

  @Test
  @Order(6)
  void drainingANodeMovesItsServersAwayAndActivatingTakesServersAgain() {
    // a running server on node2: it must run again elsewhere, stopped by us, not killed by Swarm
    api.awaitResult(
        api.post(
            "/api/v2/servers",
            "{\"game\": \"swarmgame\", \"name\": \"drainrun\", \"start\": true,"
                + " \"placement\": {\"node\": \"node2\"}}"));
    Await.until(WAIT, () -> state("swarmgame.drainrun").equals("running"));
    assertThat(api.get("/api/v2/nodes/node2").json().get("servers")).isNotEmpty();
    // through the CLI: it follows the drain operation and prints each move
    String drained = peon("nodes", "drain", "node2");
    assertThat(drained).contains("node2: drained").contains(" -> ");
    JsonNode node2 = api.get("/api/v2/nodes/node2").json();
    assertThat(node2.get("availability").asText()).isEqualTo("drain");
    assertThat(node2.get("servers")).isEmpty();
    assertThat(nodeOf("swarmgame.drainrun")).isNotEqualTo(cluster.nodeId(2));
    Await.until(WAIT, () -> state("swarmgame.drainrun").equals("running"));
    assertThat(api.get("/api/v2/servers/swarmgame.drainrun").json().get("lastCrash").isNull())
        .as("stopped by us, not killed")
        .isTrue();
    Res placed =
        api.post(
            "/api/v2/servers",
            "{\"game\": \"swarmgame\", \"name\": \"late\", \"placement\": {\"node\": \"node2\"}}");
    assertThat(placed.status()).as(placed.body()).isEqualTo(409);
    assertThat(placed.json().get("type").asText()).endsWith("/node-unavailable");
    assertThat(peon("nodes", "activate", "node2")).contains("node2: active");
    // the CLI pins a new server there again
    peon("servers", "create", "swarmgame", "late", "--node", "node2");
    assertThat(nodeOf("swarmgame.late")).isEqualTo(cluster.nodeId(2));
  }

  @Test
  @Order(7)
  void aLostWorkerIsMarkedWithinSecondsAndItsServersAreRestoredElsewhereFromBackup()
      throws Exception {
    String id = "swarmgame.pin1";
    assertThat(nodeOf(id)).isEqualTo(cluster.nodeId(1));
    Await.until(WAIT, () -> state(id).equals("running"));
    Path world = root.resolve("data/servers/swarmgame/pin1/data/world.txt");
    Files.writeString(world, "backed up\n");
    api.awaitResult(api.post("/api/v2/servers/" + id + "/backups", "{}"));
    Files.writeString(world, "after the last backup\n");

    Instant killed = Instant.now();
    cluster.killNode(1);
    Await.until(WAIT, () -> state(id).equals("unavailable"));
    Duration detected = Duration.between(killed, Instant.now());
    figures.add("lost worker detected (server unavailable) after " + detected.toMillis() + " ms");
    assertThat(api.get("/api/v2/nodes/node1").json().get("status").asText()).isNotEqualTo("ready");

    JsonNode failover = awaitOperation("server.failover", id);
    assertThat(failover.get("status").asText()).as(failover.toString()).isEqualTo("succeeded");
    assertThat(failover.get("result").get("from").asText()).isEqualTo(cluster.nodeId(1));
    Await.until(WAIT, () -> state(id).equals("running"));
    Duration restored = Duration.between(killed, Instant.now());
    figures.add(
        "lost worker's server running elsewhere from backup after " + restored.toMillis() + " ms");
    String now = nodeOf(id);
    assertThat(now).isIn(cluster.nodeId(0), cluster.nodeId(2));
    assertThat(read(world)).isEqualTo("backed up");
    int i = index(now);
    Await.until(WAIT, () -> canConnect(cluster.nodeAddress(i), portOf(id)));
    // the folder as the lost node left it is kept as a pre-restore backup
    assertThat(api.get("/api/v2/servers/" + id + "/backups").body()).contains("pre-restore");
  }

  @Test
  @Order(8)
  void aCrashOnANodeIsRestartedAndSchedulesAndUpdatesRunThere() {
    String id = "swarmgame.pin1"; // on node0 or node2 since its node was lost
    int i = index(nodeOf(id));
    String startedAt = api.get("/api/v2/servers/" + id).json().get("startedAt").asText();
    // the game dies on its node, not by our hand: exit 137, seen through the manager's tasks
    try (DockerContainerRuntime node = new DockerContainerRuntime(cluster.nodeHost(i))) {
      List<ContainerInfo> tasks = node.list(Map.of("dev.peon.server", id));
      assertThat(tasks).isNotEmpty();
      tasks.stream()
          .filter(c -> c.state() == ContainerState.RUNNING)
          .forEach(c -> node.kill(c.name()));
    }
    Await.until(
        WAIT,
        () -> {
          JsonNode v = api.get("/api/v2/servers/" + id).json();
          return v.path("lastCrash").path("exitCode").asLong() == 137
              && v.path("state").asText().equals("running")
              && !v.path("startedAt").asText().equals(startedAt);
        });
    // a one-shot schedule fires on the cluster like anywhere
    String at = Instant.now().plusSeconds(2).toString();
    Res schedule =
        api.post(
            "/api/v2/servers/" + id + "/schedules",
            "{\"action\": \"stop\", \"at\": \"" + at + "\"}");
    assertThat(schedule.status()).as(schedule.body()).isEqualTo(201);
    Await.until(WAIT, () -> !state(id).equals("running"));
    // an update that restarts the game with its update flag (no registry here: no image pull)
    api.awaitResult(api.post("/api/v2/servers/" + id + "/update", "{\"mode\": \"server\"}"));
    api.awaitResult(api.post("/api/v2/servers/" + id + "/power", "{\"action\": \"start\"}"));
    Await.until(WAIT, () -> state(id).equals("running"));
    assertThat(nodeOf(id)).isEqualTo(cluster.nodeId(i));
  }

  // ------------------------------------------------------------------ helpers

  private String state(String id) {
    return api.get("/api/v2/servers/" + id).json().path("state").asText();
  }

  /** The finished operation of that kind on that server (waits for it to appear and end). */
  private JsonNode awaitOperation(String kind, String server) {
    JsonNode[] found = {null};
    Await.until(
        WAIT,
        () -> {
          for (JsonNode op : api.get("/api/v2/operations?server=" + server).json().path("items")) {
            String status = op.path("status").asText();
            if (op.path("kind").asText().equals(kind)
                && (status.equals("succeeded") || status.equals("failed"))) {
              found[0] = op;
              return true;
            }
          }
          return false;
        });
    return found[0];
  }

  private String nodeOf(String id) {
    return api.get("/api/v2/servers/" + id).json().path("node").path("id").asText();
  }

  private int portOf(String id) {
    return api.get("/api/v2/servers/" + id).json().get("ports").get(0).get("port").asInt();
  }

  private int index(String nodeId) {
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.nodeId(i).equals(nodeId)) {
        return i;
      }
    }
    throw new AssertionError("no node " + nodeId);
  }

  private static boolean canConnect(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private String peon(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new PeonCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", api.base(), "--api-key", KEY));
    int code = cli.execute(all.toArray(String[]::new));
    assertThat(code).as(out + "\n" + err).isZero();
    return out.toString();
  }
}
