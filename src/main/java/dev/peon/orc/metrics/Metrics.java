package dev.peon.orc.metrics;

import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.RequestObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator's Prometheus metrics, in a registry of its own (never the static default).
 *
 * <p>Fed three ways, none of them a Docker call per scrape: the HTTP server reports each finished
 * request ({@link RequestObserver}); {@code server.state}, {@code operation} and {@code
 * schedule.run} events from the {@link EventBus} drive counters and the servers' state at once; and
 * a background sampler reads every server and the running ones' stats every {@value
 * #SAMPLE_SECONDS} s, one round at a time, so a scrape only reads memory.
 *
 * <p>{@code peon_server_restarts_total} counts a server's transitions into {@code running} after
 * the first one this process saw (a server already running at start-up has had its first): crash
 * restarts, restart actions and stop/start cycles alike.
 *
 * <p>Supervision: {@code peon_server_crashes_total} and {@code peon_server_crashloops_total} count
 * {@code server.crashed} and {@code server.crashloop} events per server; {@code
 * peon_server_last_exit_code} is the exit code of the server's last crash seen by this process.
 */
public final class Metrics implements RequestObserver, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);
  static final long SAMPLE_SECONDS = 15;
  private static final List<String> GAME_STATES = List.of("starting", "ready", "unhealthy");
  private static final Pattern LABEL_WORD = Pattern.compile("[a-z0-9._-]{1,32}");
  private static final double[] HTTP_BUCKETS = {
    .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30
  };
  private static final double[] OPERATION_BUCKETS = {.1, .5, 1, 5, 10, 30, 60, 120, 300, 600, 1800};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final ServerFeed feed;
  private final Map<String, ServerSample> servers = new ConcurrentHashMap<>();
  private final Set<String> seenRunning = ConcurrentHashMap.newKeySet();
  private final Counter httpRequests;
  private final Histogram httpDuration;
  private final Counter schedulerRuns;
  private final Counter operations;
  private final Histogram operationDuration;
  private final Counter restarts;
  private final Counter crashes;
  private final Counter crashLoops;
  private final Gauge lastExitCode;
  private final Gauge players;
  private final Gauge playersMax;
  private final Gauge gameState;
  private volatile ScheduledExecutorService sampler;
  private final Consumer<Event> listener = this::onEvent;
  private volatile EventBus bus;

  private final StatsHistory history;

  public Metrics(String version, ServerFeed feed) {
    this(version, feed, new StatsHistory(java.time.Clock.systemUTC()));
  }

  /**
   * @param history fed with every sampling round (the dashboard's graphs)
   */
  public Metrics(String version, ServerFeed feed, StatsHistory history) {
    this.feed = feed;
    this.history = history;
    httpRequests =
        Counter.builder()
            .name("peon_http_requests_total")
            .help("HTTP requests by method, matched route and status")
            .labelNames("method", "route", "status")
            .register(registry);
    httpDuration =
        Histogram.builder()
            .name("peon_http_request_duration_seconds")
            .help("HTTP request latency by method and matched route")
            .labelNames("method", "route")
            .classicOnly()
            .classicUpperBounds(HTTP_BUCKETS)
            .register(registry);
    schedulerRuns =
        Counter.builder()
            .name("peon_scheduler_runs_total")
            .help("Scheduled actions run, by action and result")
            .labelNames("action", "result")
            .register(registry);
    operations =
        Counter.builder()
            .name("peon_operations_total")
            .help("Finished operations by kind and final status")
            .labelNames("kind", "status")
            .register(registry);
    operationDuration =
        Histogram.builder()
            .name("peon_operation_duration_seconds")
            .help("Run time of finished operations (start to finish), by kind")
            .labelNames("kind")
            .classicOnly()
            .classicUpperBounds(OPERATION_BUCKETS)
            .register(registry);
    restarts =
        Counter.builder()
            .name("peon_server_restarts_total")
            .help("Transitions into running after the first one this process saw, per server")
            .labelNames("server")
            .register(registry);
    crashes =
        Counter.builder()
            .name("peon_server_crashes_total")
            .help(
                "Crashes (exits while the server should run, not caused by an action), per server")
            .labelNames("server")
            .register(registry);
    crashLoops =
        Counter.builder()
            .name("peon_server_crashloops_total")
            .help("Crash loops that stopped the automatic restarts, per server")
            .labelNames("server")
            .register(registry);
    lastExitCode =
        Gauge.builder()
            .name("peon_server_last_exit_code")
            .help("Exit code of the server's last crash")
            .labelNames("server")
            .register(registry);
    players =
        Gauge.builder()
            .name("peon_server_players")
            .help("Players online, as the game's query last answered, per server")
            .labelNames("server")
            .register(registry);
    playersMax =
        Gauge.builder()
            .name("peon_server_players_max")
            .help("The player limit the game reports, per server")
            .labelNames("server")
            .register(registry);
    gameState =
        Gauge.builder()
            .name("peon_server_game_state")
            .help("1 for the game's current state (starting, ready, unhealthy), per server")
            .labelNames("server", "state")
            .register(registry);
    Info build =
        Info.builder()
            .name("peon_build_info")
            .help("The orchestrator build")
            .labelNames("version")
            .register(registry);
    build.addLabelValues(version);
    registry.register(new ServerGauges());
  }

  /** Subscribes to the bus; call once, before {@link #startSampling()}. */
  public void listen(EventBus events) {
    this.bus = events;
    events.subscribe(0, listener);
  }

  /** Samples now and then every {@value #SAMPLE_SECONDS} s on a background thread. */
  public void startSampling() {
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("peon-metrics-sampler").factory());
    sampler = s;
    s.scheduleWithFixedDelay(this::sampleQuietly, 0, SAMPLE_SECONDS, TimeUnit.SECONDS);
  }

  /** One sampling round: replaces the per-server values with the feed's. */
  public void sampleNow() {
    List<ServerSample> fresh = feed.sample();
    Set<String> present = ConcurrentHashMap.newKeySet();
    for (ServerSample s : fresh) {
      present.add(s.server());
      if (servers.put(s.server(), s) == null && "running".equals(s.state())) {
        seenRunning.add(s.server()); // already running when first seen: its first start
      }
    }
    servers.keySet().retainAll(present);
    history.record(fresh);
    publishStats(fresh);
  }

  /**
   * One {@code stats} event per round with the running servers' CPU and memory (the dashboard's
   * live sparklines; no client polls). Nothing is published when no server runs.
   */
  private void publishStats(List<ServerSample> round) {
    EventBus b = bus;
    if (b == null) {
      return;
    }
    Map<String, Object> running = new java.util.TreeMap<>();
    for (ServerSample s : round) {
      if ("running".equals(s.state())) {
        running.put(
            s.server(),
            Map.of(
                "cpuPercent",
                Math.round(s.cpuPercent() * 100) / 100.0,
                "memoryBytes",
                s.memoryBytes()));
      }
    }
    if (!running.isEmpty()) {
      b.publish("stats", null, Map.of("servers", running));
    }
  }

  private void sampleQuietly() {
    try {
      sampleNow();
    } catch (RuntimeException | Error e) {
      // a periodic task that throws is never run again: nothing may escape
      LOG.atWarn().addKeyValue("reason", e.toString()).log("metrics sampling failed");
    }
  }

  @Override
  public void observe(String method, String route, int status, double seconds) {
    httpRequests.labelValues(method, route, Integer.toString(status)).inc();
    httpDuration.labelValues(method, route).observe(seconds);
  }

  /** Called on the publisher's thread inside the bus lock: only memory updates here. */
  private void onEvent(Event e) {
    Map<String, Object> d = e.data();
    switch (e.type()) {
      case "server.state" -> onState(e.server(), word(d.get("to")));
      case "server.deleted" -> {
        if (e.server() != null) {
          servers.remove(e.server());
          seenRunning.remove(e.server());
          restarts.remove(e.server());
          crashes.remove(e.server());
          crashLoops.remove(e.server());
          lastExitCode.remove(e.server());
          players.remove(e.server());
          playersMax.remove(e.server());
          for (String st : GAME_STATES) {
            gameState.remove(e.server(), st);
          }
        }
      }
      case "server.players" -> {
        if (e.server() != null && d.get("online") instanceof Number n) {
          players.labelValues(e.server()).set(n.doubleValue());
          if (d.get("max") instanceof Number max) {
            playersMax.labelValues(e.server()).set(max.doubleValue());
          }
        }
      }
      case "server.game" -> {
        if (e.server() != null) {
          Object to = d.get("state");
          for (String st : GAME_STATES) {
            gameState.labelValues(e.server(), st).set(st.equals(to) ? 1 : 0);
          }
        }
      }
      case "server.crashed" -> {
        if (e.server() != null) {
          crashes.labelValues(e.server()).inc();
          if (d.get("exitCode") instanceof Number code) {
            lastExitCode.labelValues(e.server()).set(code.doubleValue());
          }
        }
      }
      case "server.crashloop" -> {
        if (e.server() != null) {
          crashLoops.labelValues(e.server()).inc();
        }
      }
      case "operation" -> onOperation(d);
      case "schedule.run" ->
          schedulerRuns.labelValues(word(d.get("action")), word(d.get("result"))).inc();
      default -> {}
    }
  }

  private void onState(String server, String to) {
    if (server == null) {
      return;
    }
    servers.computeIfPresent(server, (k, s) -> s.withState(to));
    if ("running".equals(to) && !seenRunning.add(server)) {
      restarts.labelValues(server).inc();
    }
  }

  private void onOperation(Map<String, Object> d) {
    String status = String.valueOf(d.get("status"));
    if (!status.equals("succeeded") && !status.equals("failed")) {
      return;
    }
    String kind = word(d.get("kind"));
    operations.labelValues(kind, status).inc();
    Instant started = instant(d.get("startedAt"));
    Instant finished = instant(d.get("finishedAt"));
    if (started == null) {
      started = instant(d.get("createdAt"));
    }
    if (started != null && finished != null && !finished.isBefore(started)) {
      operationDuration
          .labelValues(kind)
          .observe(Duration.between(started, finished).toNanos() / 1e9);
    }
  }

  private static Instant instant(Object o) {
    if (o == null) {
      return null;
    }
    try {
      return Instant.parse(o.toString());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** A label value from an event: short lowercase words only, to keep cardinality bounded. */
  private static String word(Object o) {
    String s = o == null ? "unknown" : o.toString();
    return LABEL_WORD.matcher(s).matches() ? s : "other";
  }

  /** Writes the Prometheus text format. */
  void scrape(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }

  String contentType() {
    return writer.getContentType();
  }

  @Override
  public void close() {
    ScheduledExecutorService s = sampler;
    if (s != null) {
      s.shutdownNow();
    }
    EventBus b = bus;
    if (b != null) {
      b.unsubscribe(listener);
    }
  }

  /** Per-server gauges, read from the sampled values at scrape time. */
  private final class ServerGauges implements MultiCollector {
    @Override
    public MetricSnapshots collect() {
      List<ServerSample> list =
          servers.values().stream().sorted(Comparator.comparing(ServerSample::server)).toList();
      return MetricSnapshots.of(
          gauge(
              "peon_server_up",
              "1 when the server's container is running, else 0",
              list,
              s -> Labels.of("server", s.server(), "game", s.game()),
              s -> "running".equals(s.state()) ? 1 : 0),
          gauge(
              "peon_server_state",
              "1 for the server's current container state (Docker's word, or missing)",
              list,
              s -> Labels.of("server", s.server(), "state", s.state()),
              s -> 1),
          gauge(
              "peon_server_cpu_percent",
              "CPU use in percent of one core, at the last sample",
              list,
              s -> Labels.of("server", s.server()),
              ServerSample::cpuPercent),
          gauge(
              "peon_server_memory_bytes",
              "Memory use at the last sample",
              list,
              s -> Labels.of("server", s.server()),
              s -> s.memoryBytes()),
          gauge(
              "peon_server_network_rx_bytes",
              "Bytes received by the container since it started, at the last sample",
              list,
              s -> Labels.of("server", s.server()),
              s -> s.networkRxBytes()),
          gauge(
              "peon_server_network_tx_bytes",
              "Bytes sent by the container since it started, at the last sample",
              list,
              s -> Labels.of("server", s.server()),
              s -> s.networkTxBytes()));
    }

    private static GaugeSnapshot gauge(
        String name,
        String help,
        List<ServerSample> list,
        Function<ServerSample, Labels> labels,
        ToDoubleFunction<ServerSample> value) {
      GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
      for (ServerSample s : list) {
        b.dataPoint(
            GaugeDataPointSnapshot.builder()
                .labels(labels.apply(s))
                .value(value.applyAsDouble(s))
                .build());
      }
      return b.build();
    }

    @Override
    public List<String> getPrometheusNames() {
      return List.of(
          "peon_server_up",
          "peon_server_state",
          "peon_server_cpu_percent",
          "peon_server_memory_bytes",
          "peon_server_network_rx_bytes",
          "peon_server_network_tx_bytes");
    }
  }
}
