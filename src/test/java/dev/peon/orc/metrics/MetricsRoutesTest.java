package dev.peon.orc.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Routes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Boots only the metrics route and one sample route, fed by a fake server feed and a real bus. */
class MetricsRoutesTest {
  @TempDir Path tmp;
  private final EventBus bus = new EventBus(Clock.systemUTC());
  private final List<ServerSample> feed = new CopyOnWriteArrayList<>();
  private final HttpClient client = HttpClient.newHttpClient();
  private Metrics metrics;
  private HttpServer http;
  private int port;

  @BeforeEach
  void boot() {
    metrics = new Metrics("1.2.3", () -> List.copyOf(feed));
    metrics.listen(bus);
    Routes sample = app -> app.get("/api/v2/things/{id}", ctx -> ctx.json(Map.of("ok", true)));
    AccessCheck allowAll = (address, key) -> AccessCheck.Outcome.ALLOWED;
    var config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of("listen.host", "127.0.0.1", "listen.port", "0", "data.dir", tmp.toString()));
    http = new HttpServer(config, allowAll, metrics, List.of(new MetricsRoutes(metrics), sample));
    port = http.start();
  }

  @AfterEach
  void stop() {
    http.close();
    metrics.close();
  }

  @Test
  void servesTheTextFormatWithBuildInfo() throws Exception {
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(r.body()).contains("# TYPE peon_build_info gauge");
    assertThat(get("/metrics").body()).contains("# TYPE peon_http_requests_total counter");
    assertThat(samples(r.body())).containsEntry("peon_build_info{version=\"1.2.3\"}", 1.0);
  }

  @Test
  void countsCrashesAndCrashLoopsAndKeepsTheLastExitCode() throws Exception {
    bus.publish("server.crashed", "g.one", Map.of("server", "g.one", "exitCode", 137L));
    bus.publish("server.crashed", "g.one", Map.of("server", "g.one", "exitCode", 1L));
    bus.publish("server.crashloop", "g.one", Map.of("server", "g.one", "exitCode", 1L));
    Map<String, Double> m = samples(get("/metrics").body());
    assertThat(m)
        .containsEntry("peon_server_crashes_total{server=\"g.one\"}", 2.0)
        .containsEntry("peon_server_crashloops_total{server=\"g.one\"}", 1.0)
        .containsEntry("peon_server_last_exit_code{server=\"g.one\"}", 1.0);
    bus.publish("server.deleted", "g.one", Map.of("server", "g.one"));
    assertThat(get("/metrics").body()).doesNotContain("server=\"g.one\"");
  }

  @Test
  void countsRequestsByMatchedRouteNeverByRawPath() throws Exception {
    get("/api/v2/things/a");
    get("/api/v2/things/b");
    get("/no/such/path");
    Map<String, Double> m = samples(get("/metrics").body());
    assertThat(m)
        .containsEntry(
            "peon_http_requests_total{method=\"GET\",route=\"/api/v2/things/{id}\",status=\"200\"}",
            2.0)
        .containsEntry(
            "peon_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}", 1.0)
        .containsEntry(
            "peon_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v2/things/{id}\"}",
            2.0);
    assertThat(m.keySet()).noneMatch(k -> k.contains("/api/v2/things/a"));
  }

  @Test
  void aRequestIncrementsTheCounter() throws Exception {
    String key = "peon_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}";
    double before = samples(get("/metrics").body()).getOrDefault(key, 0.0);
    double after = samples(get("/metrics").body()).get(key);
    assertThat(after).isEqualTo(before + 1);
  }

  @Test
  void exposesSampledServersWithoutCallingTheFeedPerScrape() throws Exception {
    feed.add(new ServerSample("valheim.camp1", "valheim", "running", 12.5, 1_000_000, 10, 20));
    feed.add(new ServerSample("ark.island", "ark", "exited", 0, 0, 0, 0));
    metrics.sampleNow();
    feed.clear(); // a scrape reads the last sample, not the feed
    Map<String, Double> m = samples(get("/metrics").body());
    assertThat(m)
        .containsEntry("peon_server_up{game=\"valheim\",server=\"valheim.camp1\"}", 1.0)
        .containsEntry("peon_server_up{game=\"ark\",server=\"ark.island\"}", 0.0)
        .containsEntry("peon_server_state{server=\"valheim.camp1\",state=\"running\"}", 1.0)
        .containsEntry("peon_server_state{server=\"ark.island\",state=\"exited\"}", 1.0)
        .containsEntry("peon_server_cpu_percent{server=\"valheim.camp1\"}", 12.5)
        .containsEntry("peon_server_memory_bytes{server=\"valheim.camp1\"}", 1_000_000.0)
        .containsEntry("peon_server_network_rx_bytes{server=\"valheim.camp1\"}", 10.0)
        .containsEntry("peon_server_network_tx_bytes{server=\"valheim.camp1\"}", 20.0);
  }

  @Test
  void stateEventsUpdateStateAtOnceAndCountRestartsAfterTheFirstStart() throws Exception {
    feed.add(new ServerSample("ark.island", "ark", "exited", 0, 0, 0, 0));
    metrics.sampleNow();
    bus.publish("server.state", "ark.island", Map.of("server", "ark.island", "to", "running"));
    bus.publish("server.state", "ark.island", Map.of("server", "ark.island", "to", "exited"));
    bus.publish("server.state", "ark.island", Map.of("server", "ark.island", "to", "running"));
    Map<String, Double> m = samples(get("/metrics").body());
    assertThat(m)
        .containsEntry("peon_server_up{game=\"ark\",server=\"ark.island\"}", 1.0)
        .containsEntry("peon_server_state{server=\"ark.island\",state=\"running\"}", 1.0)
        .containsEntry("peon_server_restarts_total{server=\"ark.island\"}", 1.0);

    bus.publish("server.deleted", "ark.island", Map.of("server", "ark.island"));
    assertThat(get("/metrics").body()).doesNotContain("ark.island");
  }

  @Test
  void countsFinishedOperationsWithTheirDuration() throws Exception {
    bus.publish("operation", "ark.island", operation("running", null));
    bus.publish("operation", "ark.island", operation("succeeded", "2026-11-26T20:00:07Z"));
    Map<String, Double> m = samples(get("/metrics").body());
    assertThat(m)
        .containsEntry("peon_operations_total{kind=\"power.start\",status=\"succeeded\"}", 1.0)
        .containsEntry("peon_operation_duration_seconds_count{kind=\"power.start\"}", 1.0)
        .containsEntry("peon_operation_duration_seconds_sum{kind=\"power.start\"}", 7.0)
        .containsEntry(
            "peon_operation_duration_seconds_bucket{kind=\"power.start\",le=\"10.0\"}", 1.0)
        .containsEntry(
            "peon_operation_duration_seconds_bucket{kind=\"power.start\",le=\"5.0\"}", 0.0);
    assertThat(m.keySet()).noneMatch(k -> k.contains("status=\"running\""));
  }

  @Test
  void countsSchedulerRunsByActionAndResult() throws Exception {
    bus.publish("schedule.run", "ark.island", scheduleRun("restart", "succeeded"));
    bus.publish("schedule.run", "ark.island", scheduleRun("restart", "failed"));
    bus.publish("schedule.run", "ark.island", scheduleRun("restart", "failed"));
    Map<String, Double> m = samples(get("/metrics").body());
    assertThat(m)
        .containsEntry("peon_scheduler_runs_total{action=\"restart\",result=\"succeeded\"}", 1.0)
        .containsEntry("peon_scheduler_runs_total{action=\"restart\",result=\"failed\"}", 2.0);
  }

  // ------------------------------------------------------------ helpers

  private static Map<String, Object> operation(String status, String finishedAt) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", "op_0123456789abcdef");
    m.put("kind", "power.start");
    m.put("server", "ark.island");
    m.put("status", status);
    m.put("createdAt", "2026-11-26T19:59:59Z");
    m.put("startedAt", "2026-11-26T20:00:00Z");
    m.put("finishedAt", finishedAt);
    return m;
  }

  private static Map<String, Object> scheduleRun(String action, String result) {
    return Map.of("schedule", 3, "server", "ark.island", "action", action, "result", result);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Parses the Prometheus text format into {@code name{labels} -> value}, labels sorted by name,
   * checking that every sample has a {@code # TYPE} line before it.
   */
  static Map<String, Double> samples(String text) {
    Map<String, Double> out = new TreeMap<>();
    List<String> typed = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        typed.add(line.split(" ")[2]);
        continue;
      }
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = brace < 0 ? line.substring(0, space) : line.substring(0, brace);
      assertThat(typed).as("TYPE line for %s", name).anyMatch(name::startsWith);
      String labels = "";
      if (brace >= 0) {
        String inner = line.substring(brace + 1, line.lastIndexOf('}'));
        labels = "{" + String.join(",", new java.util.TreeSet<>(List.of(inner.split(",")))) + "}";
      }
      out.put(name + labels, Double.parseDouble(line.substring(space + 1)));
    }
    return out;
  }
}
