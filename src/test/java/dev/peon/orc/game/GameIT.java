package dev.peon.orc.game;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.FreePorts;
import dev.peon.orc.testing.Operations;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Game awareness end to end on the real dockerd, through the v2 API, with a fake game that speaks
 * the real protocols (A2S with challenges, Minecraft SLP, a log line): starting then ready, players
 * joining and leaving, a frozen game restarted, idle stop, sleep and wake on a UDP packet and on a
 * Minecraft join, with Steam queries and status pings answered while asleep. Timings are short here
 * (probes every 300 ms, idle after 3 s).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GameIT {
  private static final String KEY = "game-key-" + Long.toHexString(System.nanoTime());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private Application app;
  private String base;
  private DockerContainerRuntime docker;
  private final Map<String, int[]> ports = new java.util.HashMap<>();
  private final List<JsonNode> seenEvents = new ArrayList<>();
  private Thread eventReader;

  record Res(int status, JsonNode json) {}

  @BeforeAll
  void start() throws Exception {
    root = Files.createTempDirectory("peon-game-it");
    Path plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    String image = FakeQueryImage.build();
    String fast =
        "\"interval\": \"300ms\", \"timeout\": \"500ms\", \"grace\": \"20s\", \"failures\": 3";
    writePlan(
        plans,
        "gamea2s",
        image,
        "{\"readiness\": {\"type\": \"a2s\", \"port\": \"QUERY_PORT\", "
            + fast
            + "},"
            + " \"say\": \"say {message}\"}");
    writePlan(
        plans,
        "gamemc",
        image,
        "{\"readiness\": {\"type\": \"minecraft\", \"port\": \"MC_PORT\", " + fast + "}}");
    writePlan(
        plans,
        "gamelog",
        image,
        "{\"readiness\": {\"type\": \"log\", \"pattern\": \"Game server ready\", " + fast + "}}");
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
                    Map.entry("network.subnet.pool", "10.233.0.0/22"),
                    Map.entry("docker.host", TestDocker.host())));
    app = Application.start(config, Clock.systemUTC());
    base = "http://127.0.0.1:" + app.port();
    followEvents();
  }

  private void writePlan(Path plans, String game, String image, String section) throws IOException {
    int mc = FreePorts.any();
    int query = freeUdp();
    ports.put(game, new int[] {mc, query});
    Path plan = Files.createDirectories(plans.resolve(game));
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "game test"},
         "ports": [[{"MC_PORT": ["%d", "tcp"]}, {"QUERY_PORT": ["%d", "udp"]}]],
         "environment": {"SERVER_NAME": "Fake %s", "READY_AFTER": "3", "DATA": "/data"},
         "volumes": {"~!/data": "/data"},
         "game": %s}
        """
            .formatted(game, image, mc, query, game, section));
  }

  private static int freeUdp() throws IOException {
    for (int i = 0; i < 100; i++) {
      int p = FreePorts.any();
      try (DatagramSocket s = new DatagramSocket(p)) {
        return p;
      } catch (IOException e) {
        // taken: another
      }
    }
    throw new IOException("no free UDP port");
  }

  @AfterAll
  void stop() throws IOException {
    try {
      if (eventReader != null) {
        eventReader.interrupt();
      }
      if (app != null) {
        app.close();
      }
    } finally {
      for (String game : ports.keySet()) {
        for (ContainerInfo c : docker.list(Map.of("dev.peon.game", game))) {
          docker.remove(c.name());
        }
      }
      for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
        if (ports.keySet().stream().anyMatch(g -> n.startsWith(g + "_"))) {
          docker.removeNetwork(n);
        }
      }
      docker.close();
      FileTrees.deleteTree(root);
    }
  }

  @Test
  @Order(1)
  void aStartedGameIsStartingUntilItAnswersItsQueryThenReady() {
    create("gamea2s", "a");
    power("gamea2s.a", "start");
    List<String> seen = new ArrayList<>();
    Await.until(
        WAIT,
        () -> {
          String s = get("/api/v2/servers/gamea2s.a").json().path("gameState").asText("");
          if (!s.isEmpty() && (seen.isEmpty() || !seen.getLast().equals(s))) {
            seen.add(s);
          }
          return s.equals("ready");
        });
    assertThat(seen).containsSubsequence("starting", "ready");
    JsonNode server = get("/api/v2/servers/gamea2s.a").json();
    assertThat(server.get("state").asText()).isEqualTo("running"); // Docker's, beside it
    assertThat(server.get("players").get("online").asInt()).isZero();
    assertThat(server.get("players").get("max").asInt()).isEqualTo(16);
    JsonNode game = get("/api/v2/servers/gamea2s.a/game").json();
    assertThat(game.get("probe").get("type").asText()).isEqualTo("a2s");
    assertThat(game.get("players").get("map").asText()).isEqualTo("fake_map");
    assertThat(game.get("players").get("version").asText()).isEqualTo("1.0.7");
    assertThat(game.get("players").get("serverName").asText()).isEqualTo("Fake gamea2s");
    assertThat(game.get("readySeconds").asInt()).isGreaterThanOrEqualTo(0);
    assertThat(metrics())
        .contains("peon_server_game_state{server=\"gamea2s.a\",state=\"ready\"} 1.0")
        .contains("peon_server_game_state{server=\"gamea2s.a\",state=\"starting\"} 0.0");
    assertThat(events("gamea2s.a", "server.game"))
        .anyMatch(e -> e.path("state").asText().equals("ready"));
    // v1 keeps its exact shape: no game fields there
    JsonNode v1 = getV1("/api/v1/servers");
    assertThat(v1.toString()).doesNotContain("gameState");
  }

  @Test
  @Order(2)
  void playersJoiningAndLeavingAreSeenWithTheirNames() throws IOException {
    Path data = serverData("gamea2s", "a");
    Files.writeString(data.resolve("players"), "alice\nbob\n");
    Await.until(
        WAIT,
        () ->
            get("/api/v2/servers/gamea2s.a/game").json().path("players").path("online").asInt()
                == 2);
    JsonNode players = get("/api/v2/servers/gamea2s.a/players").json();
    List<String> names = new ArrayList<>();
    players.get("players").get("names").forEach(n -> names.add(n.asText()));
    assertThat(names).containsExactly("alice", "bob");
    assertThat(metrics()).contains("peon_server_players{server=\"gamea2s.a\"} 2.0");

    Files.writeString(data.resolve("players"), "bob\n");
    Await.until(
        WAIT,
        () ->
            get("/api/v2/servers/gamea2s.a/game").json().path("players").path("online").asInt()
                == 1);
    List<JsonNode> changes = events("gamea2s.a", "server.players");
    assertThat(changes).anyMatch(e -> e.path("joined").toString().equals("[\"alice\",\"bob\"]"));
    assertThat(changes).anyMatch(e -> e.path("left").toString().equals("[\"alice\"]"));
    JsonNode history = get("/api/v2/servers/gamea2s.a/players").json().get("history");
    List<Integer> counts = new ArrayList<>();
    history.forEach(h -> counts.add(h.get("online").asInt()));
    assertThat(counts).containsSubsequence(0, 2, 1);
    Files.delete(data.resolve("players"));
  }

  @Test
  @Order(3)
  void aGameThatStopsAnsweringAfterItWasReadyIsRestartedWithTheReasonRecorded() throws IOException {
    String startedAt = get("/api/v2/servers/gamea2s.a").json().get("startedAt").asText();
    Path freeze = serverData("gamea2s", "a").resolve("freeze");
    Files.writeString(freeze, "");
    Await.until(
        WAIT,
        () ->
            !get("/api/v2/servers/gamea2s.a/game").json().path("lastRestartReason").isNull()
                && !get("/api/v2/servers/gamea2s.a")
                    .json()
                    .path("startedAt")
                    .asText()
                    .equals(startedAt));
    Files.delete(freeze);
    JsonNode game = get("/api/v2/servers/gamea2s.a/game").json();
    assertThat(game.get("lastRestartReason").asText())
        .startsWith("unhealthy: ")
        .contains("3 failed probes");
    assertThat(events("gamea2s.a", "server.game"))
        .anyMatch(e -> e.path("state").asText().equals("unhealthy"));
    Await.until(
        WAIT,
        () -> get("/api/v2/servers/gamea2s.a").json().path("gameState").asText().equals("ready"));
  }

  @Test
  @Order(4)
  void anEmptyServerIsStoppedAfterTheIdleTimeWithAWarningFirstAndSleeps() {
    Res put =
        put(
            "/api/v2/servers/gamea2s.a/game/settings",
            "{\"idle\": {\"after\": \"4s\", \"warnings\": [\"2s\"]}}");
    assertThat(put.status()).as(put.json().toString()).isEqualTo(200);
    assertThat(put.json().get("settings").get("idle").get("after").asText()).isEqualTo("4s");
    Await.until(
        WAIT,
        () -> {
          JsonNode s = get("/api/v2/servers/gamea2s.a").json();
          return s.path("state").asText().equals("exited") && s.path("sleeping").asBoolean();
        });
    JsonNode s = get("/api/v2/servers/gamea2s.a").json();
    assertThat(s.get("lastStopReason").asText()).isEqualTo("stopped: idle 4 s");
    assertThat(s.get("desiredState").asText()).isEqualTo("stopped");
    Await.until(
        WAIT,
        () ->
            events("gamea2s.a", "server.idle").stream()
                .anyMatch(e -> e.path("stage").asText().equals("stopped")));
    assertThat(events("gamea2s.a", "server.idle"))
        .anyMatch(e -> e.path("stage").asText().equals("warning"));
    JsonNode logs = get("/api/v2/servers/gamea2s.a/logs?lines=200").json();
    assertThat(logs.toString()).contains("console: say Nobody is playing");
    Await.until(
        WAIT, () -> get("/api/v2/servers/gamea2s.a/game").json().path("listening").asBoolean());
  }

  @Test
  @Order(5)
  void aSleepingServerAnswersSteamQueriesAsSleepingWithoutWakingUp() throws Exception {
    InetSocketAddress query = new InetSocketAddress(LOOPBACK, ports.get("gamea2s")[1]);
    PlayerInfo info = A2s.query(query, Duration.ofSeconds(2), true);
    assertThat(info.serverName()).isEqualTo("Fake gamea2s (sleeping)");
    assertThat(info.online()).isZero();
    assertThat(info.max()).isEqualTo(16);
    assertThat(info.names()).isEmpty();
    // an independent implementation of the protocol reads the same answer
    assertThat(IndependentA2s.infoName(query)).isEqualTo("Fake gamea2s (sleeping)");
    assertThat(get("/api/v2/servers/gamea2s.a").json().get("state").asText()).isEqualTo("exited");
  }

  @Test
  @Order(6)
  void aQueryFloodOnASleepingServerIsAnsweredOnlyAtTheGuardsRateAndWakesNothing()
      throws IOException {
    int answers = 0;
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(500);
      byte[] request = A2s.infoRequest(-1);
      for (int i = 0; i < 300; i++) {
        s.send(new DatagramPacket(request, request.length, LOOPBACK, ports.get("gamea2s")[1]));
      }
      try {
        while (true) {
          s.receive(new DatagramPacket(new byte[1500], 1500));
          answers++;
        }
      } catch (java.net.SocketTimeoutException e) {
        // no more answers
      }
    }
    assertThat(answers).isBetween(1, 299); // a burst, then the per-source rate: not all 300
    assertThat(get("/api/v2/servers/gamea2s.a").json().get("state").asText()).isEqualTo("exited");
  }

  @Test
  @Order(7)
  void aSleepingServerWakesAtTheFirstRealPacketAndBecomesReady() throws Exception {
    try (DatagramSocket s = new DatagramSocket()) {
      byte[] connect = "\u00ff\u00ff\u00ff\u00ffgetchallenge".getBytes(StandardCharsets.ISO_8859_1);
      // a few tries, paced: the flood before may have emptied this source's tokens for a moment
      for (int i = 0;
          i < 5
              && !get("/api/v2/servers/gamea2s.a")
                  .json()
                  .path("desiredState")
                  .asText()
                  .equals("running");
          i++) {
        s.send(
            new DatagramPacket(
                connect, connect.length, new InetSocketAddress(LOOPBACK, ports.get("gamea2s")[1])));
        Thread.sleep(400);
      }
    }
    Await.until(
        WAIT,
        () -> get("/api/v2/servers/gamea2s.a").json().path("gameState").asText().equals("ready"));
    JsonNode s = get("/api/v2/servers/gamea2s.a").json();
    assertThat(s.get("sleeping").asBoolean()).isFalse();
    assertThat(s.get("desiredState").asText()).isEqualTo("running");
    assertThat(events("gamea2s.a", "server.wake"))
        .anyMatch(e -> e.path("reason").asText().startsWith("udp packet from"));
    // not idle again at once: idle stop off for the next tests
    assertThat(put("/api/v2/servers/gamea2s.a/game/settings", "null").status()).isEqualTo(200);
  }

  @Test
  @Order(8)
  void aMinecraftServerAnswersStatusWhileAsleepAndAJoinStartsIt() throws Exception {
    create("gamemc", "m");
    power("gamemc.m", "start");
    Await.until(
        WAIT,
        () -> get("/api/v2/servers/gamemc.m").json().path("gameState").asText().equals("ready"));
    InetSocketAddress mc = new InetSocketAddress(LOOPBACK, ports.get("gamemc")[0]);
    PlayerInfo awake = ServerListPing.status(mc, Duration.ofSeconds(2));
    assertThat(awake.version()).isEqualTo("1.21.1");
    assertThat(awake.serverName()).isEqualTo("Fake gamemc");

    assertThat(post("/api/v2/servers/gamemc.m/sleep", "{}").status()).isEqualTo(202);
    Await.until(
        WAIT, () -> get("/api/v2/servers/gamemc.m/game").json().path("listening").asBoolean());
    assertThat(get("/api/v2/servers/gamemc.m").json().get("lastStopReason").asText())
        .isEqualTo("stopped: asleep by request");
    PlayerInfo asleep = ServerListPing.status(mc, Duration.ofSeconds(2));
    assertThat(asleep.serverName()).isEqualTo("Fake gamemc is sleeping, join to wake it");
    assertThat(asleep.online()).isZero();
    assertThat(get("/api/v2/servers/gamemc.m").json().get("state").asText()).isEqualTo("exited");

    String message = minecraftLogin(mc);
    assertThat(message).contains("Fake gamemc is starting, come back in about");
    Await.until(
        WAIT,
        () -> get("/api/v2/servers/gamemc.m").json().path("gameState").asText().equals("ready"));
    assertThat(events("gamemc.m", "server.wake"))
        .anyMatch(e -> e.path("reason").asText().startsWith("minecraft login"));
    // the benchmark figure: from the join attempt (the wake) to the game answering its query
    java.time.Instant woke =
        java.time.Instant.parse(events("gamemc.m", "server.wake").getLast().path("at").asText());
    Await.until(WAIT, () -> readyAfter("gamemc.m", woke) != null); // the stream may lag
    java.time.Instant ready = readyAfter("gamemc.m", woke);
    System.out.println(
        "BENCH join-to-ready ms="
            + Duration.between(woke, ready).toMillis()
            + " (fake game loads 3 s, probe every 300 ms)");
  }

  private java.time.Instant readyAfter(String server, java.time.Instant woke) {
    return events(server, "server.game").stream()
        .filter(e -> e.path("state").asText().equals("ready"))
        .map(e -> java.time.Instant.parse(e.path("at").asText()))
        .filter(t -> t.isAfter(woke))
        .findFirst()
        .orElse(null);
  }

  @Test
  @Order(9)
  void aGameReadyByItsLogLineIsReady() {
    create("gamelog", "l");
    power("gamelog.l", "start");
    Await.until(
        WAIT,
        () -> get("/api/v2/servers/gamelog.l").json().path("gameState").asText().equals("ready"));
    assertThat(get("/api/v2/servers/gamelog.l/game").json().get("probe").get("type").asText())
        .isEqualTo("log");
  }

  @Test
  @Order(10)
  void invalidGameSettingsAreRefusedWithEveryProblemAndChangeNothing() {
    Res bad =
        put(
            "/api/v2/servers/gamelog.l/game/settings",
            "{\"readiness\": {\"type\": \"smoke\"}, \"idle\": {\"after\": \"soon\"},"
                + " \"wake\": {\"allow\": [\"not-an-ip\"]}}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("problems").size()).isGreaterThanOrEqualTo(3);
    assertThat(get("/api/v2/servers/gamelog.l/game").json().get("override").isNull()).isTrue();
    assertThat(put("/api/v2/servers/nosuch.server/game/settings", "{}").status()).isEqualTo(404);
  }

  // ------------------------------------------------------------------ helpers

  /** Logs in to a sleeping Minecraft server and returns the disconnect message. */
  private static String minecraftLogin(InetSocketAddress mc) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(mc, 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(ServerListPing.handshake(767, "localhost", mc.getPort(), 2));
      var name = new java.io.ByteArrayOutputStream();
      ServerListPing.writeString(name, "steve");
      s.getOutputStream().write(ServerListPing.packet(0, name.toByteArray()));
      s.getOutputStream().flush();
      ServerListPing.Packet p = ServerListPing.readPacket(new DataInputStream(s.getInputStream()));
      assertThat(p.id()).isZero();
      return ServerListPing.readString(new DataInputStream(p.stream()));
    }
  }

  private Path serverData(String game, String name) {
    return root.resolve("data").resolve("servers").resolve(game).resolve(name).resolve("data");
  }

  private void create(String game, String name) {
    Res created =
        post("/api/v2/servers", "{\"game\": \"" + game + "\", \"name\": \"" + name + "\"}");
    assertThat(created.status()).as(created.json().toString()).isIn(201, 202);
    if (created.status() == 202) {
      Operations.awaitResult(p -> get(p).json(), created.json());
    }
  }

  private void power(String id, String action) {
    Res r = post("/api/v2/servers/" + id + "/power", "{\"action\": \"" + action + "\"}");
    assertThat(r.status()).as(r.json().toString()).isEqualTo(202);
  }

  /** The events of one type for one server seen since the test class started. */
  private List<JsonNode> events(String server, String type) {
    List<JsonNode> out = new ArrayList<>();
    synchronized (seenEvents) {
      for (JsonNode e : seenEvents) {
        if (e.path("server").asText().equals(server) && e.path("_type").asText().equals(type)) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /** Follows the event stream in the background for the whole class. */
  private void followEvents() {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/api/v2/events"))
            .header("X-Api-Key", KEY)
            .build();
    eventReader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    HttpResponse<Stream<String>> r =
                        http.send(req, HttpResponse.BodyHandlers.ofLines());
                    String event = null;
                    var it = r.body().iterator();
                    while (it.hasNext()) {
                      String line = it.next();
                      if (line.startsWith("event:")) {
                        event = line.substring(6).trim();
                      } else if (line.startsWith("data:") && event != null) {
                        var node =
                            (com.fasterxml.jackson.databind.node.ObjectNode)
                                JSON.readTree(line.substring(5).trim());
                        node.put("_type", event);
                        synchronized (seenEvents) {
                          seenEvents.add(node);
                        }
                      }
                    }
                  } catch (IOException | InterruptedException | RuntimeException e) {
                    // the orchestrator stopped
                  }
                });
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

  private JsonNode getV1(String path) {
    return call("GET", path, null).json();
  }

  private Res get(String path) {
    return call("GET", path, null);
  }

  private Res post(String path, String body) {
    return call("POST", path, body);
  }

  private Res put(String path, String body) {
    return call("PUT", path, body);
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
