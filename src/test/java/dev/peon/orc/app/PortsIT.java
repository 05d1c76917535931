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
import dev.peon.orc.testing.Operations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Ports end to end against the real dockerd: three servers of one single-group plan (the shape of
 * 160 upstream plans) run side by side, the later ones on {@code ports.range} ports that the game
 * is told and Docker publishes; explicit ports; conflicts with our servers and with foreign
 * processes; a start whose port a foreign process took.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PortsIT {
  private static final String KEY = "ports-key-" + Long.toHexString(System.nanoTime());
  private static final String GAME = "portsit";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RANGE_SIZE = 8;
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private Path data;
  private Application app;
  private String base;
  private DockerContainerRuntime docker;
  private int planPort;
  private int rangeFirst;

  record Res(int status, JsonNode json) {}

  @BeforeAll
  void start() throws IOException {
    root = Files.createTempDirectory("peon-ports-it");
    data = root.resolve("data");
    Path plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    String image = TestImages.fakeGame();
    int[] run = freeRun(RANGE_SIZE + 1);
    planPort = run[0];
    rangeFirst = run[1];
    Path plan = Files.createDirectories(plans.resolve(GAME));
    // the fake game serves HTTP on $PORT (tcp); udp is published as well, like the real plans
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "single group"},
         "ports": [[{"PORT": ["%d", "udp"]}, {"PORT": ["%d", "tcp"]}]],
         "environment": {"STEAM_ID": "1", "SERVER_NAME": "ports"},
         "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                     "~!/actions": "/actions"}}
        """
            .formatted(GAME, image, planPort, planPort));
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
                        "10.237.0.0/22",
                        "docker.host",
                        TestDocker.host(),
                        "ports.range",
                        rangeFirst + "-" + (rangeFirst + RANGE_SIZE - 1))),
            Clock.systemUTC());
    base = "http://127.0.0.1:" + app.port();
  }

  @AfterAll
  void stop() throws IOException {
    if (app != null) {
      app.close();
    }
    for (ContainerInfo c : docker.list(Map.of("dev.peon.game", GAME))) {
      docker.remove(c.name());
    }
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith(GAME + "_")) {
        docker.removeNetwork(n);
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  @Test
  @Order(1)
  void threeServersOfASingleGroupPlanRunSideBySideOnRangePortsTheGameIsTold() throws Exception {
    int[] expected = {planPort, rangeFirst, rangeFirst + 1};
    String[] names = {"one", "two", "three"};
    for (int i = 0; i < names.length; i++) {
      Res created =
          post("/api/v2/servers", "{\"game\": \"" + GAME + "\", \"name\": \"" + names[i] + "\"}");
      assertThat(created.status()).as(created.json().toString()).isEqualTo(202);
      assertThat(
              Operations.awaitResult(p -> get(p).json(), created.json())
                  .get("ports")
                  .findValuesAsText("port"))
          .as("v2 details show the allocated ports")
          .containsOnly(Integer.toString(expected[i]));
    }
    for (int i = 0; i < names.length; i++) {
      String id = GAME + "." + names[i];
      powerAndWait(id, "start", "succeeded");
      Path dir = data.resolve("servers").resolve(GAME).resolve(names[i]);
      int port = expected[i];
      Await.until(() -> read(dir.resolve("config/port")).equals(Integer.toString(port)));
      Await.until(() -> canConnect(port));
      assertThat(dockerPort("peon.warcamp." + id))
          .as("host port = container port, both protocols")
          .contains(port + "/tcp -> 0.0.0.0:" + port)
          .contains(port + "/udp -> 0.0.0.0:" + port);
      JsonNode cfgPorts = JSON.readTree(dir.resolve("config.json").toFile()).get("ports");
      assertThat(cfgPorts.findValues("PORT"))
          .as("config.json keeps the flattened group with the allocated port")
          .allSatisfy(v -> assertThat(v.get(0).asText()).isEqualTo(Integer.toString(port)))
          .hasSize(2);
    }
    for (String n : names) {
      assertThat(get("/api/v2/servers/" + GAME + "." + n).json().get("state").asText())
          .isEqualTo("running");
    }
  }

  @Test
  @Order(2)
  void anExplicitPortHeldByAnotherServerIs409NamingItAndChangesNothing() {
    Res r =
        post(
            "/api/v2/servers",
            "{\"game\": \""
                + GAME
                + "\", \"name\": \"four\", \"ports\": {\"PORT\": "
                + rangeFirst
                + "}}");

    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().get("type").asText()).endsWith("/ports-used");
    assertThat(r.json().get("holder").asText()).isEqualTo(GAME + ".two");
    assertThat(r.json().get("port").asInt()).isEqualTo(rangeFirst);
    assertThat(r.json().get("detail").asText())
        .contains("reserved by server [" + GAME + ".two]")
        .contains("--port NAME=N");
    assertThat(get("/api/v2/servers?game=" + GAME).json().get("items")).hasSize(3);
    assertThat(data.resolve("servers").resolve(GAME).resolve("four")).doesNotExist();
  }

  @Test
  @Order(3)
  void anExplicitPortAForeignProcessHoldsIs409() throws IOException {
    int port = rangeFirst + RANGE_SIZE - 1;
    try (ServerSocket tcp = bindTcp(port)) {
      Res r =
          post(
              "/api/v2/servers",
              "{\"game\": \""
                  + GAME
                  + "\", \"name\": \"four\", \"ports\": {\"PORT\": "
                  + port
                  + "}}");

      assertThat(r.status()).isEqualTo(409);
      assertThat(r.json().get("detail").asText())
          .contains(port + "/tcp (PORT)")
          .contains("a process outside PEON");
      assertThat(r.json().has("holder")).isFalse();
    }
    assertThat(data.resolve("servers").resolve(GAME).resolve("four")).doesNotExist();
  }

  @Test
  @Order(4)
  void badPortsAre400AndChangeNothing() {
    Res unknown =
        post(
            "/api/v2/servers",
            "{\"game\": \"" + GAME + "\", \"name\": \"four\", \"ports\": {\"RCON\": 1234}}");
    Res outOfRange =
        post(
            "/api/v2/servers",
            "{\"game\": \"" + GAME + "\", \"name\": \"four\", \"ports\": {\"PORT\": 70000}}");
    Res notANumber =
        post(
            "/api/v2/servers",
            "{\"game\": \"" + GAME + "\", \"name\": \"four\", \"ports\": {\"PORT\": \"1\"}}");

    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().get("detail").asText()).contains("ports.RCON").contains("[PORT]");
    assertThat(outOfRange.status()).isEqualTo(400);
    assertThat(outOfRange.json().get("errors").findValuesAsText("field"))
        .containsExactly("ports.PORT");
    assertThat(notANumber.status()).isEqualTo(400);
    assertThat(get("/api/v2/servers?game=" + GAME).json().get("items")).hasSize(3);
    assertThat(data.resolve("servers").resolve(GAME).resolve("four")).doesNotExist();
  }

  @Test
  @Order(5)
  void anExplicitFreePortIsPublishedAndGivenToTheGame() throws Exception {
    int port = rangeFirst + RANGE_SIZE - 1;
    Res r =
        post(
            "/api/v2/servers",
            "{\"game\": \""
                + GAME
                + "\", \"name\": \"four\", \"ports\": {\"PORT\": "
                + port
                + "}}");
    assertThat(r.status()).as(r.json().toString()).isEqualTo(202);
    assertThat(
            Operations.awaitResult(p -> get(p).json(), r.json())
                .get("ports")
                .findValuesAsText("port"))
        .containsOnly(Integer.toString(port));

    powerAndWait(GAME + ".four", "start", "succeeded");

    Path dir = data.resolve("servers").resolve(GAME).resolve("four");
    Await.until(() -> read(dir.resolve("config/port")).equals(Integer.toString(port)));
    Await.until(() -> canConnect(port));
  }

  @Test
  @Order(6)
  void aStartWhosePortAForeignProcessTookSaysWhichPort() throws Exception {
    String id = GAME + ".one";
    powerAndWait(id, "stop", "succeeded");
    Await.until(() -> !canConnect(planPort));
    JsonNode failed;
    try (ServerSocket tcp = bindTcp(planPort)) {
      failed = powerAndWait(id, "start", "failed");
    }
    assertThat(failed.get("error").get("detail").asText())
        .startsWith(
            "Port "
                + planPort
                + "/tcp (PORT) of ["
                + id
                + "] is in use on the host by a process outside PEON");
    powerAndWait(id, "start", "succeeded");
    Await.until(() -> canConnect(planPort));
  }

  // ------------------------------------------------------------------ helpers

  private JsonNode powerAndWait(String id, String action, String status) {
    Res r = post("/api/v2/servers/" + id + "/power", "{\"action\": \"" + action + "\"}");
    assertThat(r.status()).as(r.json().toString()).isEqualTo(202);
    String op = r.json().get("id").asText();
    Await.until(
        Duration.ofSeconds(60),
        () -> {
          String s = get("/api/v2/operations/" + op).json().get("status").asText();
          return s.equals("succeeded") || s.equals("failed");
        });
    JsonNode done = get("/api/v2/operations/" + op).json();
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo(status);
    return done;
  }

  /** {@code docker port NAME}: one {@code 27015/tcp -> 0.0.0.0:27015} line per binding. */
  private static String dockerPort(String container) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("docker", "-H", TestDocker.host(), "port", container)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static ServerSocket bindTcp(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(port));
    return s;
  }

  /** A run of {@code n} consecutive ports free for tcp and udp, above the usual test ports. */
  private static int[] freeRun(int n) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int first = 41000 + (int) (Math.random() * 18000);
      boolean ok = true;
      for (int i = 0; i < n && ok; i++) {
        try (ServerSocket t = bindTcp(first + i);
            DatagramSocket u = new DatagramSocket(first + i)) {
          ok = t.isBound() && u.isBound();
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          out[i] = first + i;
        }
        return out;
      }
    }
    throw new IOException("no run of " + n + " free ports");
  }

  private static boolean canConnect(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p).trim() : "";
    } catch (IOException e) {
      return "";
    }
  }

  private Res get(String path) {
    return call("GET", path, null);
  }

  private Res post(String path, String body) {
    return call("POST", path, body);
  }

  private Res call(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("X-Api-Key", KEY)
            .header("Content-Type", "application/json")
            .method(
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
