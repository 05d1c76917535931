package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
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
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The console end to end against a real dockerd: a fake game that echoes its stdin and prints a
 * counter; WebSocket and REST commands, history across reconnects and an orchestrator restart,
 * tickets, origins, abuse, the PEON v1 console, and a clean end when the server stops.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
  private static final String KEY = "console-key-" + Long.toHexString(System.nanoTime());
  private static final String GOOD_ORIGIN = "http://dashboard.example";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SOON = Duration.ofSeconds(20);
  private static final Pattern TICK = Pattern.compile("tick (\\d+)");
  private static final String SERVER = "consolegame.one";
  private static final String FLOOD = "consoleflood.one";

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<WsClient> clients = new ArrayList<>();
  private Path root;
  private Path data;
  private Path plans;
  private Application app;
  private String base;
  private String wsBase;
  private DockerContainerRuntime docker;

  record Res(int status, JsonNode json, String body) {}

  @BeforeAll
  void start() throws IOException {
    root = Files.createTempDirectory("peon-console-it");
    data = root.resolve("data");
    plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    String image = TestImages.fakeGame();
    plan(
        "consolegame",
        image,
        "i=0; while true; do echo \"tick $i\"; i=$((i+1)); sleep 0.1; done\n");
    plan(
        "consoleflood",
        image,
        "i=0; while [ $i -lt 200000 ]; do echo \"flood $i\"; i=$((i+1)); done; sleep 3600\n");
    startApp();
  }

  private void plan(String game, String image, String serverStart) throws IOException {
    Path plan = plans.resolve(game);
    Files.createDirectories(plan.resolve("actions"));
    Files.writeString(plan.resolve("actions/server_start"), serverStart);
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "console test game"},
         "ports": [[{"PORT": ["%d", "tcp"]}]],
         "environment": {"SERVER_NAME": "console"},
         "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                     "~!/actions": "/actions"}}
        """
            .formatted(game, image, FreePorts.any()));
  }

  private void startApp() {
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
                        "cors.origins",
                        GOOD_ORIGIN,
                        "network.subnet.pool",
                        "10.220.0.0/20",
                        "docker.host",
                        TestDocker.host())),
            Clock.systemUTC());
    base = "http://127.0.0.1:" + app.port();
    wsBase = "ws://127.0.0.1:" + app.port();
  }

  @AfterAll
  void stop() throws IOException {
    clients.forEach(WsClient::close);
    if (app != null) {
      app.close();
    }
    for (String game : List.of("consolegame", "consoleflood")) {
      for (ContainerInfo c : docker.list(Map.of("dev.peon.game", game))) {
        docker.remove(c.name());
      }
      for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
        if (n.startsWith(game + "_")) {
          docker.removeNetwork(n);
        }
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  @Test
  @Order(1)
  void sendsACommandOverTheWebSocketAndSeesTheGameEchoIt() {
    create(SERVER);
    WsClient ws = console(SERVER, "");
    ws.await("running state", m -> m.path("state").asText().equals("running"), SOON);
    ws.await("a tick", m -> m.path("text").asText().startsWith("tick "), SOON);
    ws.send("{\"type\":\"command\",\"text\":\"say hello\"}");
    JsonNode echo =
        ws.await("the echo", m -> m.path("text").asText().equals("echo: say hello"), SOON);
    assertThat(echo.path("type").asText()).isEqualTo("line");
    assertThat(echo.path("stream").asText()).isEqualTo("stdout");
    assertThat(echo.path("source").asText()).isEqualTo("game");
    assertThat(Instant.parse(echo.path("time").asText())).isBefore(Instant.now().plusSeconds(5));
    assertThat(ws.ofType("line"))
        .as("the orchestrator's own line about the start")
        .anyMatch(
            m ->
                m.path("source").asText().equals("orchestrator")
                    && m.path("text").asText().contains("starting the server"));
    List<Long> seqs = ws.ofType("line").stream().map(m -> m.path("seq").asLong()).toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    ws.send("{\"type\":\"command\",\"text\":\"two\\nlines\"}");
    ws.await("an error", m -> m.path("type").asText().equals("error"), SOON);
    // a command typed into the socket is audited with who typed it, without the line itself
    JsonNode audited =
        get("/api/v2/audit?action=server.command&target=" + SERVER).json().get("items");
    assertThat(audited).isNotEmpty();
    JsonNode first = audited.get(0);
    assertThat(first.get("actor").asText()).isEqualTo("v1-key");
    assertThat(first.get("params").get("via").asText()).isEqualTo("websocket");
    assertThat(first.get("params").get("verb").asText()).isEqualTo("say");
    assertThat(first.toString()).doesNotContain("hello");
  }

  @Test
  @Order(2)
  void sendsCommandsAndReadsLogsOverRest() {
    Res sent = post("/api/v2/servers/" + SERVER + "/command", "{\"text\": \"rest hello\"}");
    assertThat(sent.status()).as(sent.body()).isEqualTo(202);
    await(() -> logTexts(1000).contains("echo: rest hello"));
    Res five = get("/api/v2/servers/" + SERVER + "/logs?lines=5");
    assertThat(five.json().get("items")).hasSize(5);
    String since = five.json().get("items").get(0).get("time").asText();
    Res after = get("/api/v2/servers/" + SERVER + "/logs?lines=1000&since=" + since);
    assertThat(after.json().get("items").size()).isBetween(5, 1000);
    assertThat(post("/api/v2/servers/" + SERVER + "/command", "{\"text\": \"a\\u0000b\"}").status())
        .isEqualTo(400);
    assertThat(post("/api/v2/servers/" + SERVER + "/command", "{\"text\": \"a\\rb\"}").status())
        .isEqualTo(400);
    assertThat(post("/api/v2/servers/" + SERVER + "/command", "{\"txt\": \"x\"}").status())
        .isEqualTo(400);
    assertThat(post("/api/v2/servers/consolegame.nope/command", "{\"text\": \"x\"}").status())
        .isEqualTo(404);
    assertThat(get("/api/v2/servers/" + SERVER + "/logs?lines=0").status()).isEqualTo(400);
    Res download = get("/api/v2/servers/" + SERVER + "/logs/download");
    assertThat(download.status()).isEqualTo(200);
    assertThat(download.body()).contains(" stdout echo: rest hello\n").contains("tick 0\n");
    // the whole log searched on the server: only the lines with the text, case ignored
    Res found = get("/api/v2/servers/" + SERVER + "/logs/download?q=REST%20Hello");
    assertThat(found.status()).isEqualTo(200);
    assertThat(found.body().lines().toList())
        .isNotEmpty()
        .allMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("rest hello"));
    assertThat(found.body()).doesNotContain("tick 0");
    assertThat(get("/api/v2/servers/" + SERVER + "/logs/download?q=").status()).isEqualTo(400);
  }

  @Test
  @Order(3)
  void keepsHistoryAcrossReconnects() {
    WsClient again = console(SERVER, "?history=1000");
    JsonNode echo =
        again.await("old echo", m -> m.path("text").asText().equals("echo: say hello"), SOON);
    JsonNode older = again.ofType("line").get(0);
    again.send("{\"type\":\"history\",\"before\":" + echo.get("seq").asLong() + ",\"limit\":3}");
    JsonNode page =
        again.await("a history page", m -> m.path("type").asText().equals("history"), SOON);
    assertThat(page.get("lines")).hasSize(3);
    assertThat(page.get("lines").get(2).get("seq").asLong())
        .isEqualTo(echo.get("seq").asLong() - 1);
    assertThat(older.get("seq").asLong()).isLessThan(echo.get("seq").asLong());
    assertContiguousTicks(texts(again.ofType("line")));
  }

  @Test
  @Order(4)
  void letsBrowsersInWithASingleUseTicketAndChecksTheOrigin() {
    Res issued = post("/api/v2/console/tickets", "{\"server\": \"" + SERVER + "\"}");
    assertThat(issued.status()).as(issued.body()).isEqualTo(201);
    String ticket = issued.json().get("ticket").asText();
    assertThat(Instant.parse(issued.json().get("expiresAt").asText()))
        .isBefore(Instant.now().plusSeconds(31));
    String url = wsBase + "/api/v2/servers/" + SERVER + "/console?ticket=" + ticket;
    WsClient browser = track(WsClient.connect(http, url, Map.of("Origin", GOOD_ORIGIN)));
    browser.await("a line", m -> m.path("type").asText().equals("line"), SOON);
    assertHandshakeStatus(url, Map.of(), 401); // used once already
    assertHandshakeStatus(
        wsBase + "/api/v2/servers/" + SERVER + "/console?ticket=forged", Map.of(), 401);
    String other =
        post("/api/v2/console/tickets", "{\"server\": \"consolegame.two\"}").status() == 404
            ? post("/api/v2/console/tickets", "{}").json().get("ticket").asText()
            : null;
    assertThat(other).as("a ticket for an unknown server is refused with 404").isNotNull();
    Res bound = post("/api/v2/console/tickets", "{\"server\": \"" + FLOOD + "\"}");
    assertThat(bound.status()).isEqualTo(404); // not created yet
    assertHandshakeStatus(
        wsBase + "/api/v2/servers/" + SERVER + "/console",
        Map.of("X-Api-Key", KEY, "Origin", "http://evil.example"),
        403);
    assertHandshakeStatus(wsBase + "/api/v2/servers/" + SERVER + "/console", Map.of(), 401);
    assertHandshakeStatus(
        wsBase + "/api/v2/servers/" + SERVER + "/console", Map.of("X-Api-Key", "wrong"), 401);
    assertThat(post("/api/v2/console/tickets", "{\"server\": 5}").status()).isEqualTo(400);
    // an unbound ticket opens any console
    WsClient any =
        track(
            WsClient.connect(
                http, wsBase + "/api/v2/servers/" + SERVER + "/console?ticket=" + other, Map.of()));
    any.await("a line", m -> m.path("type").asText().equals("line"), SOON);
  }

  @Test
  @Order(5)
  void closesOversizedFramesAndFloodsWithoutDisturbingOthers() {
    WsClient bystander = console(SERVER, "?history=0");
    WsClient big = console(SERVER, "?history=0");
    big.send("{\"type\":\"command\",\"text\":\"" + "x".repeat(5000) + "\"}");
    assertThat(big.awaitClose(SOON)).isEqualTo(1009);
    WsClient flood = console(SERVER, "?history=0");
    for (int i = 0; i < 60 && !flood.closed.isDone(); i++) {
      try {
        flood.send("{\"type\":\"command\",\"text\":\"flood " + i + "\"}");
      } catch (CompletionException e) {
        break; // closed under us
      }
    }
    assertThat(flood.awaitClose(SOON)).isEqualTo(1008);
    assertThat(flood.closeReason).isEqualTo("too many refused messages");
    long echoed = logTexts(1000).stream().filter(t -> t.matches("echo: flood \\d+")).count();
    assertThat(echoed).as("only the allowed commands reached the game").isBetween(1L, 12L);
    assertThat(bystander.closed).isNotDone();
  }

  @Test
  @Order(6)
  void aViewerThatNeverReadsLosesOnlyItsOwnOldestMessages() throws Exception {
    create(FLOOD);
    WsClient stuck =
        track(
            WsClient.connect(
                http,
                wsBase + "/api/v2/servers/" + FLOOD + "/console?history=0",
                Map.of("X-Api-Key", KEY),
                false));
    WsClient reader = console(FLOOD, "?history=0");
    reader.await(
        "the last flood line",
        m ->
            m.path("text").asText().equals("flood 199999")
                || m.path("type").asText().equals("throttled"),
        Duration.ofSeconds(60));
    // the game still answers promptly on the other console
    WsClient other = console(SERVER, "?history=0");
    other.send("{\"type\":\"command\",\"text\":\"after flood\"}");
    other.await("echo", m -> m.path("text").asText().equals("echo: after flood"), SOON);
    stuck.startReading();
    JsonNode dropped =
        stuck.await("a dropped notice", m -> m.path("type").asText().equals("dropped"), SOON);
    assertThat(dropped.get("count").asLong()).isPositive();
    Res logs = get("/api/v2/servers/" + FLOOD + "/logs?lines=1");
    await(
        () ->
            texts(get("/api/v2/servers/" + FLOOD + "/logs?lines=1").json().get("items"))
                .contains("flood 199999"));
    assertThat(logs.status()).isEqualTo(200);
  }

  @Test
  @Order(7)
  void speaksThePeonV1Console() {
    Res logs = get("/api/v1/server/logs/" + SERVER + "?lines=5");
    assertThat(logs.status()).isEqualTo(200);
    assertThat(logs.json().get("logs")).hasSize(5);
    assertThat(logs.json().get("logs").get(0).isTextual()).isTrue();
    assertThat(get("/api/v1/server/logs/consolegame.nope").json().has("error")).isTrue();
    assertThat(get("/api/v1/server/get/" + SERVER).json().get("servername").asText())
        .isEqualTo("one");
    WsClient v1 =
        track(
            WsClient.connect(
                http, wsBase + "/api/v1/ws/console/" + SERVER, Map.of("X-Api-Key", KEY)));
    v1.await("a log frame", m -> m.path("type").asText().equals("log"), SOON);
    v1.send("v1 hello");
    v1.await("the echo", m -> m.path("data").asText().equals("echo: v1 hello"), SOON);
    assertThat(v1.messages()).allMatch(m -> m.path("type").asText().equals("log") && m.size() == 2);
    assertHandshakeStatus(wsBase + "/api/v1/ws/console/" + SERVER, Map.of(), 401);
  }

  @Test
  @Order(8)
  void survivesAnOrchestratorRestartWithoutLosingOrDoublingLines() throws Exception {
    int before = lastTick(logTexts(1000));
    clients.forEach(WsClient::close);
    clients.clear();
    app.close();
    Thread.sleep(1500); // the game keeps printing while the orchestrator is down
    startApp();
    await(() -> lastTick(logTexts(1000)) > before + 20);
    WsClient ws = console(SERVER, "?history=1000");
    ws.await("a live tick", m -> m.path("text").asText().startsWith("tick "), SOON);
    int seen = lastTick(texts(ws.ofType("line")));
    await(() -> lastTick(texts(ws.ofType("line"))) > seen + 10);
    List<String> lines = texts(ws.ofType("line"));
    assertContiguousTicks(lines);
    assertThat(ticks(lines)).contains(before, before + 1);
    List<Long> seqs = ws.ofType("line").stream().map(m -> m.path("seq").asLong()).toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    // after a restart of the server too
    Res op = post("/api/v2/servers/" + SERVER + "/power", "{\"action\": \"restart\"}");
    assertThat(op.status()).isEqualTo(202);
    assertThat(ws.awaitClose(Duration.ofSeconds(30))).isEqualTo(1000);
    await(
        () ->
            texts(get("/api/v2/servers/" + SERVER + "/logs?lines=1000").json().get("items"))
                    .stream()
                    .filter(t -> t.startsWith("fakegame"))
                    .count()
                >= 2);
    await(() -> lastTick(logTexts(1000)) >= 5 && logTexts(1000).getLast().startsWith("tick"));
    List<String> all = logTexts(1000);
    // two runs of the game: each run's counter is contiguous, nothing doubled
    int secondStart =
        all.lastIndexOf(
            all.stream().filter(t -> t.startsWith("fakegame")).reduce((a, b) -> b).orElseThrow());
    assertContiguousTicks(all.subList(0, secondStart));
    assertContiguousTicks(all.subList(secondStart, all.size()));
  }

  @Test
  @Order(9)
  void closesTheStreamCleanlyWhenTheServerStops() {
    WsClient ws = console(SERVER, "?history=5");
    ws.await("a tick", m -> m.path("text").asText().startsWith("tick "), SOON);
    Res op = post("/api/v2/servers/" + SERVER + "/power", "{\"action\": \"stop\"}");
    assertThat(op.status()).isEqualTo(202);
    assertThat(ws.awaitClose(Duration.ofSeconds(30))).isEqualTo(1000);
    assertThat(ws.closeReason).isEqualTo("server stopped");
    JsonNode last = ws.messages().getLast();
    assertThat(last.path("type").asText()).isEqualTo("state");
    assertThat(last.path("state").asText()).isEqualTo("exited");
    assertThat(ws.ofType("line"))
        .anyMatch(m -> m.path("text").asText().contains("stopping the server"));
    // a stopped server: history and state, then a clean close
    WsClient late = console(SERVER, "?history=3");
    assertThat(late.awaitClose(SOON)).isEqualTo(1000);
    assertThat(late.ofType("line")).hasSize(3);
    assertThat(post("/api/v2/servers/" + SERVER + "/command", "{\"text\": \"x\"}").status())
        .isEqualTo(409);
  }

  // ------------------------------------------------------------ helpers

  private void create(String id) {
    String[] parts = id.split("\\.");
    Res created =
        post("/api/v2/servers", "{\"game\": \"" + parts[0] + "\", \"name\": \"" + parts[1] + "\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(202);
    Operations.awaitResult(p -> get(p).json(), created.json());
    Res op = post("/api/v2/servers/" + id + "/power", "{\"action\": \"start\"}");
    assertThat(op.status()).as(op.body()).isEqualTo(202);
    await(() -> get("/api/v2/servers/" + id).json().path("state").asText().equals("running"));
  }

  private WsClient console(String id, String query) {
    return track(
        WsClient.connect(
            http, wsBase + "/api/v2/servers/" + id + "/console" + query, Map.of("X-Api-Key", KEY)));
  }

  private WsClient track(WsClient c) {
    clients.add(c);
    return c;
  }

  private void assertHandshakeStatus(String url, Map<String, String> headers, int status) {
    assertThatThrownBy(() -> WsClient.connect(http, url, headers))
        .satisfies(
            e -> {
              Throwable t = e;
              while (t != null && !(t instanceof WebSocketHandshakeException)) {
                t = t.getCause();
              }
              assertThat(t).as("a refused handshake").isNotNull();
              var response = ((WebSocketHandshakeException) t).getResponse();
              assertThat(response.statusCode())
                  .as(String.valueOf(response.body()))
                  .isEqualTo(status);
            });
  }

  private List<String> logTexts(int lines) {
    return texts(get("/api/v2/servers/" + SERVER + "/logs?lines=" + lines).json().get("items"));
  }

  private static List<String> texts(Iterable<JsonNode> lines) {
    List<String> out = new ArrayList<>();
    lines.forEach(l -> out.add(l.path("text").asText()));
    return out;
  }

  private static List<Integer> ticks(List<String> texts) {
    List<Integer> out = new ArrayList<>();
    for (String t : texts) {
      Matcher m = TICK.matcher(t);
      if (m.matches()) {
        out.add(Integer.parseInt(m.group(1)));
      }
    }
    return out;
  }

  private static int lastTick(List<String> texts) {
    List<Integer> t = ticks(texts);
    return t.isEmpty() ? -1 : t.getLast();
  }

  /** The counter lines go up by one each: none lost, none doubled. */
  private static void assertContiguousTicks(List<String> texts) {
    List<Integer> t = ticks(texts);
    assertThat(t).as("ticks").isNotEmpty();
    for (int i = 1; i < t.size(); i++) {
      assertThat(t.get(i)).as("tick after %s in %s", t.get(i - 1), t).isEqualTo(t.get(i - 1) + 1);
    }
  }

  private Res get(String path) {
    return call("GET", path, null);
  }

  private Res post(String path, String body) {
    return call("POST", path, body);
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
      JsonNode json;
      try {
        json = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
      } catch (IOException e) {
        json = JSON.nullNode();
      }
      return new Res(r.statusCode(), json, r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void await(BooleanSupplier condition) {
    Await.until(Duration.ofSeconds(40), condition);
  }
}
