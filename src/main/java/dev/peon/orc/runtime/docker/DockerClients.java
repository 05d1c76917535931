package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docker-java clients of one engine, on the httpclient5 transport; the one place that knows how
 * to build them. Long-lived streams and short calls never share a connection pool, so any number of
 * open streams cannot make a short call wait:
 *
 * <ul>
 *   <li>{@link #control()}: short calls, a small pool, every answer bounded by {@link
 *       DockerSettings#callTimeout()};
 *   <li>{@link #stream()}: events, log follows, stdin attaches and pulls, a large pool and no
 *       response timeout (a quiet stream is not a dead one; pulls have their own stall check);
 *   <li>{@link #forStop(Duration)}: a stop answers only after the grace period, so its bound is
 *       grace plus {@link #STOP_MARGIN}; one small client per grace period in use.
 * </ul>
 *
 * Every pool waits at most a bounded time for a free connection (httpclient5 would wait 3 min).
 */
final class DockerClients implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DockerClients.class);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration STREAM_LEASE_TIMEOUT = Duration.ofSeconds(10);
  static final Duration STOP_MARGIN = Duration.ofSeconds(30);
  static final int CONTROL_CONNECTIONS = 32;

  /**
   * Stats calls wait for the engine's next CPU sample (about a second each): with hundreds of
   * running servers, sampling them all through the control pool would keep every connection busy
   * and make a start or a stop wait. They get a small pool of their own.
   */
  static final int STATS_CONNECTIONS = 4;

  private static final int STOP_CONNECTIONS = 16;
  private static final int MAX_STOP_CLIENTS = 8;

  private final String dockerHost;
  private final DockerSettings settings;
  private final Pool control;
  private final Pool stream;
  private final Pool stats;
  private final Map<Long, Pool> stops = new ConcurrentHashMap<>();

  /** A client and its lease-counting transport. */
  record Pool(DockerClient client, LeasedHttpClient transport) {}

  DockerClients(String dockerHost, DockerSettings settings) {
    this.dockerHost = dockerHost;
    this.settings = settings;
    this.control =
        open(
            "control",
            dockerHost,
            CONTROL_CONNECTIONS,
            settings.callTimeout(),
            settings.callTimeout());
    this.stream =
        open("stream", dockerHost, settings.streamConnections(), null, STREAM_LEASE_TIMEOUT);
    this.stats =
        open(
            "stats", dockerHost, STATS_CONNECTIONS, settings.callTimeout(), settings.callTimeout());
  }

  /** A plain short-call client with the default bounds (tests and tools). */
  static DockerClient open(String dockerHost) {
    Duration timeout = DockerSettings.defaults().callTimeout();
    return open("control", dockerHost, CONTROL_CONNECTIONS, timeout, timeout).client();
  }

  DockerClient control() {
    return control.client();
  }

  /** The control pool's raw transport, for calls whose JSON docker-java would not keep whole. */
  com.github.dockerjava.transport.DockerHttpClient controlTransport() {
    return control.transport();
  }

  DockerClient stream() {
    return stream.client();
  }

  DockerClient stats() {
    return stats.client();
  }

  /** Connections in use: {@code control} and {@code stream}. */
  Map<String, Integer> inUse() {
    return Map.of(
        "control",
        control.transport().inUse(),
        "stream",
        stream.transport().inUse(),
        "stats",
        stats.transport().inUse());
  }

  /**
   * Runs a stop with a client whose answer may take {@code grace} plus {@link #STOP_MARGIN}. Grace
   * periods are few (the configured stop timeout, zero); an unusual one gets a client of its own
   * for that call.
   */
  <T> T withStopClient(Duration grace, Function<DockerClient, T> call) {
    long seconds = Math.max(0, grace.toSeconds() + (grace.toNanosPart() > 0 ? 1 : 0));
    Pool pool = stops.get(seconds);
    if (pool == null && stops.size() < MAX_STOP_CLIENTS) {
      pool = stops.computeIfAbsent(seconds, this::openStop);
    }
    if (pool != null) {
      return call.apply(pool.client());
    }
    Pool once = openStop(seconds);
    try {
      return call.apply(once.client());
    } finally {
      closeQuietly(once.client());
    }
  }

  private Pool openStop(long seconds) {
    return open(
        "stop",
        dockerHost,
        STOP_CONNECTIONS,
        Duration.ofSeconds(seconds).plus(STOP_MARGIN),
        settings.callTimeout());
  }

  private static Pool open(
      String name,
      String dockerHost,
      int connections,
      Duration responseTimeout,
      Duration leaseTimeout) {
    var config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
    var builder =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(URI.create(dockerHost))
            .sslConfig(config.getSSLConfig())
            .maxConnections(connections)
            .connectionTimeout(CONNECT_TIMEOUT);
    if (responseTimeout != null) {
      builder.responseTimeout(responseTimeout);
    }
    var transport = new LeasedHttpClient(name, builder.build(), connections, leaseTimeout);
    return new Pool(DockerClientImpl.getInstance(config, transport), transport);
  }

  @Override
  public void close() {
    List<DockerClient> all = new ArrayList<>();
    all.add(control.client());
    all.add(stats.client());
    all.add(stream.client());
    stops.values().forEach(p -> all.add(p.client()));
    stops.clear();
    all.forEach(DockerClients::closeQuietly);
  }

  private static void closeQuietly(DockerClient client) {
    try {
      client.close();
    } catch (IOException e) {
      LOG.atWarn().setCause(e).log("Closing a Docker client failed");
    }
  }
}
