package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.compat.V1Client;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Kills the daemon (SIGKILL, a real child process) at chosen and at random moments and checks that
 * the next start reconciles the database, the disk and Docker into one consistent state without
 * ever stopping a running game server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashRecoveryIT {
  private static final String GAME = "crashgame";
  private static final String KEY = "crash-key-" + Long.toHexString(System.nanoTime());
  private static final String MARKER = ".peon-creating";
  private static final int PORT_GROUPS = 10;
  private static final int BURST = 6;
  private static final int CYCLES = 5;
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final long seed = Long.getLong("crash.seed", System.nanoTime());
  private final Random random = new Random(seed);

  private Path root;
  private Path data;
  private Path plans;
  private Path log;
  private int[] ports;
  private DockerContainerRuntime docker;
  private Process daemon;
  private V1Client api;

  /** Servers that must keep running through every crash, with the StartedAt they must keep. */
  private final Map<String, Instant> mustKeepRunning = new TreeMap<>();

  @RegisterExtension
  final TestWatcher logTail =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          System.out.println(
              "CrashRecoveryIT seed="
                  + seed
                  + " (rerun with -Dcrash.seed="
                  + seed
                  + "); daemon log tail:\n"
                  + tail(80));
        }
      };

  @BeforeAll
  void startDaemon() throws Exception {
    System.out.println("CrashRecoveryIT seed=" + seed);
    root = Files.createTempDirectory("peon-crash-it");
    data = root.resolve("data");
    plans = root.resolve("plans");
    log = root.resolve("daemon.log");
    docker = new DockerContainerRuntime(TestDocker.host());
    ports = freePortRun(PORT_GROUPS * 2);
    writePlan(TestImages.fakeGame());
    launch();
  }

  @AfterAll
  void cleanUp() throws IOException {
    try {
      killDaemon();
    } finally {
      try {
        for (ContainerInfo c : docker.list(Map.of("dev.peon.managed", "true"))) {
          if (ours(c)) {
            docker.remove(c.name());
          }
        }
        for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
          if (n.startsWith(GAME + "_")) {
            docker.removeNetwork(n);
          }
        }
      } finally {
        docker.close();
        dev.peon.orc.fs.FileTrees.deleteTree(root);
      }
    }
  }

  // ------------------------------------------------------------------ scenarios

  @Test
  @Order(1)
  void killWhileIdleKeepsRunningServersRunningAndListed() {
    for (String name : List.of("idle1", "idle2")) {
      V1Client.Response r = createServer(name);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().get("container_state").asText()).isEqualTo("running");
      mustKeepRunning.put(uid(name), startedAt(uid(name)));
    }
    assertConsistent();

    killAndRestart();

    assertConsistent();
    assertThat(listedUids()).containsAll(mustKeepRunning.keySet());
    for (String uid : mustKeepRunning.keySet()) {
      assertThat(api.get("/api/v1/server/get/" + uid).json().get("container_state").asText())
          .as(uid)
          .isEqualTo("running");
    }
  }

  @Test
  @Order(2)
  void killAtRandomMomentsDuringABurstOfCreatesLeavesNoHalfDoneServer() throws Exception {
    for (int cycle = 0; cycle < CYCLES; cycle++) {
      // Odd cycles kill early (leaving creates to undo) and then kill the next start-up again
      // while it reconciles them.
      boolean killBoot = cycle % 2 == 1;
      int delayMs = random.nextInt(killBoot ? 601 : 1501);
      List<String> names = new ArrayList<>();
      for (int i = 0; i < BURST; i++) {
        names.add("b" + cycle + "n" + i);
      }
      List<String> outcomes = new ArrayList<>();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        V1Client client = api;
        List<Future<Integer>> calls = new ArrayList<>();
        for (String name : names) {
          calls.add(clients.submit(() -> createServer(client, name).status()));
        }
        // The kill moment itself is what this test varies: a timer is the point here.
        Thread.sleep(delayMs);
        killDaemon();
        for (Future<Integer> f : calls) {
          try {
            outcomes.add(String.valueOf(f.get(30, TimeUnit.SECONDS)));
          } catch (ExecutionException e) {
            outcomes.add("cut");
          }
        }
      }
      long logMark = Files.size(log);
      String bootKill = "";
      if (killBoot) {
        int bootDelayMs = random.nextInt(601);
        launchAndKillDuringReconcile(logMark, bootDelayMs);
        String killedBoot = logSince(logMark);
        bootKill =
            ", killed again "
                + bootDelayMs
                + " ms after the next start began undoing (it had begun "
                + count(killedBoot, "undoing a create interrupted")
                + ")";
        logMark = Files.size(log);
      }

      launch();

      String boot = logSince(logMark);
      Set<String> survivors = new TreeSet<>(listedUids());
      survivors.removeAll(mustKeepRunning.keySet());
      System.out.println(
          "CrashRecoveryIT cycle "
              + cycle
              + ": killed after "
              + delayMs
              + " ms, answers "
              + outcomes
              + bootKill
              + "; at restart "
              + count(boot, "undoing a create interrupted")
              + " creates undone, kept "
              + survivors);

      assertConsistent();
      // Clear the burst so the next cycle has free port groups again.
      for (String uid : listedUids()) {
        if (!mustKeepRunning.containsKey(uid)) {
          V1Client.Response d = api.delete("/api/v1/server/destroy/" + uid, "{\"eradicate\":true}");
          assertThat(d.status()).as(uid + ": " + d.body()).isEqualTo(200);
        }
      }
      assertConsistent();
      assertThat(listedUids()).containsExactlyInAnyOrderElementsOf(mustKeepRunning.keySet());
    }
  }

  @Test
  @Order(3)
  void aStopDueWhileTheDaemonWasDeadFiresOnceAtStartUp() {
    String uid = uid("idle2");
    V1Client.Response r = api.put("/api/v1/server/stop/" + uid, "{\"interval\":\"3s\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("container_state").asText()).isEqualTo("running");
    // "time" is in whole seconds; the real due time is up to a second later.
    Instant due = Instant.ofEpochSecond(r.json().get("time").asLong() + 1);
    killDaemon();
    // The point is to come back after the due time: wait for the wall clock to pass it.
    awaitTrue("the due time " + due, Duration.ofSeconds(10), () -> Instant.now().isAfter(due));
    mustKeepRunning.remove(uid);

    launch();

    awaitTrue(
        uid + " exited by the overdue stop",
        Duration.ofSeconds(30),
        () -> "exited".equals(containerState(uid)));
    assertThat(api.get("/api/v1/server/get/" + uid).json().get("time").isNull()).isTrue();
    assertThat(docker.inspect(containerName(uid)).orElseThrow().state())
        .isEqualTo(ContainerState.EXITED);
    assertConsistent();

    // Fired once: started again, the server survives another crash with no schedule left.
    V1Client.Response started = api.put("/api/v1/server/start/" + uid, "{}");
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    mustKeepRunning.put(uid, startedAt(uid));
    killAndRestart();
    assertConsistent();
    assertThat(api.get("/api/v1/server/get/" + uid).json().get("time").isNull()).isTrue();
    assertThat(containerState(uid)).isEqualTo("running");
  }

  @Test
  @Order(4)
  void aCreateKilledBetweenMakingTheFolderAndMarkingItLeavesNoFolderBehind() throws Exception {
    String uid = uid("halfdir");
    killDaemon();
    // The state a kill leaves between create()'s mkdir and its marker write: a CREATING row and
    // an empty server folder. Random kills rarely land in that window, so it is written here.
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("peon.db"));
        PreparedStatement ps =
            db.prepareStatement(
                "INSERT INTO servers(server_id, game_uid, servername, port_group, subnet, status,"
                    + " created_at) VALUES (?, ?, ?, -1, NULL, 'CREATING', ?)")) {
      ps.setString(1, uid);
      ps.setString(2, GAME);
      ps.setString(3, "halfdir");
      ps.setString(4, Instant.now().toString());
      ps.executeUpdate();
    }
    Path dir = data.resolve("servers").resolve(GAME).resolve("halfdir");
    Files.createDirectories(dir);

    launch();

    assertThat(dir).doesNotExist();
    assertConsistent();
    V1Client.Response again = createServer("halfdir");
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertConsistent();
  }

  // ------------------------------------------------------------------ invariants

  /**
   * The state after any crash: what the API lists, what is on disk and what Docker runs agree, no
   * half-done create is left behind, no port is given twice, and no running server was stopped.
   */
  private void assertConsistent() {
    V1Client.Response list = api.get("/api/v1/servers");
    assertThat(list.status()).as(list.body()).isEqualTo(200);
    Set<String> listed = listedUids(list.json());
    Path servers = data.resolve("servers");

    Map<Integer, String> portHolders = new HashMap<>();
    for (String uid : listed) {
      Path dir = servers.resolve(GAME).resolve(uid.substring(GAME.length() + 1));
      assertThat(dir.resolve(MARKER)).as(uid + " create marker").doesNotExist();
      JsonNode cfg = readJson(dir.resolve("config.json"));
      for (JsonNode entry : cfg.path("ports")) {
        entry
            .fields()
            .forEachRemaining(
                e -> {
                  int port = Integer.parseInt(e.getValue().get(0).asText());
                  String other = portHolders.put(port, uid);
                  assertThat(other).as("host port " + port + " of " + uid).isNull();
                });
      }
    }
    assertThat(portHolders).as("ports of listed servers").isNotEmpty();

    try (Stream<Path> walk = Files.walk(servers, 2)) {
      List<Path> marked = walk.filter(d -> Files.exists(d.resolve(MARKER))).toList();
      assertThat(marked).as("folders still marked as being created").isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Set<String> folders = new TreeSet<>();
    if (Files.isDirectory(servers.resolve(GAME))) {
      try (Stream<Path> s = Files.list(servers.resolve(GAME))) {
        s.forEach(d -> folders.add(GAME + "." + d.getFileName()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(folders).as("server folders").isEqualTo(listed);

    Map<String, ContainerInfo> containers = new TreeMap<>();
    for (ContainerInfo c : docker.list(Map.of("dev.peon.managed", "true"))) {
      if (ours(c)) {
        containers.put(c.labels().get("dev.peon.server"), c);
      }
    }
    assertThat(containers.keySet()).as("containers of " + GAME).isEqualTo(listed);
    containers.forEach(
        (uid, c) ->
            assertThat(c.state())
                .as(uid + " container state")
                .isNotNull()
                .isNotEqualTo(ContainerState.DEAD));

    Set<String> networks = new TreeSet<>();
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith(GAME + "_")) {
        networks.add(GAME + "." + n.substring(GAME.length() + 1));
      }
    }
    assertThat(networks).as("networks of " + GAME).isSubsetOf(listed);

    for (Map.Entry<String, Instant> keep : mustKeepRunning.entrySet()) {
      ContainerInfo c = containers.get(keep.getKey());
      assertThat(c).as(keep.getKey() + " container").isNotNull();
      assertThat(c.state()).as(keep.getKey() + " state").isEqualTo(ContainerState.RUNNING);
      assertThat(c.startedAt()).as(keep.getKey() + " StartedAt").isEqualTo(keep.getValue());
    }
  }

  // ------------------------------------------------------------------ daemon process

  private void launch() {
    start();
    V1Client probe = api;
    awaitTrue(
        "GET /healthz of the daemon",
        HEALTH_TIMEOUT,
        () -> {
          if (!daemon.isAlive()) {
            throw new AssertionError(
                "daemon exited with " + daemon.exitValue() + " during start-up:\n" + tail(40));
          }
          try {
            return probe.send("GET", "/healthz", null, null).status() == 200;
          } catch (UncheckedIOException e) {
            return false;
          }
        });
  }

  /** Starts the daemon process without waiting for it to answer. */
  private void start() {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    URL logConfig = Application.class.getResource("/logback.xml");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dlogback.configurationFile=" + logConfig,
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--data-dir",
            data.toString(),
            "--plans",
            plans.toString(),
            "--set",
            "api.key=" + KEY,
            "--set",
            "network.subnet.pool=10.216.0.0/20",
            "--set",
            "stop.timeout=5s",
            "--set",
            "docker.host=" + TestDocker.host());
    try {
      Files.writeString(
          log,
          "---- launch at " + Instant.now() + " on port " + port + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      daemon =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    api = new V1Client(port, KEY);
  }

  /**
   * Starts the daemon, waits until its log shows boot reconciliation undoing a create (or the
   * daemon is ready, when there is nothing to undo), then kills it after {@code delayMs}.
   */
  private void launchAndKillDuringReconcile(long logMark, int delayMs) throws InterruptedException {
    start();
    awaitTrue(
        "the daemon to reconcile",
        HEALTH_TIMEOUT,
        () -> {
          try {
            String boot = logSince(logMark);
            return !daemon.isAlive()
                || boot.contains("undoing a create interrupted")
                || boot.contains(" ready ");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    Thread.sleep(delayMs);
    killDaemon();
  }

  private void killDaemon() {
    if (daemon == null) {
      return;
    }
    daemon.destroyForcibly();
    try {
      if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("daemon did not die after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    daemon = null;
  }

  private void killAndRestart() {
    killDaemon();
    launch();
  }

  private String logSince(long mark) throws IOException {
    byte[] all = Files.readAllBytes(log);
    return new String(all, (int) mark, all.length - (int) mark, StandardCharsets.UTF_8);
  }

  private String tail(int lines) {
    try {
      if (log == null || !Files.exists(log)) {
        return "(no log)";
      }
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  // ------------------------------------------------------------------ helpers

  private V1Client.Response createServer(String name) {
    return createServer(api, name);
  }

  private static V1Client.Response createServer(V1Client client, String name) {
    return client.put(
        "/api/v1/server/create/" + uid(name),
        "{\"SERVER_NAME\":\"" + name + "\",\"WORLD_NAME\":\"w-" + name + "\"}");
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static String uid(String name) {
    return GAME + "." + name;
  }

  private static String containerName(String uid) {
    return "peon.warcamp." + uid;
  }

  private static boolean ours(ContainerInfo c) {
    String server = c.labels().get("dev.peon.server");
    return server != null && server.startsWith(GAME + ".");
  }

  private Instant startedAt(String uid) {
    return docker.inspect(containerName(uid)).orElseThrow().startedAt();
  }

  private String containerState(String uid) {
    return api.get("/api/v1/server/get/" + uid).json().get("container_state").asText();
  }

  private Set<String> listedUids() {
    V1Client.Response r = api.get("/api/v1/servers");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return listedUids(r.json());
  }

  private static Set<String> listedUids(JsonNode servers) {
    Set<String> out = new TreeSet<>();
    for (JsonNode s : servers) {
      if (GAME.equals(s.path("game_uid").asText())) {
        out.add(GAME + "." + s.path("servername").asText());
      }
    }
    return out;
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new AssertionError(file + " is not readable JSON: " + e, e);
    }
  }

  private void writePlan(String image) throws IOException {
    Path plan = plans.resolve(GAME);
    Files.createDirectories(plan.resolve("actions"));
    Files.createDirectories(plan.resolve("data"));
    Files.writeString(plan.resolve("data/readme.txt"), "plan data\n");
    StringBuilder groups = new StringBuilder();
    for (int g = 0; g < PORT_GROUPS; g++) {
      groups
          .append(g == 0 ? "" : ",\n")
          .append("[ {\"PORT\": [\"")
          .append(ports[2 * g])
          .append("\", \"tcp/udp\"]}, {\"QUERY_PORT\": [\"")
          .append(ports[2 * g + 1])
          .append("\", \"udp\"]} ]");
    }
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {
          "metadata": {"game_uid": "%s", "warcamp": "default", "version": "1.0.0",
            "description": "A fake game for crash tests", "mode": "steamcmd",
            "hostname": "peon.warcamp.%s", "image": "%s"},
          "ports": [
        %s
          ],
          "environment": {"STEAM_ID": "896660", "SERVER_NAME": null, "WORLD_NAME": null,
            "MAX_PLAYERS": 10},
          "volumes": {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
            "~!/config": "/home/steam/config", "~!/user": "/home/steam/user"}
        }
        """
            .formatted(GAME, GAME, image, groups));
    Files.writeString(
        plans.resolve("plans.json"),
        """
        [{"title": "Crash Game", "game_uid": "%s", "plan_url": "local"}]
        """
            .formatted(GAME));
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

  /** Bounded polling for conditions this black-box test can only observe from outside. */
  private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }
}
