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
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every server's container state in memory, driven by the Docker event stream (filtered by
 * our label at the engine), so reads never call Docker per server.
 *
 * <p>Readings of a container (an inspect after an event, or a resync listing every container) are
 * taken outside the entry's monitor and applied under it only when no reading that started later
 * has been applied already (a ticket per reading), so a slow, older reading never overwrites a
 * newer one; a transition found either way is published once as {@code server.state}. One
 * connection loop owns the subscription: it resyncs after (re)subscribing and every {@link
 * #resyncInterval} as a safety net (a lost event, a half-open TCP stream), and when the stream
 * drops or a resync fails it closes the subscription and reconnects with exponential back-off; the
 * back-off (and the one WARN per outage) resets only once a stream has lasted a whole interval, so
 * a flapping engine is not hammered.
 */
final class ServerStateTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerStateTracker.class);
  private static final Duration CONFIG_TTL = Duration.ofSeconds(2);
  private static final Duration STATS_TTL = Duration.ofSeconds(5);
  static final Duration RESYNC_INTERVAL = Duration.ofSeconds(60);
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
  private static final Map<String, String> MANAGED = Map.of(ServerService.LABEL_MANAGED, "true");

  private final ContainerRuntime runtime;
  private final ServerLayout layout;
  private final boolean exposeSecrets;
  private final Clock clock;
  private final Duration resyncInterval;
  private final Duration firstBackoff;
  private final Map<ServerId, Entry> entries = new ConcurrentHashMap<>();
  private final Map<String, Optional<ImageInfo>> images = new ConcurrentHashMap<>();
  private final ExecutorService worker = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong generation = new AtomicLong();
  private final Semaphore dropped = new Semaphore(0);
  private volatile ContainerRuntime.Subscription subscription;
  private volatile Throwable lastFailure;
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

    /** Tickets of readings, in the order they started. */
    final AtomicLong readings = new AtomicLong();

    /** The ticket of the reading {@link #container} came from; guarded by the monitor. */
    long applied;
  }

  /** A reading about to be taken of one entry. */
  private record Reading(ServerId id, Entry entry, long ticket) {}

  ServerStateTracker(
      ContainerRuntime runtime,
      ServerLayout layout,
      boolean exposeSecrets,
      Clock clock,
      EventBus events,
      ExitSink exits) {
    this(runtime, layout, exposeSecrets, clock, events, exits, RESYNC_INTERVAL, FIRST_BACKOFF);
  }

  ServerStateTracker(
      ContainerRuntime runtime,
      ServerLayout layout,
      boolean exposeSecrets,
      Clock clock,
      EventBus events,
      ExitSink exits,
      Duration resyncInterval,
      Duration firstBackoff) {
    this.events = events;
    this.exits = exits;
    this.runtime = runtime;
    this.layout = layout;
    this.exposeSecrets = exposeSecrets;
    this.clock = clock;
    this.resyncInterval = resyncInterval;
    this.firstBackoff = firstBackoff;
  }

  /**
   * Subscribes and resyncs once before returning, then keeps the subscription in the background.
   */
  void start() {
    boolean up = connect();
    worker.submit(() -> connectionLoop(up));
  }

  /** Subscribes and resyncs; on failure closes what it opened and returns false. */
  private boolean connect() {
    long current = generation.incrementAndGet();
    dropped.drainPermits();
    ContainerRuntime.Subscription s = null;
    try {
      s = runtime.events(MANAGED, this::onEvent, cause -> onDropped(current, cause));
      subscription = s;
      resyncAll();
      streamDown = false; // exits found from here on are seen live again
      return true;
    } catch (RuntimeFailure e) {
      lastFailure = e;
      closeSubscription();
      return false;
    }
  }

  private void onDropped(long of, Throwable cause) {
    if (!closed.get() && generation.get() == of) {
      streamDown = true; // at once: an exit read from now on may have had no event
      lastFailure = cause;
      dropped.release();
    }
  }

  private void closeSubscription() {
    generation.incrementAndGet(); // a late drop report of the old stream is ignored
    ContainerRuntime.Subscription s = subscription;
    subscription = null;
    if (s != null) {
      try {
        s.close();
      } catch (RuntimeException e) {
        LOG.atDebug().setCause(e).log("closing the event subscription failed");
      }
    }
  }

  /**
   * The one loop that owns the subscription: while connected, waits for a drop and resyncs every
   * {@link #resyncInterval}; while not, reconnects with doubling back-off. Logs a WARN when the
   * stream is lost and an INFO when it is back, not one per attempt.
   */
  private void connectionLoop(boolean connected) {
    boolean up = connected;
    Duration backoff = firstBackoff;
    int failures = 0;
    boolean restoredLogged = false;
    while (!closed.get()) {
      try {
        if (up) {
          if (failures > 0 && !restoredLogged) {
            LOG.atInfo()
                .addKeyValue("attempts", failures)
                .log("Docker event stream restored; states resynced");
            restoredLogged = true;
          }
          if (dropped.tryAcquire(resyncInterval.toNanos(), TimeUnit.NANOSECONDS)) {
            up = false;
          } else {
            resyncAll();
            // the stream lasted a whole interval: a later drop is a new outage
            failures = 0;
            backoff = firstBackoff;
            restoredLogged = false;
            continue;
          }
        }
        if (closed.get()) {
          return;
        }
        streamDown = true; // what the next resync finds happened while no event could tell
        closeSubscription();
        failures++;
        if (failures == 1) {
          LOG.atWarn()
              .addKeyValue("reason", reason(lastFailure))
              .log("Docker event stream lost; reconnecting with back-off");
        } else {
          LOG.atDebug()
              .addKeyValue("attempt", failures)
              .addKeyValue("backoffMillis", backoff.toMillis())
              .addKeyValue("reason", reason(lastFailure))
              .log("Docker event stream still down");
        }
        Thread.sleep(backoff);
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
        up = connect();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeFailure e) {
        lastFailure = e; // a periodic resync failed: reconnect
        up = false;
      } catch (RuntimeException | Error e) {
        // never let the loop die silently: log and go round again, with back-off
        LOG.atWarn().setCause(e).log("Docker event loop failed; reconnecting");
        lastFailure = e;
        up = false;
      }
    }
  }

  private static String reason(Throwable t) {
    return t == null ? "unknown" : String.valueOf(t.getMessage());
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
   * Reads every managed container in one listing and applies each reading under the same rule as a
   * refresh: tickets are taken before the listing starts, so a refresh that started later wins.
   */
  private void resyncAll() {
    List<Reading> readings = new ArrayList<>();
    entries.forEach((id, e) -> readings.add(new Reading(id, e, e.readings.incrementAndGet())));
    Map<String, ContainerInfo> byName = new HashMap<>();
    for (ContainerInfo c : runtime.list(MANAGED)) {
      byName.put(c.name(), c);
    }
    for (Reading r : readings) {
      if (entries.get(r.id()) == r.entry()) {
        apply(r, byName.get(r.id().containerName()));
      }
    }
  }

  /** True while the event subscription stands (false while it reconnects). */
  boolean eventsConnected() {
    return subscription != null && !streamDown;
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

  /** Re-reads one container from the engine (outside any monitor) and applies the reading. */
  void refresh(ServerId id) {
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    Reading r = new Reading(id, e, e.readings.incrementAndGet());
    ContainerInfo now;
    try {
      now = runtime.inspect(id.containerName()).orElse(null);
    } catch (RuntimeFailure ex) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", ex.getMessage())
          .log("inspect failed");
      return;
    }
    apply(r, now);
  }

  /**
   * Applies a reading unless one that started later is already in; a changed state is published
   * under the entry's monitor, so each change is announced once and in order.
   */
  private void apply(Reading r, ContainerInfo now) {
    Entry e = r.entry();
    PowerObserver.Exit exit = null;
    synchronized (e) {
      if (r.ticket() <= e.applied) {
        return; // older than what is shown
      }
      e.applied = r.ticket();
      ContainerInfo before = e.container;
      e.container = now;
      if (exitedSince(before, now)) {
        exit =
            new PowerObserver.Exit(
                now.exitStatus() == null ? new ExitStatus(0, false) : now.exitStatus(),
                clock.instant(),
                streamDown);
      }
      ContainerState is = now == null ? null : now.state();
      ContainerState was = before == null ? null : before.state();
      if (is != was) {
        e.configReadAt = Instant.EPOCH;
        String from = was == null ? "missing" : was.wire();
        String to = is == null ? "missing" : is.wire();
        LOG.atInfo()
            .addKeyValue("serverId", r.id())
            .addKeyValue("from", from)
            .addKeyValue("to", to)
            .log("server state changed");
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("server", r.id().uid());
        data.put("from", from);
        data.put("to", to);
        data.put("at", clock.instant().toString());
        events.publish("server.state", r.id().uid(), data);
      }
    }
    if (exit != null) {
      exits.exited(r.id(), exit); // outside the monitor: the supervisor writes to the database
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
    // The game writes config/ and may race us: swap a file for a symlink between a check and an
    // open. So everything is opened relative to an open folder and never through a link
    // (openat with O_NOFOLLOW): no check-then-read window (security review H3).
    try (DirectoryStream<Path> top = Files.newDirectoryStream(layout.dir(id))) {
      if (!(top instanceof SecureDirectoryStream<Path> server)) {
        LOG.atWarn().log("this platform cannot read config/ without following links; not shown");
        return Map.of();
      }
      try (SecureDirectoryStream<Path> config =
          server.newDirectoryStream(Path.of("config"), LinkOption.NOFOLLOW_LINKS)) {
        for (Path f : config) {
          Path name = f.getFileName();
          if (name.toString().startsWith(".")) {
            continue;
          }
          String text = readSmallFile(config, name);
          if (text != null) {
            out.put(name.toString(), text);
          }
        }
      }
    } catch (IOException | SecurityException ex) {
      LOG.atDebug().addKeyValue("serverId", id).log("config folder unreadable");
    }
    return Map.copyOf(out);
  }

  private static final int CONFIG_VALUE_MAX = 64 * 1024;

  /** A regular file's trimmed text, or null (a link, a folder, a device, too large). */
  private static String readSmallFile(SecureDirectoryStream<Path> dir, Path name) {
    try {
      // a first look before opening: opening a FIFO would wait for a writer
      if (!dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .readAttributes()
          .isRegularFile()) {
        return null;
      }
    } catch (IOException e) {
      return null;
    }
    try (SeekableByteChannel ch =
        dir.newByteChannel(name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
      // checked on the open file itself: what was opened is what is read
      BasicFileAttributes a =
          dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
              .readAttributes();
      if (!a.isRegularFile() || ch.size() > CONFIG_VALUE_MAX) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.allocate(CONFIG_VALUE_MAX + 1);
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // fill up to the cap
      }
      if (buf.position() > CONFIG_VALUE_MAX) {
        return null;
      }
      return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return null; // a link (ELOOP), gone meanwhile, unreadable: not shown
    }
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
    closeSubscription();
    worker.shutdownNow();
  }
}
