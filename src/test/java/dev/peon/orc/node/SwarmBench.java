package dev.peon.orc.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Commands;
import dev.peon.orc.testing.FreePorts;
import dev.peon.orc.testing.SwarmCluster;
import dev.peon.orc.testing.TestApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * The cluster benchmark behind {@code bench/swarm.sh} (issue 14): an in-process orchestrator with
 * {@code runtime=swarm} against a throwaway 3-node {@link SwarmCluster}, and for comparison a
 * second in-process orchestrator with the default {@code runtime=docker} on the host's own engine.
 *
 * <ol>
 *   <li>create+start (v2 create with {@code "start": true}) until the operation succeeded and until
 *       the game's TCP port answers, on the manager, on a worker and on the single engine;
 *   <li>N servers spread over the 3 nodes (S of them started): v2 list and nodes latency, heap
 *       after GC (this JVM's {@code MemoryMXBean}: the orchestrator plus the bench's small client);
 *   <li>a worker lost ({@link SwarmCluster#killNode}) with its servers backed up: time to the first
 *       and the last server shown {@code unavailable}, to each {@code server.failover} operation
 *       succeeded and to each server running on another node.
 * </ol>
 *
 * Prints Markdown on stdout, progress on stderr. Arguments: servers (300), started (300), create
 * runs per place (5), parallel creates while filling (4). Everything it makes is removed at the
 * end, also after a failure; on the host's engine only what carries the run's random game id.
 */
public final class SwarmBench {
  private static final Duration WAIT = Duration.ofMinutes(10);
  private static final int GAME_PORT = 27100;
  private static final int LIST_CALLS = 200;
  private static final int WARMUP = 20;

  private final int servers;
  private final int started;
  private final int runs;
  private final int parallel;
  private final String run = HexFormat.of().formatHex(randomBytes());
  private final String key = "swarm-bench-" + run;
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private SwarmCluster cluster;
  private Application swarm;
  private Application local;
  private TestApi api;
  private TestApi localApi;
  private String localGame;
  private int localPort;

  private SwarmBench(int servers, int started, int runs, int parallel) {
    this.servers = servers;
    this.started = started;
    this.runs = runs;
    this.parallel = parallel;
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int s = args.length > 1 ? Integer.parseInt(args[1]) : n;
    int r = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int p = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    if (n < 3 || s < 0 || s > n || r < 1 || p < 1) {
      throw new IllegalArgumentException(
          "usage: servers (>= 3) [started (0..servers)] [runs (>= 1)] [parallel (>= 1)]");
    }
    new SwarmBench(n, s, r, p).runAll();
  }

  private void runAll() throws Exception {
    System.out.printf(
        Locale.ROOT,
        "cluster benchmark %s, %s UTC: %d servers (%d started), %d create runs per place,"
            + " %d parallel creates, %d cores, Java %s, load %s%n%n",
        run,
        Instant.now().toString().substring(0, 19).replace('T', ' '),
        servers,
        started,
        runs,
        parallel,
        Runtime.getRuntime().availableProcessors(),
        Runtime.version(),
        loadAverage());
    try {
      setUp();
      createAndStart();
      closeLocal();
      Map<String, Integer> placed = fill();
      listAndMemory(placed);
      lostWorker();
    } finally {
      tearDown();
    }
  }

  // ------------------------------------------------------------ set-up and tear-down

  private void setUp() throws IOException {
    SwarmCluster.cleanupLeftovers();
    // short: containerd's sockets under the cluster folder must stay within 104 characters
    root = Files.createTempDirectory("sb");
    progress("building a 3-node swarm under " + root);
    Instant t0 = Instant.now();
    cluster = SwarmCluster.start(3, root.resolve("c"));
    String image = TestImages.fakeGame();
    cluster.loadImages(image);
    progress("cluster ready in " + Duration.between(t0, Instant.now()).toSeconds() + " s");

    Path plans = root.resolve("plans");
    writePlan(plans, "swarmgame", image, GAME_PORT);
    swarm =
        Application.start(
            config(
                plans,
                root.resolve("data"),
                Map.of(
                    "runtime", "swarm",
                    "docker.host", cluster.managerHost(),
                    "cluster.failover", "restore",
                    "network.subnet.pool", "10.224.0.0/16",
                    "ports.range", "30000-30999")),
            Clock.systemUTC());
    api = new TestApi(swarm.port(), key);

    // the single engine: the host's own dockerd, a game id of this run only
    localGame = "swb" + run;
    localPort = FreePorts.any();
    Path localPlans = root.resolve("local-plans");
    writePlan(localPlans, localGame, image, localPort);
    local =
        Application.start(
            config(
                localPlans,
                root.resolve("local-data"),
                Map.of("network.subnet.pool", "10.225.0.0/24")),
            Clock.systemUTC());
    localApi = new TestApi(local.port(), key);
  }

  private OrchestratorConfig config(Path plans, Path data, Map<String, String> extra) {
    Map<String, String> flags = new HashMap<>(extra);
    flags.put("listen.host", "127.0.0.1");
    flags.put("listen.port", "0");
    flags.put("data.dir", data.toString());
    flags.put("plans.source", plans.toString());
    flags.put("api.key", key);
    flags.put("stop.timeout", "5s");
    flags.put("limits.memory", "64m");
    return new ConfigLoader().load(null, Map.of(), flags);
  }

  private static void writePlan(Path plans, String game, String image, int port)
      throws IOException {
    Path plan = Files.createDirectories(plans.resolve(game));
    Files.createDirectories(plan.resolve("data"));
    Files.writeString(plan.resolve("data/readme.txt"), "plan data\n");
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "cluster bench"},
         "ports": [[{"PORT": ["%d", "tcp"]}]],
         "environment": {"SERVER_NAME": "Bench camp"},
         "volumes": {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
           "~!/config": "/home/steam/config"}}
        """
            .formatted(game, image, port));
  }

  private void closeLocal() {
    if (local == null) {
      return;
    }
    try {
      for (JsonNode s : localApi.get("/api/v2/servers").json().path("items")) {
        localApi.delete("/api/v2/servers/" + s.path("id").asText());
      }
    } finally {
      local.close();
      local = null;
      removeLocalLeftovers();
    }
  }

  /** Whatever of this run is still on the host's engine (only names with the run's game id). */
  private void removeLocalLeftovers() {
    if (localGame == null) {
      return;
    }
    Duration limit = Duration.ofMinutes(2);
    String containers =
        Commands.run(
                limit, "docker", "ps", "-aq", "--filter", "name=^peon\\.warcamp\\." + localGame)
            .output()
            .strip();
    for (String c : containers.lines().filter(l -> !l.isBlank()).toList()) {
      Commands.run(limit, "docker", "rm", "-f", c.strip());
    }
    String networks =
        Commands.run(limit, "docker", "network", "ls", "-q", "--filter", "name=^" + localGame + "_")
            .output()
            .strip();
    for (String n : networks.lines().filter(l -> !l.isBlank()).toList()) {
      Commands.run(limit, "docker", "network", "rm", n.strip());
    }
  }

  private void tearDown() {
    progress("tearing down");
    try {
      closeLocal();
    } catch (RuntimeException e) {
      progress("local clean-up: " + e);
      removeLocalLeftovers();
    }
    try {
      if (swarm != null) {
        swarm.close();
      }
    } finally {
      try {
        if (cluster != null) {
          cluster.close();
        }
      } finally {
        if (root != null) {
          try {
            FileTrees.deleteTree(root);
          } catch (IOException e) {
            progress("could not delete " + root + ": " + e);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------ 1. create+start

  private record Timing(long operationMs, long portMs) {}

  private void createAndStart() {
    progress("create+start, " + runs + " runs each on the manager, a worker, the single engine");
    Map<String, List<Timing>> by = new LinkedHashMap<>();
    by.put("swarm, manager node (node0)", new ArrayList<>());
    by.put("swarm, worker node (node1)", new ArrayList<>());
    by.put("single engine (runtime=docker, host dockerd)", new ArrayList<>());
    for (int r = 0; r < runs; r++) {
      by.get("swarm, manager node (node0)").add(createOnce(api, "mgr" + r, 0));
      by.get("swarm, worker node (node1)").add(createOnce(api, "wrk" + r, 1));
      by.get("single engine (runtime=docker, host dockerd)")
          .add(createOnce(localApi, "loc" + r, -1));
    }
    System.out.println("## Create and start (v2 create with \"start\": true)");
    System.out.println();
    System.out.println(
        "| where | to operation succeeded, median (runs) | to game port answering, median (runs)"
            + " |");
    System.out.println("|---|---|---|");
    for (var e : by.entrySet()) {
      List<Long> op = e.getValue().stream().map(Timing::operationMs).toList();
      List<Long> port = e.getValue().stream().map(Timing::portMs).toList();
      System.out.printf(
          Locale.ROOT,
          "| %s | %d ms (%s) | %d ms (%s) |%n",
          e.getKey(),
          median(op),
          join(op),
          median(port),
          join(port));
    }
    System.out.println();
  }

  /** One timed create+start, then the server is deleted (not timed). Node -1: single engine. */
  private Timing createOnce(TestApi client, String name, int node) {
    String game = node < 0 ? localGame : "swarmgame";
    String placement = node < 0 ? "" : ", \"placement\": {\"node\": \"node" + node + "\"}";
    long t0 = System.nanoTime();
    TestApi.Res accepted =
        client.post(
            "/api/v2/servers",
            "{\"game\": \""
                + game
                + "\", \"name\": \""
                + name
                + "\", \"start\": true"
                + placement
                + "}");
    JsonNode done = awaitOperation(client, accepted);
    long opMs = (System.nanoTime() - t0) / 1_000_000;
    String host = node < 0 ? "127.0.0.1" : cluster.nodeAddress(node);
    int port = done.path("result").path("ports").path(0).path("port").asInt();
    poll(Duration.ofMinutes(2), () -> canConnect(host, port));
    long portMs = (System.nanoTime() - t0) / 1_000_000;
    TestApi.Res deleted = client.delete("/api/v2/servers/" + game + "." + name);
    if (deleted.status() != 204) {
      throw new IllegalStateException("delete of " + name + ": " + deleted.body());
    }
    progress("  " + name + ": " + opMs + " ms / " + portMs + " ms");
    return new Timing(opMs, portMs);
  }

  // ------------------------------------------------------------ 2. fill, list, memory

  private Map<String, Integer> fill() throws Exception {
    progress(
        "creating " + servers + " servers (" + started + " started), " + parallel + " at once");
    long heapIdle = heapAfterGc();
    List<Long> createMs = Collections.synchronizedList(new ArrayList<>());
    List<Long> startMs = Collections.synchronizedList(new ArrayList<>());
    Map<String, String> failed = new java.util.concurrent.ConcurrentHashMap<>();
    Instant t0 = Instant.now();
    try (ExecutorService pool = Executors.newFixedThreadPool(parallel)) {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < servers; i++) {
        int index = i;
        all.add(
            pool.submit(
                () -> {
                  boolean start = index < started;
                  long c0 = System.nanoTime();
                  try {
                    awaitOperation(
                        api,
                        api.post(
                            "/api/v2/servers",
                            "{\"game\": \"swarmgame\", \"name\": \"s"
                                + index
                                + "\", \"start\": "
                                + start
                                + "}"));
                    (start ? startMs : createMs).add((System.nanoTime() - c0) / 1_000_000);
                  } catch (IllegalStateException e) {
                    failed.put("swarmgame.s" + index, e.getMessage());
                  }
                  if (index % 25 == 24) {
                    progress("  " + (index + 1) + " created");
                  }
                  return null;
                }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    Duration fillTime = Duration.between(t0, Instant.now());
    // A failed create+start is reported, then started once more the way a user would (a power
    // start), so the later figures still see the servers asked for.
    int restarted = 0;
    for (String id : failed.keySet()) {
      TestApi.Res accepted =
          api.post("/api/v2/servers/" + id + "/power", "{\"action\": \"start\"}");
      try {
        awaitOperation(api, accepted);
        restarted++;
      } catch (IllegalStateException e) {
        progress("  second start of " + id + " failed too: " + e.getMessage());
      }
    }
    Map<String, Integer> placed = new LinkedHashMap<>();
    int running = 0;
    for (JsonNode s : api.get("/api/v2/servers").json().path("items")) {
      placed.merge(s.path("node").path("hostname").asText("?"), 1, Integer::sum);
      if (s.path("state").asText().equals("running")) {
        running++;
      }
    }
    System.out.println("## " + servers + " servers over 3 nodes");
    System.out.println();
    System.out.println("| figure | value |");
    System.out.println("|---|---|");
    row("servers per node", placed.toString());
    row("running (state `running` in the list)", running + " of " + started + " started");
    row(
        "time to create them all (" + parallel + " at once)",
        fillTime.toSeconds() + " s (" + fmt(servers / (fillTime.toMillis() / 1000.0)) + "/s)");
    row("create, not started: median / p90 / max", dist(createMs));
    row("create+start: median / p90 / max", dist(startMs));
    row(
        "create operations failed",
        failed.size()
            + (failed.isEmpty()
                ? ""
                : " (started by a second power start: "
                    + restarted
                    + "); first error: "
                    + failed.values().iterator().next().replace('|', '/')));
    row("heap after GC before the servers (idle orchestrator)", mib(heapIdle));
    return placed;
  }

  private void listAndMemory(Map<String, Integer> placed) {
    progress("list latency");
    Latency servers = latency("/api/v2/servers");
    Latency nodes = latency("/api/v2/nodes");
    long heap = heapAfterGc();
    row(
        "GET /api/v2/servers (" + LIST_CALLS + " calls, " + servers.bytes + " B)",
        servers.summary());
    row("GET /api/v2/nodes (" + LIST_CALLS + " calls, " + nodes.bytes + " B)", nodes.summary());
    row("heap after GC with the servers", mib(heap));
    row("process RSS (orchestrator + bench client)", mib(rssBytes()));
    row("live threads", Integer.toString(Thread.activeCount()));
    System.out.println();
  }

  private record Latency(List<Long> nanos, int bytes) {
    String summary() {
      List<Long> s = new ArrayList<>(nanos);
      Collections.sort(s);
      return "p50 "
          + ms(pct(s, 50))
          + ", p95 "
          + ms(pct(s, 95))
          + ", p99 "
          + ms(pct(s, 99))
          + ", max "
          + ms(s.getLast());
    }
  }

  private Latency latency(String path) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api.base() + path)).header("X-Api-Key", key).build();
    List<Long> times = new ArrayList<>();
    int bytes = 0;
    for (int i = 0; i < WARMUP + LIST_CALLS; i++) {
      long t = System.nanoTime();
      HttpResponse<String> r = send(request);
      long d = System.nanoTime() - t;
      if (r.statusCode() != 200) {
        throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
      }
      bytes = r.body().length();
      if (i >= WARMUP) {
        times.add(d);
      }
    }
    return new Latency(times, bytes);
  }

  // ------------------------------------------------------------ 3. a lost worker

  private void lostWorker() throws Exception {
    int lost = 2;
    String lostId = cluster.nodeId(lost);
    List<String> on = new ArrayList<>();
    for (JsonNode s : api.get("/api/v2/nodes/node" + lost).json().path("servers")) {
      on.add(s.isTextual() ? s.asText() : s.path("id").asText());
    }
    Set<String> wasRunning = new java.util.HashSet<>();
    for (JsonNode s : api.get("/api/v2/servers").json().path("items")) {
      if (on.contains(s.path("id").asText()) && s.path("state").asText().equals("running")) {
        wasRunning.add(s.path("id").asText());
      }
    }
    Map<String, String> backupFailed = new java.util.concurrent.ConcurrentHashMap<>();
    progress("backing up the " + on.size() + " servers of node" + lost);
    Instant b0 = Instant.now();
    try (ExecutorService pool = Executors.newFixedThreadPool(parallel)) {
      List<Future<?>> all = new ArrayList<>();
      for (String id : on) {
        all.add(
            pool.submit(
                () -> {
                  try {
                    awaitOperation(api, api.post("/api/v2/servers/" + id + "/backups", "{}"));
                  } catch (IllegalStateException e) {
                    backupFailed.put(id, e.getMessage());
                  }
                }));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    Duration backupTime = Duration.between(b0, Instant.now());

    progress(
        "killing node" + lost + " (" + on.size() + " servers, " + wasRunning.size() + " running)");
    long managerCpu0 = cpuTicks(managerDockerd());
    long jvmCpu0 = jvmCpuNanos();
    Instant killed = Instant.now();
    cluster.killNode(lost);
    Map<String, Instant> unavailable = new HashMap<>();
    Map<String, Instant> runningElsewhere = new HashMap<>();
    Map<String, Instant> opDone = new HashMap<>();
    Map<String, String> opFailed = new HashMap<>();
    Instant deadline = killed.plus(WAIT);
    while (Instant.now().isBefore(deadline)) {
      Instant now = Instant.now();
      for (JsonNode s : api.get("/api/v2/servers").json().path("items")) {
        String id = s.path("id").asText();
        if (!on.contains(id)) {
          continue;
        }
        String state = s.path("state").asText();
        if (state.equals("unavailable")) {
          unavailable.putIfAbsent(id, now);
        }
        if (state.equals("running") && !lostId.equals(s.path("node").path("id").asText())) {
          runningElsewhere.putIfAbsent(id, now);
        }
      }
      for (JsonNode op : api.get("/api/v2/operations").json().path("items")) {
        String server = op.path("server").asText();
        if (!op.path("kind").asText().equals("server.failover") || !on.contains(server)) {
          continue;
        }
        String status = op.path("status").asText();
        if (status.equals("succeeded")) {
          opDone.putIfAbsent(server, Instant.parse(op.path("finishedAt").asText()));
        } else if (status.equals("failed")) {
          opFailed.putIfAbsent(server, op.path("error").toString());
        }
      }
      boolean allOps = opDone.size() + opFailed.size() == on.size();
      // a server whose fail-over failed will not run elsewhere: nothing more to wait for
      boolean allRunning =
          wasRunning.stream()
              .allMatch(id -> runningElsewhere.containsKey(id) || opFailed.containsKey(id));
      if (allOps && allRunning) {
        break;
      }
      sleep(Duration.ofMillis(20));
    }
    double wall = Duration.between(killed, Instant.now()).toMillis() / 1000.0;
    double managerCpu = (cpuTicks(managerDockerd()) - managerCpu0) / 100.0;
    double jvmCpu = (jvmCpuNanos() - jvmCpu0) / 1e9;
    int answering = 0;
    for (JsonNode s : api.get("/api/v2/servers").json().path("items")) {
      if (wasRunning.contains(s.path("id").asText())) {
        String node = s.path("node").path("address").asText();
        if (canConnect(node, s.path("ports").path(0).path("port").asInt())) {
          answering++;
        }
      }
    }
    System.out.println("## A lost worker (node" + lost + " killed, failover=restore)");
    System.out.println();
    System.out.println("| figure | value |");
    System.out.println("|---|---|");
    row(
        "servers on the lost worker (running, backed up)",
        on.size()
            + " ("
            + wasRunning.size()
            + " running, "
            + (on.size() - backupFailed.size())
            + " backed up"
            + (backupFailed.isEmpty()
                ? ""
                : "; backup failed: " + backupFailed.values().iterator().next().replace('|', '/'))
            + ")");
    row(
        "backing them up first (" + parallel + " at once, not part of the figures)",
        backupTime.toSeconds() + " s");
    row("first server shown `unavailable`", since(killed, unavailable.values(), true));
    row(
        "last server shown `unavailable` (" + unavailable.size() + " of " + on.size() + ")",
        since(killed, unavailable.values(), false));
    row(
        "`server.failover` succeeded: first / median / last ("
            + opDone.size()
            + " of "
            + on.size()
            + ")",
        spread(killed, opDone.values()));
    row(
        "`server.failover` failed",
        opFailed.size() + (opFailed.isEmpty() ? "" : ": " + opFailed.values().iterator().next()));
    row(
        "running on another node: first / median / last ("
            + runningElsewhere.keySet().stream().filter(wasRunning::contains).count()
            + " of "
            + wasRunning.size()
            + ")",
        spread(
            killed,
            runningElsewhere.entrySet().stream()
                .filter(e -> wasRunning.contains(e.getKey()))
                .map(Map.Entry::getValue)
                .toList()));
    row("game port answering on the new node afterwards", answering + " of " + wasRunning.size());
    row(
        "CPU from the kill to the last fail-over ("
            + fmt(wall)
            + " s): manager's dockerd / orchestrator JVM",
        fmt(managerCpu) + " s / " + fmt(jvmCpu) + " s");
    System.out.println();
  }

  private static String since(Instant from, java.util.Collection<Instant> times, boolean first) {
    if (times.isEmpty()) {
      return "never";
    }
    Instant t = first ? Collections.min(times) : Collections.max(times);
    return Duration.between(from, t).toMillis() + " ms";
  }

  private static String spread(Instant from, java.util.Collection<Instant> times) {
    if (times.isEmpty()) {
      return "none";
    }
    List<Long> ms = times.stream().map(t -> Duration.between(from, t).toMillis()).sorted().toList();
    return ms.getFirst() + " / " + ms.get(ms.size() / 2) + " / " + ms.getLast() + " ms";
  }

  // ------------------------------------------------------------ helpers

  private JsonNode awaitOperation(TestApi client, TestApi.Res accepted) {
    if (accepted.status() != 202) {
      throw new IllegalStateException(
          "expected 202, got " + accepted.status() + ": " + accepted.body());
    }
    String path = "/api/v2/operations/" + accepted.json().path("id").asText();
    JsonNode[] last = {accepted.json()};
    poll(
        WAIT,
        () -> {
          last[0] = client.get(path).json();
          String status = last[0].path("status").asText();
          return status.equals("succeeded") || status.equals("failed");
        });
    if (!last[0].path("status").asText().equals("succeeded")) {
      throw new IllegalStateException(
          "operation failed: " + last[0].path("error").path("detail").asText(last[0].toString()));
    }
    return last[0];
  }

  /** Polls every 10 ms (the figures' resolution) with a bound. */
  private static void poll(Duration limit, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(limit);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("not reached within " + limit);
      }
      sleep(Duration.ofMillis(10));
    }
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean canConnect(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The pid of the manager's dockerd (found by its socket on the command line), or -1. */
  private long managerDockerd() {
    String mark = cluster.managerHost().substring("unix://".length());
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        String pid = proc.getFileName().toString();
        if (!pid.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd =
              Files.readString(
                  proc.resolve("cmdline"), java.nio.charset.StandardCharsets.ISO_8859_1);
          if (cmd.startsWith("dockerd\0") && cmd.contains(mark)) {
            return Long.parseLong(pid);
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** utime + stime of a process in clock ticks (100 per second on Linux), 0 when unknown. */
  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      sleep(Duration.ofMillis(200));
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // not Linux: unknown
    }
    return -1;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ", 4)[0];
    } catch (IOException e) {
      return "?";
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[3];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  private static void progress(String message) {
    System.err.println(Instant.now().toString().substring(11, 19) + " " + message);
  }

  private static void row(String name, String value) {
    System.out.println("| " + name + " | " + value + " |");
  }

  private static long median(List<Long> values) {
    List<Long> s = new ArrayList<>(values);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  private static long pct(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * p / 100.0) - 1));
  }

  private static String dist(List<Long> ms) {
    if (ms.isEmpty()) {
      return "-";
    }
    List<Long> s = new ArrayList<>(ms);
    Collections.sort(s);
    return pct(s, 50) + " / " + pct(s, 90) + " / " + s.getLast() + " ms (n=" + s.size() + ")";
  }

  private static String join(List<Long> values) {
    return String.join(", ", values.stream().map(String::valueOf).toList());
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
