package dev.peon.orc.server;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.ExitStatus;
import dev.peon.orc.runtime.ImageInfo;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.StatsSample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every server's container state in memory, driven by the Docker event stream (resubscribing
 * with a full resync when it drops), so reads never call Docker per server.
 */
final class ServerStateTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerStateTracker.class);
  private static final Duration CONFIG_TTL = Duration.ofSeconds(2);
  private static final Duration STATS_TTL = Duration.ofSeconds(5);

  private final ContainerRuntime runtime;
  private final ServerLayout layout;
  private final boolean exposeSecrets;
  private final Clock clock;
  private final Map<ServerId, Entry> entries = new ConcurrentHashMap<>();
  private final Map<String, Optional<ImageInfo>> images = new ConcurrentHashMap<>();
  private final ExecutorService worker = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile ContainerRuntime.Subscription subscription;
  private final EventBus events;
  private final ExitSink exits;

  /** Set when the event stream drops, cleared after the resync that follows the reconnect. */
  private volatile boolean streamDown;

  /** Where exits of a container seen running (or started since the last look) are reported. */
  @FunctionalInterface
  interface ExitSink {
    void exited(ServerId id, PowerObserver.Exit exit);
  }

  /** Mutable per-server cell; fields are replaced whole. */
  private static final class Entry {
    volatile ServerDefinition definition;
    volatile String expectedHash;
    volatile ContainerInfo container;
    volatile String subnet;
    volatile Map<String, String> config = Map.of();
    volatile Map<String, String> configRaw = Map.of();
    volatile Instant configReadAt = Instant.EPOCH;
    volatile StatsSample stats;
    volatile boolean statsRefreshing;
  }

  ServerStateTracker(
      ContainerRuntime runtime,
      ServerLayout layout,
      boolean exposeSecrets,
      Clock clock,
      EventBus events,
      ExitSink exits) {
    this.events = events;
    this.exits = exits;
    this.runtime = runtime;
    this.layout = layout;
    this.exposeSecrets = exposeSecrets;
    this.clock = clock;
  }

  void start() {
    subscribe();
  }

  private void subscribe() {
    if (closed.get()) {
      return;
    }
    try {
      subscription = runtime.events(this::onEvent, this::onStreamError);
      resyncAll();
    } catch (RuntimeFailure e) {
      onStreamError(e);
    }
  }

  private void onStreamError(Throwable t) {
    if (closed.get()) {
      return;
    }
    streamDown = true;
    LOG.atWarn()
        .addKeyValue("reason", String.valueOf(t.getMessage()))
        .log("Docker event stream dropped; reconnecting");
    worker.submit(
        () -> {
          try {
            Thread.sleep(1000); // back off before reconnecting to a failing engine
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          subscribe();
        });
  }

  private void onEvent(RuntimeEvent e) {
    String uid = e.labels().get(ServerService.LABEL_SERVER);
    if (uid == null || !"true".equals(e.labels().get(ServerService.LABEL_MANAGED))) {
      return;
    }
    ServerId id;
    try {
      id = ServerId.parse(uid);
    } catch (IllegalArgumentException ex) {
      return;
    }
    if (entries.containsKey(id) && e.kind() != RuntimeEvent.Kind.OTHER) {
      worker.submit(() -> refresh(id));
    }
  }

  /**
   * Reads every container again after (re)subscribing; a change missed while the stream was down is
   * published like a live one, and an exit found then is reported as seen after a drop.
   */
  private void resyncAll() {
    Map<String, ContainerInfo> byName = new java.util.HashMap<>();
    for (ContainerInfo c : runtime.list(Map.of(ServerService.LABEL_MANAGED, "true"))) {
      byName.put(c.name(), c);
    }
    entries.forEach(
        (id, en) -> {
          synchronized (en) {
            apply(id, en, byName.get(id.containerName()));
          }
        });
    streamDown = false;
  }

  void put(ServerId id, ServerDefinition def, String subnet, String expectedHash) {
    Entry e = new Entry();
    e.definition = def;
    e.expectedHash = expectedHash;
    e.subnet = subnet;
    entries.put(id, e);
    refresh(id);
  }

  void updateDefinition(ServerId id, ServerDefinition def, String expectedHash) {
    Entry e = entries.get(id);
    if (e != null) {
      e.definition = def;
      e.expectedHash = expectedHash;
    }
  }

  void remove(ServerId id) {
    entries.remove(id);
  }

  boolean knows(ServerId id) {
    return entries.containsKey(id);
  }

  String subnet(ServerId id) {
    Entry e = entries.get(id);
    return e == null ? null : e.subnet;
  }

  /** Re-reads one container from the engine. */
  void refresh(ServerId id) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    synchronized (e) {
      refreshLocked(id, e);
    }
  }

  /** Compare and publish under the entry's lock, so one change is announced once. */
  private void refreshLocked(ServerId id, Entry e) {
    try {
      apply(id, e, runtime.inspect(id.containerName()).orElse(null));
    } catch (RuntimeFailure ex) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", ex.getMessage())
          .log("inspect failed");
    }
  }

  /** Takes a fresh reading of the container; publishes a state change; reports an exit. */
  private void apply(ServerId id, Entry e, ContainerInfo fresh) {
    ContainerInfo before = e.container;
    e.container = fresh;
    ContainerState now = e.container == null ? null : e.container.state();
    ContainerState was = before == null ? null : before.state();
    if (now != was) {
      e.configReadAt = Instant.EPOCH;
      String from = was == null ? "missing" : was.wire();
      String to = now == null ? "missing" : now.wire();
      LOG.atInfo()
          .addKeyValue("serverId", id)
          .addKeyValue("from", from)
          .addKeyValue("to", to)
          .log("server state changed");
      Map<String, Object> data = new java.util.LinkedHashMap<>();
      data.put("server", id.uid());
      data.put("from", from);
      data.put("to", to);
      data.put("at", clock.instant().toString());
      events.publish("server.state", id.uid(), data);
    }
    if (exitedSince(before, fresh)) {
      exits.exited(
          id,
          new PowerObserver.Exit(
              fresh.exitStatus() == null ? new ExitStatus(0, false) : fresh.exitStatus(),
              clock.instant(),
              streamDown));
    }
  }

  /**
   * True when the container ended since the last reading: it was up then, or it has been started
   * (and ended) since, which a start and an instant crash between two readings look like.
   */
  static boolean exitedSince(ContainerInfo before, ContainerInfo now) {
    if (before == null || now == null) {
      return false; // first reading, or the container is gone (removed: never a crash)
    }
    if (now.state() != ContainerState.EXITED && now.state() != ContainerState.DEAD) {
      return false;
    }
    ContainerState was = before.state();
    if (was == ContainerState.RUNNING
        || was == ContainerState.PAUSED
        || was == ContainerState.RESTARTING) {
      return true;
    }
    return now.startedAt() != null && !now.startedAt().equals(before.startedAt());
  }

  void forgetImage(String image) {
    images.remove(image);
  }

  List<ServerView> views() {
    return entries.keySet().stream().sorted().map(this::view).flatMap(Optional::stream).toList();
  }

  Optional<ServerView> view(ServerId id) {
    Entry e = entries.get(id);
    if (e == null) {
      return Optional.empty();
    }
    ContainerInfo c = e.container;
    ServerDefinition def = e.definition;
    Optional<ImageInfo> image = imageInfo(def.image());
    Map<String, String> env = image.map(ImageInfo::env).orElse(Map.of());
    ContainerState state = c == null ? null : c.state();
    Map<String, String> cfg = state == ContainerState.RUNNING ? configOf(id, e) : Map.of();
    return Optional.of(
        new ServerView(
            id,
            def,
            state,
            env.getOrDefault("CONTAINER_TYPE", "unknown"),
            env.getOrDefault("VERSION", "unknown"),
            cfg,
            c == null ? null : c.startedAt(),
            c != null
                && e.expectedHash != null
                && !e.expectedHash.equals(c.labels().get(ServerService.LABEL_SPEC))));
  }

  private Optional<ImageInfo> imageInfo(String image) {
    Optional<ImageInfo> cached = images.get(image);
    if (cached != null) {
      return cached;
    }
    try {
      Optional<ImageInfo> info = runtime.inspectImage(image);
      if (info.isPresent()) {
        images.put(image, info);
      }
      return info;
    } catch (RuntimeFailure ex) {
      return Optional.empty();
    }
  }

  /** The shown (masked unless exposed) values, from the cache read at most every 2 s. */
  private Map<String, String> configOf(ServerId id, Entry e) {
    refreshConfig(id, e);
    return e.config;
  }

  /** The values in clear, for callers allowed to see secrets; same cache. */
  Map<String, String> rawConfig(ServerId id) {
    Entry e = entries.get(id);
    if (e == null) {
      return Map.of();
    }
    refreshConfig(id, e);
    return e.configRaw;
  }

  private void refreshConfig(ServerId id, Entry e) {
    Instant now = clock.instant();
    if (Duration.between(e.configReadAt, now).compareTo(CONFIG_TTL) > 0) {
      Map<String, String> raw = readConfigFolder(id);
      e.configRaw = raw;
      e.config = exposeSecrets ? raw : masked(raw);
      e.configReadAt = now;
    }
  }

  private static Map<String, String> masked(Map<String, String> raw) {
    Map<String, String> out = new TreeMap<>();
    raw.forEach((k, v) -> out.put(k, SecretNames.isSecret(k) ? SecretNames.MASK : v));
    return Map.copyOf(out);
  }

  /** Each regular, non-hidden file of {@code config/} -> its trimmed text. */
  Map<String, String> readConfigFolder(ServerId id) {
    Map<String, String> out = new TreeMap<>();
    Path dir = layout.dir(id).resolve("config");
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        String name = f.getFileName().toString();
        if (name.startsWith(".") || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        if (Files.size(f) > 64 * 1024) {
          continue;
        }
        String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).trim();
        out.put(name, text);
      }
    } catch (IOException ex) {
      LOG.atDebug().addKeyValue("serverId", id).log("config folder unreadable");
    }
    return Map.copyOf(out);
  }

  /**
   * Recent stats: a cached sample when fresh, otherwise one taken now; a stale sample triggers a
   * refresh in the background so calls do not wait for the engine.
   */
  ServerStats stats(ServerId id) {
    Entry e = entries.get(id);
    if (e == null || e.container == null || e.container.state() != ContainerState.RUNNING) {
      return new ServerStats(Map.of(), 0, 0, 0, 0, 0, 0);
    }
    StatsSample s = e.stats;
    Instant now = clock.instant();
    if (s == null) {
      s = sample(id, e);
    } else if (Duration.between(s.takenAt(), now).compareTo(STATS_TTL) > 0 && !e.statsRefreshing) {
      e.statsRefreshing = true;
      worker.submit(() -> sample(id, e));
    }
    Instant started = e.container.startedAt();
    long uptime = started == null ? 0 : Math.max(0, Duration.between(started, now).toSeconds());
    if (s == null) {
      return new ServerStats(Map.of(), 0, 0, 0, 0, 0, uptime);
    }
    return new ServerStats(
        s.raw(),
        s.cpuPercent(),
        s.memoryPercent(),
        s.memoryBytes(),
        s.networkRxBytes(),
        s.networkTxBytes(),
        uptime);
  }

  private StatsSample sample(ServerId id, Entry e) {
    try {
      StatsSample s = runtime.stats(id.containerName()).orElse(null);
      if (s != null) {
        e.stats = s;
      }
      return s;
    } catch (RuntimeFailure ex) {
      return null;
    } finally {
      e.statsRefreshing = false;
    }
  }

  @Override
  public void close() {
    closed.set(true);
    ContainerRuntime.Subscription s = subscription;
    if (s != null) {
      s.close();
    }
    worker.shutdownNow();
  }
}
