package dev.peon.orc.game;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.server.PowerObserver;
import dev.peon.orc.server.RestartPolicy;
import dev.peon.orc.server.ServerException;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.ServerView;
import dev.peon.orc.server.SupervisionSettings;
import dev.peon.orc.store.Database;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Game awareness: probes every running server's game on its own schedule (virtual threads, a
 * bounded number at once), keeps each one's {@link GameState} and players, restarts a game that
 * froze after it was ready (restart policy permitting), stops a server nobody plays on (warnings
 * first, a backup if asked) and puts it to sleep for {@link Sleeper} to wake.
 *
 * <p>One timer thread ticks (default every second) and only reads memory: the servers' in-memory
 * views, cached settings, the watches. Probes, restarts, stops and starts run on virtual threads.
 */
public final class GameMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GameMonitor.class);
  private static final Duration HISTORY_STEP = Duration.ofMinutes(1);
  private static final Duration SETTINGS_TTL = Duration.ofSeconds(30);
  static final int DEFAULT_START_SECONDS = 60;

  /**
   * @param tick how often the timer looks at the servers
   * @param concurrency probes running at once, at most
   */
  public record Limits(Duration tick, int concurrency) {
    public static final Limits DEFAULTS = new Limits(Duration.ofSeconds(1), 64);
  }

  /** Types a line into a server's console (the idle warnings). */
  public interface ConsoleInput {
    void type(ServerId id, String line);
  }

  /** Takes a backup of a server and waits for it (before an idle stop). */
  public interface IdleBackup {
    void backUp(ServerId id) throws Exception;
  }

  private final ServerService servers;
  private final SupervisionSettings supervision;
  private final PlanCatalog plans;
  private final GameRepository repository;
  private final Prober prober;
  private final java.util.concurrent.Executor work;
  private final EventBus events;
  private final Clock clock;
  private final Sleeper sleeper;
  private final ConsoleInput console;
  private final IdleBackup backup;
  private final Limits limits;
  private final Semaphore slots;
  private final GameSettingsParser parser = new GameSettingsParser();
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<ServerId, ServerWatch> watches = new ConcurrentHashMap<>();
  private final Map<ServerId, Cached> settings = new ConcurrentHashMap<>();
  private final Map<String, GameRepository.Row> rows;
  private volatile ScheduledExecutorService timer;

  private record Cached(GameSettings settings, Instant at) {}

  public GameMonitor(
      ServerService servers,
      SupervisionSettings supervision,
      PlanCatalog plans,
      Database db,
      Prober prober,
      EventBus events,
      Clock clock,
      Sleeper sleeper,
      ConsoleInput console,
      IdleBackup backup,
      Limits limits) {
    this(
        servers,
        supervision,
        plans,
        db,
        prober,
        events,
        clock,
        sleeper,
        console,
        backup,
        limits,
        r -> Thread.ofVirtual().name("peon-game").start(r));
  }

  /** With {@code work} running probes, restarts, stops and starts (tests run them inline). */
  GameMonitor(
      ServerService servers,
      SupervisionSettings supervision,
      PlanCatalog plans,
      Database db,
      Prober prober,
      EventBus events,
      Clock clock,
      Sleeper sleeper,
      ConsoleInput console,
      IdleBackup backup,
      Limits limits,
      java.util.concurrent.Executor work) {
    this.work = work;
    this.servers = servers;
    this.supervision = supervision;
    this.plans = plans;
    this.repository = new GameRepository(db, clock);
    this.prober = prober;
    this.events = events;
    this.clock = clock;
    this.sleeper = sleeper;
    this.console = console;
    this.backup = backup;
    this.limits = limits;
    this.slots = new Semaphore(limits.concurrency());
    this.rows = new ConcurrentHashMap<>(repository.loadAll());
  }

  /** Starts the timer; sleeping servers get their ports watched again at its first tick. */
  public void start() {
    ScheduledExecutorService t =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("peon-game-monitor").factory());
    timer = t;
    t.scheduleWithFixedDelay(this::tickQuietly, 0, limits.tick().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    ScheduledExecutorService t = timer;
    if (t != null) {
      t.shutdownNow();
    }
    sleeper.close();
  }

  // ------------------------------------------------------------ reads

  /** The status of a server with no probe reading yet: what the database and the sleeper know. */
  private GameStatus unprobed(
      ServerId id, GameState state, GameSettings s, GameRepository.Row row) {
    return new GameStatus(
        state,
        null,
        probeType(s),
        null,
        null,
        0,
        null,
        null,
        null,
        row.sleeping(),
        sleeper.listening(id),
        row.lastStopReason(),
        row.lastStopAt(),
        row.lastRestartReason(),
        row.lastRestartAt(),
        row.readySeconds());
  }

  /** The game's status; throws the server's NOT_FOUND when it does not exist. */
  public GameStatus status(ServerId id) {
    servers.get(id);
    GameRepository.Row row = row(id);
    ServerWatch w = watches.get(id);
    GameSettings s = settings(id);
    if (w == null) {
      return unprobed(id, null, s, row);
    }
    if (behind(id, w)) {
      return unprobed(id, s.readiness() == null ? null : GameState.STARTING, s, row);
    }
    synchronized (w) {
      Instant stopAt =
          w.emptySince != null && s.idle().enabled() ? w.emptySince.plus(s.idle().after()) : null;
      return new GameStatus(
          w.state,
          w.since,
          probeType(s),
          w.lastDetail,
          w.lastProbeAt,
          w.failures,
          w.players,
          w.emptySince,
          stopAt,
          row.sleeping(),
          sleeper.listening(id),
          row.lastStopReason(),
          row.lastStopAt(),
          row.lastRestartReason(),
          row.lastRestartAt(),
          row.readySeconds());
    }
  }

  private static String probeType(GameSettings s) {
    return s.readiness() == null ? null : s.readiness().probe().type();
  }

  /** The players history (changes, and one point a minute while running), oldest first. */
  public GameStatus.History history(ServerId id, Instant since) {
    servers.get(id);
    ServerWatch w = watches.get(id);
    if (w == null) {
      return new GameStatus.History(List.of());
    }
    synchronized (w) {
      return new GameStatus.History(
          w.history.stream().filter(p -> since == null || !p.at().isBefore(since)).toList());
    }
  }

  /** The settings in force (profile, plan, override merged). */
  public GameSettings settings(ServerId id) {
    Cached c = settings.get(id);
    Instant now = clock.instant();
    if (c != null && c.at().plus(SETTINGS_TTL).isAfter(now)) {
      return c.settings();
    }
    GameSettings fresh = resolve(id, override(id));
    if (servers.nodeOf(id).isPresent() && fresh.wake().mode() != GameSettings.WakeMode.OFF) {
      // a server on a cluster node publishes its ports there, where this process cannot watch
      // them: it stops when idle, but wakes only by a start
      fresh =
          new GameSettings(
              fresh.profile(),
              fresh.readiness(),
              fresh.health(),
              fresh.players(),
              fresh.idle(),
              new GameSettings.Wake(
                  GameSettings.WakeMode.OFF, fresh.wake().allow(), fresh.wake().maxPerHour()),
              fresh.say());
    }
    settings.put(id, new Cached(fresh, now));
    return fresh;
  }

  /** The server's own override, or null. */
  public JsonNode override(ServerId id) {
    String json = row(id).settings();
    if (json == null) {
      return null;
    }
    try {
      return mapper.readTree(json);
    } catch (IOException e) {
      return null;
    }
  }

  private GameSettings resolve(ServerId id, JsonNode override) {
    JsonNode planSection = plans.find(id.game()).map(p -> p.raw().get("game")).orElse(null);
    try {
      return parser.resolve(id.game().value(), planSection, override);
    } catch (GameSettingsParser.InvalidGameSettings e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("problems", e.getMessage())
          .log("game settings of the plan are invalid; using the built-in profile only");
      try {
        return parser.resolve(id.game().value(), null, override);
      } catch (GameSettingsParser.InvalidGameSettings again) {
        return GameSettings.NONE;
      }
    }
  }

  /**
   * Replaces the server's override (null removes it) after checking it alone and merged; nothing
   * changes when it is invalid ({@link GameSettingsParser.InvalidGameSettings}).
   */
  public GameSettings changeSettings(ServerId id, JsonNode override) {
    servers.get(id);
    if (override != null && !override.isNull()) {
      parser.validate(override);
      JsonNode planSection = plans.find(id.game()).map(p -> p.raw().get("game")).orElse(null);
      try {
        parser.resolve(id.game().value(), planSection, override);
      } catch (GameSettingsParser.InvalidGameSettings e) {
        parser.resolve(id.game().value(), null, override); // the plan's fault: accept
      }
    }
    String json = override == null || override.isNull() ? null : override.toString();
    repository.setSettings(id, json);
    updateRow(id, r -> withSettings(r, json));
    settings.remove(id);
    GameSettings now = settings(id);
    LOG.atInfo().addKeyValue("serverId", id).log("game settings changed");
    return now;
  }

  /** The short form for the v2 server object. */
  public Optional<Summary> summary(ServerId id) {
    ServerWatch w = watches.get(id);
    GameRepository.Row row = row(id);
    if (w == null) {
      return Optional.of(new Summary(null, null, null, row.sleeping(), row.lastStopReason()));
    }
    if (behind(id, w)) {
      return Optional.of(
          new Summary(
              settings(id).readiness() == null ? null : GameState.STARTING,
              null,
              null,
              row.sleeping(),
              row.lastStopReason()));
    }
    synchronized (w) {
      return Optional.of(
          new Summary(
              w.state,
              w.players == null ? null : w.players.online(),
              w.players == null ? null : w.players.max(),
              row.sleeping(),
              row.lastStopReason()));
    }
  }

  /** True when the container started again since the watch last looked (until the next tick). */
  private boolean behind(ServerId id, ServerWatch w) {
    Instant started = servers.find(id).map(ServerView::startedAt).orElse(null);
    synchronized (w) {
      return started != null && w.startedAt != null && !started.equals(w.startedAt);
    }
  }

  /** State, players and sleep in short. */
  public record Summary(
      GameState state, Integer online, Integer max, boolean sleeping, String lastStopReason) {}

  // ------------------------------------------------------------ power hooks

  /**
   * Wraps the supervisor's observer: a start asked for (API, schedule, wake) closes the server's
   * watched ports first and ends its sleep; a stop by hand records its reason and, with wake mode
   * {@code always}, puts the server to sleep.
   */
  public PowerObserver around(PowerObserver inner) {
    return new PowerObserver() {
      @Override
      public void startRequested(ServerId id) {
        inner.startRequested(id);
        sleeper.release(id);
        if (row(id).sleeping()) {
          setSleeping(id, false);
        }
      }

      @Override
      public void stopRequested(ServerId id) {
        inner.stopRequested(id);
        ServerWatch w = watches.get(id);
        boolean idle = w != null && w.idleStopping;
        if (idle) {
          return; // the idle stop records its own reason
        }
        record(id, "stopped: requested");
        boolean always = settings(id).wake().mode() == GameSettings.WakeMode.ALWAYS;
        if (always != row(id).sleeping()) {
          setSleeping(id, always);
        }
      }

      @Override
      public void aboutToStart(ServerId id) {
        inner.aboutToStart(id);
        sleeper.release(id); // an update or a restore starting a sleeping server
      }

      @Override
      public void containerExited(ServerId id, Exit exit) {
        inner.containerExited(id, exit);
      }
    };
  }

  // ------------------------------------------------------------ the tick

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException | Error e) {
      LOG.atWarn().setCause(e).log("game monitor tick failed");
    }
  }

  /** One look at every server (package-private for tests that drive it). */
  void tick() {
    Instant now = clock.instant();
    Set<ServerId> present = new HashSet<>();
    for (ServerView v : servers.list()) {
      present.add(v.id());
      ServerWatch w = watches.computeIfAbsent(v.id(), k -> new ServerWatch());
      GameSettings s = settings(v.id());
      if (!v.running()) {
        stopped(v, w, s, now);
      } else {
        running(v, w, s, now);
      }
    }
    for (ServerId gone : List.copyOf(watches.keySet())) {
      if (!present.contains(gone)) {
        sleeper.release(gone);
      }
    }
    watches.keySet().retainAll(present);
    settings.keySet().retainAll(present);
    Set<String> uids = new HashSet<>();
    present.forEach(id -> uids.add(id.uid()));
    rows.keySet().retainAll(uids); // rows of deleted servers went with them (cascade)
  }

  private void stopped(ServerView v, ServerWatch w, GameSettings s, Instant now) {
    GameState before;
    PlayerInfo playersBefore;
    synchronized (w) {
      before = w.state;
      playersBefore = w.players;
      w.reset(null, now);
    }
    if (before != null) {
      publishState(v.id(), null, before, "container stopped");
    }
    if (playersBefore != null && playersBefore.online() > 0) {
      publishPlayers(
          v.id(),
          new PlayerInfo(0, playersBefore.max(), List.of(), null, null, null),
          playersBefore);
    }
    boolean sleeping = row(v.id()).sleeping();
    if (sleeping && s.wake().mode() != GameSettings.WakeMode.OFF && !sleeper.listening(v.id())) {
      try {
        sleeper.listen(target(v, s));
        LOG.atInfo().addKeyValue("serverId", v.id()).log("sleeping: ports watched for a wake");
        publish("server.sleep", v.id(), new LinkedHashMap<>(Map.of("sleeping", true)));
      } catch (IOException e) {
        // the container may still hold its ports for a moment: tried again next tick
        LOG.atDebug().addKeyValue("serverId", v.id()).log("ports not free yet: " + e.getMessage());
      }
    } else if ((!sleeping || s.wake().mode() == GameSettings.WakeMode.OFF)
        && sleeper.listening(v.id())) {
      sleeper.release(v.id());
    }
  }

  private Sleeper.Target target(ServerView v, GameSettings s) {
    Set<Integer> minecraft = new HashSet<>();
    Set<Integer> query = new HashSet<>();
    for (ProbeSpec spec : new ProbeSpec[] {s.readiness(), s.health(), s.players()}) {
      if (spec == null) {
        continue;
      }
      List<String> names =
          switch (spec.probe()) {
            case Probe.MinecraftProbe p -> p.ports();
            case Probe.A2sProbe p -> p.ports();
            default -> List.of();
          };
      for (PortEntry e : v.definition().ports()) {
        if (names.contains(e.name()) || names.contains(Integer.toString(e.port()))) {
          (spec.probe() instanceof Probe.MinecraftProbe ? minecraft : query).add(e.port());
        }
      }
    }
    ServerWatch w = watches.get(v.id());
    int max = 0;
    if (w != null) {
      synchronized (w) {
        max = w.lastMax;
      }
    }
    Integer ready = row(v.id()).readySeconds();
    String name = v.definition().environment().getOrDefault("SERVER_NAME", "");
    return new Sleeper.Target(
        v.id(),
        name == null || name.isBlank() ? v.id().uid() : name,
        v.definition().ports(),
        minecraft,
        query,
        s.wake(),
        ready == null ? DEFAULT_START_SECONDS : ready,
        max,
        this::wake);
  }

  private void running(ServerView v, ServerWatch w, GameSettings s, Instant now) {
    if (sleeper.listening(v.id())) {
      sleeper.release(v.id()); // started behind our back: the container has its ports now
    }
    if (row(v.id()).sleeping()) {
      setSleeping(v.id(), false);
    }
    Instant started = v.startedAt() == null ? Instant.EPOCH : v.startedAt();
    GameState before = null;
    boolean begun = false;
    synchronized (w) {
      if (!started.equals(w.startedAt)) {
        before = w.state;
        w.reset(started, now);
        w.state = s.readiness() == null ? null : GameState.STARTING;
        w.since = now;
        begun = true;
      }
    }
    if (begun && w.state != null) {
      publishState(v.id(), GameState.STARTING, before, "container started");
    }
    if (s.readiness() == null) {
      return;
    }
    ProbeSpec main;
    long generation;
    boolean idleDue = false;
    synchronized (w) {
      generation = w.generation;
      main = w.everReady ? s.effectiveHealth() : s.readiness();
      if (main != null && !w.inFlight && !now.isBefore(w.nextProbeAt)) {
        w.inFlight = true;
        w.nextProbeAt = now.plus(main.interval());
        dispatch(v, w, main, generation, true, s);
      }
      ProbeSpec counting = s.effectivePlayers();
      if (counting != null
          && counting != main
          && w.state == GameState.READY
          && !w.playersInFlight
          && !now.isBefore(w.nextPlayersAt)) {
        w.playersInFlight = true;
        w.nextPlayersAt = now.plus(counting.interval());
        dispatch(v, w, counting, generation, false, s);
      }
      if (w.players != null
          && (w.history.isEmpty() || !w.history.getLast().at().plus(HISTORY_STEP).isAfter(now))) {
        w.addHistory(now, w.players.online());
      }
      idleDue = idle(v.id(), w, s, now);
    }
    if (idleDue) {
      work.execute(() -> idleStop(v.id(), s, generation));
    }
  }

  private void dispatch(
      ServerView v, ServerWatch w, ProbeSpec spec, long generation, boolean main, GameSettings s) {
    List<PortEntry> ports = v.definition().ports();
    Instant started = w.startedAt;
    work.execute(
        () -> {
          ProbeRunner.Result r;
          try {
            slots.acquire();
          } catch (InterruptedException e) {
            return;
          }
          try {
            r = prober.run(v.id(), ports, started, spec, true);
          } finally {
            slots.release();
          }
          if (main) {
            onResult(v.id(), w, spec, generation, r, s);
          } else {
            onPlayers(v.id(), w, generation, r);
          }
        });
  }

  private void onPlayers(ServerId id, ServerWatch w, long generation, ProbeRunner.Result r) {
    PlayerInfo before;
    synchronized (w) {
      w.playersInFlight = false;
      if (w.generation != generation || !r.ok() || r.players() == null) {
        return;
      }
      before = w.players;
      w.setPlayers(r.players(), clock.instant());
    }
    if (changed(before, r.players())) {
      publishPlayers(id, r.players(), before);
    }
  }

  private void onResult(
      ServerId id,
      ServerWatch w,
      ProbeSpec spec,
      long generation,
      ProbeRunner.Result r,
      GameSettings s) {
    Instant now = clock.instant();
    GameState before;
    GameState after;
    PlayerInfo playersBefore = null;
    boolean playersChanged = false;
    boolean restart = false;
    Integer readySeconds = null;
    String reason = null;
    synchronized (w) {
      w.inFlight = false;
      if (w.generation != generation) {
        return; // the container restarted meanwhile
      }
      before = w.state;
      w.lastDetail = r.detail();
      w.lastProbeAt = now;
      if (r.ok()) {
        w.failures = 0;
        if (w.state != GameState.READY) {
          w.state = GameState.READY;
          w.since = now;
          if (!w.everReady) {
            w.everReady = true;
            readySeconds = (int) Math.max(0, Duration.between(w.startedAt, now).toSeconds());
          }
        }
        if (r.players() != null) {
          playersBefore = w.players;
          w.setPlayers(r.players(), now);
          playersChanged = changed(playersBefore, r.players());
        }
      } else {
        boolean inGrace = !w.everReady && now.isBefore(w.startedAt.plus(spec.grace()));
        if (!inGrace) {
          w.failures++;
        }
        if (w.failures >= spec.failures() && w.state != GameState.UNHEALTHY) {
          w.state = GameState.UNHEALTHY;
          w.since = now;
          reason =
              (w.everReady ? "unhealthy: " : "not ready in time: ")
                  + r.detail()
                  + " ("
                  + w.failures
                  + " failed probes)";
          restart = w.everReady && !w.restarting;
          if (restart) {
            w.restarting = true;
          }
        }
      }
      after = w.state;
    }
    if (readySeconds != null) {
      Integer stored = readySeconds;
      quietly(id, () -> repository.setReadySeconds(id, stored));
      Integer seconds = readySeconds;
      updateRow(id, row -> withReady(row, seconds));
    }
    if (after != before) {
      publishState(id, after, before, reason == null ? r.detail() : reason);
    }
    if (playersChanged) {
      publishPlayers(id, w.players, playersBefore);
    }
    if (restart) {
      String why = reason;
      work.execute(() -> restartFrozen(id, w, why));
    }
  }

  /** The frozen-server rule: restart through the normal path unless the policy says no. */
  private void restartFrozen(ServerId id, ServerWatch w, String reason) {
    try {
      if (supervision.status(id).restartPolicy() == RestartPolicy.NO) {
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("reason", reason)
            .log("game unhealthy; restart policy 'no': left as it is");
        return;
      }
      Instant now = clock.instant();
      quietly(id, () -> repository.recordRestart(id, reason, now));
      updateRow(id, r -> withRestart(r, reason, now));
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", reason)
          .log("game unhealthy: restarting");
      publish("server.game.restart", id, new LinkedHashMap<>(Map.of("reason", reason)));
      servers.restart(id);
    } catch (ServerException e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("restart of an unhealthy game failed");
    } finally {
      synchronized (w) {
        w.restarting = false;
      }
    }
  }

  /** Idle bookkeeping under the watch's monitor; true when the stop is due now. */
  private boolean idle(ServerId id, ServerWatch w, GameSettings s, Instant now) {
    GameSettings.Idle idle = s.idle();
    if (!idle.enabled() || w.state != GameState.READY || w.players == null) {
      w.emptySince = null;
      w.warned.clear();
      return false;
    }
    if (w.players.online() > 0) {
      w.emptySince = null;
      w.warned.clear();
      return false;
    }
    if (w.emptySince == null) {
      w.emptySince = now;
    }
    Duration left = idle.after().minus(Duration.between(w.emptySince, now));
    for (Duration warning : idle.warnings()) {
      if (left.compareTo(warning) <= 0 && !left.isNegative() && w.warned.add(warning)) {
        warn(id, s, warning);
        break; // one warning per tick
      }
    }
    if ((left.isZero() || left.isNegative()) && !w.idleStopping) {
      w.idleStopping = true;
      return true;
    }
    return false;
  }

  private void warn(ServerId id, GameSettings s, Duration in) {
    String message =
        "Nobody is playing: the server stops in "
            + GameSettingsParser.words(in)
            + " (join to keep it running).";
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("stage", "warning");
    data.put("inSeconds", in.toSeconds());
    data.put("message", message);
    publish("server.idle", id, data);
    if (s.say() == null) {
      return;
    }
    String line = s.say().replace("{message}", message);
    work.execute(
        () -> {
          try {
            console.type(id, line);
          } catch (RuntimeException e) {
            LOG.atWarn()
                .addKeyValue("serverId", id)
                .addKeyValue("reason", e.getMessage())
                .log("idle warning could not be typed");
          }
        });
  }

  private void idleStop(ServerId id, GameSettings s, long generation) {
    ServerWatch w = watches.get(id);
    if (w == null) {
      return;
    }
    String reason = "stopped: idle " + GameSettingsParser.words(s.idle().after());
    try {
      if (s.idle().backup()) {
        try {
          backup.backUp(id);
        } catch (Exception e) {
          reason = reason + " (backup before the stop failed)";
          LOG.atWarn()
              .addKeyValue("serverId", id)
              .addKeyValue("reason", e.getMessage())
              .log("backup before the idle stop failed; stopping anyway");
        }
      }
      synchronized (w) {
        if (w.generation != generation || w.players == null || w.players.online() > 0) {
          LOG.atDebug().addKeyValue("serverId", id).log("idle stop called off");
          return; // someone joined while the backup ran, or the server restarted
        }
      }
      boolean sleep = s.wake().mode() != GameSettings.WakeMode.OFF;
      if (sleep) {
        setSleeping(id, true);
      }
      LOG.atInfo().addKeyValue("serverId", id).addKeyValue("reason", reason).log("idle stop");
      record(id, reason); // before the stop: whoever sees it stopped sees why
      servers.stop(id);
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("stage", "stopped");
      data.put("reason", reason);
      data.put("sleeping", sleep);
      publish("server.idle", id, data);
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("idle stop failed");
    } finally {
      synchronized (w) {
        w.idleStopping = false;
      }
    }
  }

  /** From the sleeper: a real connection attempt. Starts the server in the background. */
  void wake(ServerId id, String reason) {
    sleeper.release(id);
    setSleeping(id, false);
    LOG.atInfo().addKeyValue("serverId", id).addKeyValue("reason", reason).log("waking up");
    publish("server.wake", id, new LinkedHashMap<>(Map.of("reason", reason)));
    work.execute(
        () -> {
          try {
            servers.start(id);
          } catch (RuntimeException e) {
            LOG.atWarn()
                .addKeyValue("serverId", id)
                .addKeyValue("reason", e.getMessage())
                .log("wake: start failed");
          }
        });
  }

  /** Stops the server now and lets it sleep (wake mode must not be {@code off}). */
  public void sleepNow(ServerId id) {
    servers.get(id);
    if (settings(id).wake().mode() == GameSettings.WakeMode.OFF) {
      throw new ServerException(
          ServerException.Kind.INVALID,
          "Wake on connect is off for [" + id + "]: set wake.mode to idle or always first.");
    }
    ServerWatch w = watches.computeIfAbsent(id, k -> new ServerWatch());
    synchronized (w) {
      w.idleStopping = true; // keeps the stop hook from clearing the sleep
    }
    try {
      setSleeping(id, true);
      record(id, "stopped: asleep by request");
      servers.stop(id);
    } finally {
      synchronized (w) {
        w.idleStopping = false;
      }
    }
  }

  // ------------------------------------------------------------ events and rows

  /** Publishes with the server's id in the data too (as {@code server.created} has it). */
  private void publish(String type, ServerId id, Map<String, Object> data) {
    data.put("server", id.uid());
    events.publish(type, id.uid(), data);
  }

  private void publishState(ServerId id, GameState to, GameState from, String reason) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("state", to == null ? null : to.wire());
    data.put("previous", from == null ? null : from.wire());
    data.put("reason", reason);
    publish("server.game", id, data);
    LOG.atInfo()
        .addKeyValue("serverId", id)
        .addKeyValue("state", to == null ? "none" : to.wire())
        .addKeyValue("reason", reason)
        .log("game state changed");
  }

  private void publishPlayers(ServerId id, PlayerInfo now, PlayerInfo before) {
    List<String> joined = new ArrayList<>(now.names());
    List<String> left = new ArrayList<>();
    if (before != null) {
      joined.removeAll(before.names());
      left.addAll(before.names());
      left.removeAll(now.names());
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("online", now.online());
    data.put("max", now.max());
    data.put("names", now.names());
    data.put("joined", joined);
    data.put("left", left);
    data.put("previous", before == null ? null : before.online());
    publish("server.players", id, data);
  }

  private static boolean changed(PlayerInfo before, PlayerInfo now) {
    return before == null
        || before.online() != now.online()
        || before.max() != now.max()
        || !before.names().equals(now.names());
  }

  private GameRepository.Row row(ServerId id) {
    return rows.getOrDefault(id.uid(), GameRepository.Row.EMPTY);
  }

  /** A write that may meet a server deleted meanwhile (its row is gone with it). */
  private static void quietly(ServerId id, Runnable write) {
    try {
      write.run();
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("serverId", id).log("game state not stored: " + e.getMessage());
    }
  }

  private void setSleeping(ServerId id, boolean sleeping) {
    quietly(id, () -> repository.setSleeping(id, sleeping));
    updateRow(
        id,
        r ->
            new GameRepository.Row(
                r.settings(),
                sleeping,
                r.lastStopReason(),
                r.lastStopAt(),
                r.lastRestartReason(),
                r.lastRestartAt(),
                r.readySeconds()));
  }

  private void record(ServerId id, String reason) {
    Instant now = clock.instant();
    quietly(id, () -> repository.recordStop(id, reason, now));
    updateRow(
        id,
        r ->
            new GameRepository.Row(
                r.settings(),
                r.sleeping(),
                reason,
                now,
                r.lastRestartReason(),
                r.lastRestartAt(),
                r.readySeconds()));
  }

  private void updateRow(ServerId id, java.util.function.UnaryOperator<GameRepository.Row> f) {
    rows.compute(id.uid(), (k, r) -> f.apply(r == null ? GameRepository.Row.EMPTY : r));
  }

  private static GameRepository.Row withSettings(GameRepository.Row r, String json) {
    return new GameRepository.Row(
        json,
        r.sleeping(),
        r.lastStopReason(),
        r.lastStopAt(),
        r.lastRestartReason(),
        r.lastRestartAt(),
        r.readySeconds());
  }

  private static GameRepository.Row withReady(GameRepository.Row r, int seconds) {
    return new GameRepository.Row(
        r.settings(),
        r.sleeping(),
        r.lastStopReason(),
        r.lastStopAt(),
        r.lastRestartReason(),
        r.lastRestartAt(),
        seconds);
  }

  private static GameRepository.Row withRestart(GameRepository.Row r, String reason, Instant at) {
    return new GameRepository.Row(
        r.settings(),
        r.sleeping(),
        r.lastStopReason(),
        r.lastStopAt(),
        reason,
        at,
        r.readySeconds());
  }
}
