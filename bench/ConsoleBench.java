import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.console.ConsoleService;
import dev.peon.orc.console.ConsoleSettings;
import dev.peon.orc.console.ServerLookup;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.runtime.*;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerStats;
import java.net.URI;
import java.net.http.*;
import java.nio.file.*;
import java.time.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.function.Consumer;

/**
 * Console benchmark. {@code throughput <image> <seconds>}: one server whose game prints in a tight
 * loop, one WebSocket viewer; prints lines/s produced and received, drops and throttled lines.
 * {@code memory <servers> <lines>}: fills that many console histories through the real
 * ConsoleService (the container log is served by an in-memory runtime) and prints heap and RSS.
 */
public class ConsoleBench {
  static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "throughput" -> throughput(args[1], Integer.parseInt(args[2]));
      case "memory" -> memory(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  // ------------------------------------------------------------------ throughput

  static void throughput(String image, int seconds) throws Exception {
    Path root = Files.createTempDirectory("peon-console-bench");
    Path plan = root.resolve("plans/benchflood");
    Files.createDirectories(plan.resolve("actions"));
    Files.writeString(
        plan.resolve("actions/server_start"),
        "i=0; while true; do echo \"line $i with some text to look like a game log\"; i=$((i+1)); done\n");
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "benchflood", "image": "%s"},
         "environment": {},
         "volumes": {"~!/config": "/home/steam/config", "~!/actions": "/actions"}}
        """
            .formatted(image));
    String key = "bench-" + System.nanoTime();
    String docker = System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
    Application app =
        Application.start(
            new ConfigLoader()
                .load(
                    null,
                    Map.of(),
                    Map.of(
                        "listen.host", "127.0.0.1",
                        "listen.port", "0",
                        "data.dir", root.resolve("data").toString(),
                        "plans.source", root.resolve("plans").toString(),
                        "api.key", key,
                        "stop.timeout", "2s",
                        "network.subnet.pool", "10.221.0.0/20",
                        "docker.host", docker)),
            Clock.systemUTC());
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + app.port();
    try {
      send(http, key, "POST", base + "/api/v2/servers", "{\"game\":\"benchflood\",\"name\":\"one\"}");
      send(http, key, "POST", base + "/api/v2/servers/benchflood.one/power", "{\"action\":\"start\"}");
      for (int i = 0; i < 200; i++) {
        if (send(http, key, "GET", base + "/api/v2/servers/benchflood.one", null).path("state").asText().equals("running")) {
          break;
        }
        Thread.sleep(100);
      }
      AtomicLong lines = new AtomicLong();
      AtomicLong dropped = new AtomicLong();
      AtomicLong throttled = new AtomicLong();
      AtomicLong lastSeq = new AtomicLong();
      WebSocket.Listener listener =
          new WebSocket.Listener() {
            final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
              partial.append(data);
              if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                if (frame.startsWith("{\"type\":\"line\"")) {
                  lines.incrementAndGet();
                  int s = frame.indexOf("\"seq\":") + 6;
                  lastSeq.set(Long.parseLong(frame.substring(s, frame.indexOf(',', s))));
                } else {
                  try {
                    JsonNode m = JSON.readTree(frame);
                    switch (m.path("type").asText()) {
                      case "dropped" -> dropped.addAndGet(m.path("count").asLong());
                      case "throttled" -> throttled.addAndGet(m.path("skipped").asLong());
                      default -> {}
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }
              }
              ws.request(1);
              return null;
            }
          };
      WebSocket ws =
          http.newWebSocketBuilder()
              .header("X-Api-Key", key)
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + app.port() + "/api/v2/servers/benchflood.one/console?history=0"),
                  listener)
              .join();
      Thread.sleep(2000); // warm-up
      long l0 = lines.get(), d0 = dropped.get(), t0 = throttled.get(), s0 = lastSeq.get();
      long heap0 = usedHeap();
      long start = System.nanoTime();
      long maxHeap = heap0;
      for (int i = 0; i < seconds * 10; i++) {
        Thread.sleep(100);
        maxHeap = Math.max(maxHeap, usedHeapNoGc());
      }
      double secs = (System.nanoTime() - start) / 1e9;
      long received = lines.get() - l0;
      long produced = lastSeq.get() - s0;
      System.out.printf(
          "throughput: %.1f s; game produced ~%,.0f lines/s (history seq); viewer received %,.0f lines/s;"
              + " dropped %,d (viewer outbox full); throttled %,d (over the per-server live limit)%n",
          secs, produced / secs, received / secs, dropped.get() - d0, throttled.get() - t0);
      System.out.printf(
          "throughput: JVM heap used %,d MB at start, at most %,d MB during the run; RSS %,d MB%n",
          heap0 >> 20, maxHeap >> 20, rss() >> 20);
      ws.abort();
    } finally {
      try {
        send(http, key, "POST", base + "/api/v2/servers/benchflood.one/power", "{\"action\":\"kill\"}");
        Thread.sleep(1000);
        send(http, key, "DELETE", base + "/api/v2/servers/benchflood.one?deleteFiles=true&confirm=benchflood.one", null);
      } finally {
        app.close();
      }
    }
  }

  static JsonNode send(HttpClient http, String key, String method, String url, String body) throws Exception {
    var b = HttpRequest.newBuilder(URI.create(url)).header("X-Api-Key", key).header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    String res = http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    return res.isEmpty() ? JSON.nullNode() : JSON.readTree(res);
  }

  // ------------------------------------------------------------------ memory

  static void memory(int servers, int linesPerServer) throws Exception {
    List<ServerId> ids = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      ids.add(ServerId.parse("bench.s" + i));
    }
    ContainerRuntime runtime = new LogOnlyRuntime(linesPerServer);
    ServerLookup lookup =
        new ServerLookup() {
          public List<ServerId> all() { return ids; }
          public boolean exists(ServerId id) { return true; }
          public Optional<ContainerState> state(ServerId id) { return Optional.of(ContainerState.EXITED); }
          public Optional<ServerStats> stats(ServerId id) { return Optional.empty(); }
        };
    long heap0 = usedHeap();
    long rss0 = rss();
    ConsoleService console =
        new ConsoleService(runtime, lookup, new EventBus(Clock.systemUTC()), Clock.systemUTC(),
            new ConsoleSettings(linesPerServer, 30_000, 3_000, 4_096, 10, 20, Duration.ofSeconds(5)));
    console.start();
    long t = System.nanoTime();
    for (ServerId id : ids) {
      console.lines(id, null, 1); // loads the history from the container log
    }
    long ms = (System.nanoTime() - t) / 1_000_000;
    long heap1 = usedHeap();
    long rss1 = rss();
    System.out.printf(
        "memory: %d servers x %d lines (80-character lines) = %s lines held, loaded in %d ms%n",
        servers, linesPerServer, console.totals().get("lines"), ms);
    System.out.printf(
        "memory: heap after GC %,d MB before, %,d MB after (+%,d MB, %,d bytes per line); process RSS %,d MB -> %,d MB%n",
        heap0 >> 20, heap1 >> 20, (heap1 - heap0) >> 20, (heap1 - heap0) / Math.max(1, (long) servers * linesPerServer), rss0 >> 20, rss1 >> 20);
    console.close();
  }

  static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return usedHeapNoGc();
  }

  static long usedHeapNoGc() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  static long rss() throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  /** Serves a synthetic container log; nothing else. */
  static final class LogOnlyRuntime implements ContainerRuntime {
    private final int lines;

    LogOnlyRuntime(int lines) {
      this.lines = lines;
    }

    @Override
    public List<LogLine> logs(String name, Instant since, int tail) {
      List<LogLine> out = new ArrayList<>(lines);
      Instant t0 = Instant.parse("2026-11-26T00:00:00Z");
      for (int i = 0; i < lines; i++) {
        String text = String.format("[%s] %06d Player joined the game: some typical log text here....", name, i);
        out.add(new LogLine(t0.plusMillis(i), LogLine.Stream.STDOUT, text.substring(0, Math.min(80, text.length()))));
      }
      return out;
    }

    public String engineVersion() { return "bench"; }
    public void ensureNetwork(NetworkSpec spec) {}
    public void removeNetwork(String name) {}
    public List<String> listNetworks(Map<String, String> labels) { return List.of(); }
    public String create(ContainerSpec spec) { throw new UnsupportedOperationException(); }
    public void start(String name) {}
    public void stop(String name, Duration grace) {}
    public void kill(String name) {}
    public void remove(String name) {}
    public Optional<ContainerInfo> inspect(String name) { return Optional.empty(); }
    public List<ContainerInfo> list(Map<String, String> labels) { return List.of(); }
    public Optional<ImageInfo> inspectImage(String image) { return Optional.empty(); }
    public void pull(String image, Consumer<PullProgress> progress) {}
    public Optional<StatsSample> stats(String name) { return Optional.empty(); }
    public Subscription events(Consumer<RuntimeEvent> l, Consumer<Throwable> e) { return () -> {}; }
    public Subscription followLogs(String name, Instant since, Consumer<LogLine> line, Consumer<Throwable> end) { end.accept(null); return () -> {}; }
    public StdinWriter openStdin(String name) { throw new UnsupportedOperationException(); }
    public void close() {}
  }
}
