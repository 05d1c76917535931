package dev.peon.orc.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Boots a real orchestrator (real dockerd, the locally built fake game) for the auth ITs, and calls
 * it over HTTP from any loopback source address (so address throttling can be shown without locking
 * the test itself out).
 */
public final class OrcHarness implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String OWNER_PASSWORD = "owner-pass-" + Long.toHexString(System.nanoTime());

  final Path root;
  final Path data;
  final Path plans;
  final String game;
  public final String v1Key;
  private final String subnetPool;
  private final Clock clock;
  final int gamePort;
  public final DockerContainerRuntime docker;
  Application app;
  String base;
  private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

  /** More configuration for the next {@link #start()}. */
  final Map<String, String> extraConfig = new HashMap<>();

  /** One answer. */
  public record Res(int status, byte[] bytes, HttpResponse<byte[]> raw) {
    public String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      try {
        return JSON.readTree(bytes);
      } catch (IOException e) {
        return JSON.missingNode();
      }
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  public OrcHarness(String game, String subnetPool, Clock clock) throws IOException {
    this.game = game;
    this.subnetPool = subnetPool;
    this.clock = clock;
    this.v1Key = "v1-key-" + Long.toHexString(System.nanoTime());
    root = Files.createTempDirectory("peon-auth-it");
    data = root.resolve("data");
    plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    String image = TestImages.fakeGame();
    gamePort = freePort();
    Path plan = plans.resolve(game);
    Files.createDirectories(plan);
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "auth test game"},
         "ports": %s,
         "environment": {"SERVER_NAME": "perm", "SERVER_PASSWORD": ""},
         "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                     "~!/actions": "/actions"}}
        """
            .formatted(game, image, portGroups(gamePort, 80)));
  }

  public void start() {
    Map<String, String> cfg = new HashMap<>();
    cfg.put("listen.host", "127.0.0.1");
    cfg.put("listen.port", "0");
    cfg.put("data.dir", data.toString());
    cfg.put("plans.source", plans.toString());
    cfg.put("api.key", v1Key);
    cfg.put("owner.password", OWNER_PASSWORD);
    cfg.put("stop.timeout", "5s");
    cfg.put("network.subnet.pool", subnetPool);
    cfg.put("docker.host", TestDocker.host());
    cfg.putAll(extraConfig);
    app = Application.start(new ConfigLoader().load(null, Map.of(), cfg), clock);
    base = "http://127.0.0.1:" + app.port();
  }

  void stop() {
    if (app != null) {
      app.close();
      app = null;
    }
  }

  @Override
  public void close() throws IOException {
    stop();
    for (ContainerInfo c : docker.list(Map.of("dev.peon.game", game))) {
      try {
        docker.remove(c.name());
      } catch (RuntimeException e) {
        // best effort
      }
    }
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith(game + "_")) {
        try {
          docker.removeNetwork(n);
        } catch (RuntimeException e) {
          // best effort
        }
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  /** A client whose connections come from {@code source} (any 127.x.y.z address). */
  HttpClient client(String source) {
    return clients.computeIfAbsent(
        source,
        s -> {
          try {
            return HttpClient.newBuilder()
                .localAddress(InetAddress.getByName(s))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  public Res call(String method, String path, String body, Map<String, String> headers) {
    return call("127.0.0.1", method, path, body, headers);
  }

  Res call(String source, String method, String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    headers.forEach(b::header);
    if (body != null && !headers.containsKey("Content-Type")) {
      b.header("Content-Type", "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<byte[]> r =
          client(source).send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Res(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Headers for a key: personal keys as Bearer on v2, X-Api-Key elsewhere. */
  public static Map<String, String> key(String key) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("X-Api-Key", key);
    return h;
  }

  Res ownerCall(String method, String path, String body) {
    return call(method, path, body, key(ownerKey()));
  }

  private String ownerKey;

  /** Logs the owner in and makes it a personal key; returns the key. */
  String ownerKey() {
    if (ownerKey == null) {
      Session s = login("127.0.0.1", "owner", OWNER_PASSWORD);
      Res r =
          call(
              "POST",
              "/api/v2/keys",
              "{\"name\": \"owner-it\"}",
              Map.of("Cookie", s.cookie(), AuthGuard.CSRF_HEADER, s.csrf()));
      if (r.status() != 201) {
        throw new IllegalStateException("owner key: " + r.status() + " " + r.text());
      }
      ownerKey = r.json().get("secret").asText();
    }
    return ownerKey;
  }

  record Session(String cookie, String csrf) {}

  Session login(String source, String name, String password) {
    Res r =
        call(
            source,
            "POST",
            "/api/v2/login",
            JSON.createObjectNode().put("name", name).put("password", password).toString(),
            Map.of());
    if (r.status() != 200) {
      throw new IllegalStateException("login " + name + ": " + r.status() + " " + r.text());
    }
    String setCookie = r.header("Set-Cookie");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    return new Session(cookie, r.json().get("csrfToken").asText());
  }

  /** One port group per server: every server of the game takes the next free group. */
  private static String portGroups(int first, int count) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      sb.append(i == 0 ? "" : ", ")
          .append("[{\"PORT\": [\"")
          .append(first + i)
          .append("\", \"tcp\"]}]");
    }
    return sb.append("]").toString();
  }

  static int freePort() throws IOException {
    return FreePorts.any();
  }
}
