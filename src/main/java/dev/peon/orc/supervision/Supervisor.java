package dev.peon.orc.supervision;

import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.server.PowerObserver;
import dev.peon.orc.server.RestartPolicy;
import dev.peon.orc.server.ServerException;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.ServerView;
import dev.peon.orc.server.SupervisionSettings;
import dev.peon.orc.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps servers running that the operator wants running: records the desired state on every
 * start/stop asked for, restarts a crashed server after an exponential back-off (per its restart
 * policy), stops trying after a crash loop, and starts the wanted servers again at boot
 * (autostart). Docker's own restart policy stays {@code no}: the orchestrator decides.
 *
 * <p>A crash is an exit of the container (or an OOM kill) while the desired state is running that
 * no action of the orchestrator caused ({@link ServerService} filters out its own stops).
 */
public final class Supervisor implements PowerObserver, SupervisionSettings, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  private final ServerService servers;
  private final SupervisionRepository repository;
  private final EventBus events;
  private final Clock clock;
  private final DelayedTasks timer;
  private final Limits limits;
  private final Map<ServerId, SupervisionRepository.Row> rows = new ConcurrentHashMap<>();
  private final Map<ServerId, Watch> watches = new ConcurrentHashMap<>();
  private final Consumer<Event> forgetDeleted = this::onEvent;
  private volatile boolean closed;

  /**
   * The tunables.
   *
   * @param backoffInitial the wait before the first restart; doubled for each further crash in the
   *     window
   * @param backoffMax the longest wait
   * @param crashLoopCrashes crashes within {@code crashLoopWindow} that stop the restarts
   * @param autostartParallel servers started at once at boot
   */
  public record Limits(
      Duration backoffInitial,
      Duration backoffMax,
      int crashLoopCrashes,
      Duration crashLoopWindow,
      int autostartParallel) {

    public static Limits of(OrchestratorConfig config) {
      return new Limits(
          config.restartBackoffInitial(),
          config.restartBackoffMax(),
          config.crashLoopCrashes(),
          config.crashLoopWindow(),
          config.autostartParallel());
    }

    /** The wait before the restart after the {@code n}-th crash in the window (n from 1). */
    Duration backoff(int n) {
      Duration d = backoffInitial;
      for (int i = 1; i < n && d.compareTo(backoffMax) < 0; i++) {
        d = d.multipliedBy(2);
      }
      return d.compareTo(backoffMax) > 0 ? backoffMax : d;
    }
  }

  /** What the supervisor remembers of one server between crashes (not persisted). */
  private static final class Watch {
    final Deque<Instant> recentCrashes = new ArrayDeque<>();
    DelayedTasks.Cancellable pending;
    Instant nextRestartAt;
    long generation;

    void cancelPending() {
      if (pending != null) {
        pending.cancel();
      }
      pending = null;
      nextRestartAt = null;
      generation++;
    }
  }

  /** Builds the supervisor and registers it with {@code servers} and the bus. */
  public Supervisor(
      ServerService servers,
      Database db,
      EventBus events,
      Clock clock,
      DelayedTasks timer,
      Limits limits) {
    this.servers = servers;
    this.repository = new SupervisionRepository(db, clock);
    this.events = events;
    this.clock = clock;
    this.timer = timer;
    this.limits = limits;
    events.subscribe(0, forgetDeleted);
    servers.observePower(this);
  }

  // ------------------------------------------------------------------ operator's wishes

  @Override
  public void startRequested(ServerId id) {
    Watch w = watch(id);
    synchronized (w) {
      boolean wasLooped = row(id).crashLooped();
      repository.setDesired(id, true);
      rows.remove(id);
      w.cancelPending();
      w.recentCrashes.clear();
      if (wasLooped) {
        LOG.atInfo().addKeyValue("serverId", id).log("crash loop cleared by a start");
      }
    }
  }

  @Override
  public void stopRequested(ServerId id) {
    Watch w = watch(id);
    synchronized (w) {
      repository.setDesired(id, false);
      rows.remove(id);
      w.cancelPending();
    }
  }

  // ------------------------------------------------------------------ crashes

  @Override
  public void containerExited(ServerId id, Exit exit) {
    Watch w = watch(id);
    synchronized (w) {
      SupervisionRepository.Row row = row(id);
      if (!Boolean.TRUE.equals(row.desiredRunning())) {
        LOG.atInfo()
            .addKeyValue("serverId", id)
            .addKeyValue("exitCode", exit.status().code())
            .log("container exited; the server is not meant to run, so this is no crash");
        return;
      }
      if (row.crashLooped()) {
        return;
      }
      Crash crash = new Crash(exit.at(), exit.status().code(), exit.status().oomKilled());
      repository.recordCrash(id, crash);
      rows.remove(id);
      int inWindow = countCrash(w, crash.at());
      boolean restart =
          switch (row.restartPolicy()) {
            case NO -> false;
            case ON_FAILURE -> crash.exitCode() != 0 || crash.oomKilled() || exit.afterStreamDrop();
            case ALWAYS -> true;
          };
      boolean loop = restart && inWindow >= limits.crashLoopCrashes();
      Duration delay = restart && !loop ? limits.backoff(inWindow) : null;
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("exitCode", crash.exitCode())
          .addKeyValue("oomKilled", crash.oomKilled())
          .addKeyValue("restartPolicy", row.restartPolicy().wire())
          .addKeyValue("crashesInWindow", inWindow)
          .addKeyValue("restartInSeconds", delay == null ? null : delay.toSeconds())
          .log(
              exit.afterStreamDrop()
                  ? "server found exited after an engine outage"
                  : "server crashed");
      Map<String, Object> data = crashData(id, crash);
      data.put("detectedBy", exit.afterStreamDrop() ? "resync" : "event");
      data.put("restartPolicy", row.restartPolicy().wire());
      data.put("crashesInWindow", inWindow);
      data.put("restartInSeconds", delay == null ? null : delay.toSeconds());
      if (delay != null) {
        scheduleRestart(id, w, delay); // before the event: who hears of it finds it scheduled
      }
      events.publish("server.crashed", id.uid(), data);
      if (loop) {
        enterCrashLoop(id, w, crash, inWindow);
      } else if (delay == null) {
        LOG.atInfo()
            .addKeyValue("serverId", id)
            .addKeyValue("restartPolicy", row.restartPolicy().wire())
            .log("not restarted: the restart policy says so");
      }
    }
  }

  /** Adds a crash (or a failed restart) to the window and returns how many the window holds. */
  private int countCrash(Watch w, Instant at) {
    Instant since = at.minus(limits.crashLoopWindow());
    while (!w.recentCrashes.isEmpty() && !w.recentCrashes.peekFirst().isAfter(since)) {
      w.recentCrashes.removeFirst();
    }
    w.recentCrashes.addLast(at);
    return w.recentCrashes.size();
  }

  private void enterCrashLoop(ServerId id, Watch w, Crash last, int crashes) {
    w.cancelPending();
    repository.setCrashLooped(id, true);
    rows.remove(id);
    LOG.atWarn()
        .addKeyValue("serverId", id)
        .addKeyValue("crashes", crashes)
        .addKeyValue("windowSeconds", limits.crashLoopWindow().toSeconds())
        .addKeyValue("exitCode", last.exitCode())
        .log("crash loop: restarts stopped until the server is started by hand");
    Map<String, Object> data = crashData(id, last);
    data.put("crashes", crashes);
    data.put("windowSeconds", limits.crashLoopWindow().toSeconds());
    events.publish("server.crashloop", id.uid(), data);
  }

  private Map<String, Object> crashData(ServerId id, Crash crash) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("server", id.uid());
    data.put("at", crash.at().toString());
    data.put("exitCode", crash.exitCode());
    data.put("oomKilled", crash.oomKilled());
    return data;
  }

  private void scheduleRestart(ServerId id, Watch w, Duration delay) {
    w.cancelPending();
    long generation = w.generation;
    w.nextRestartAt = clock.instant().plus(delay);
    w.pending = timer.schedule(delay, () -> restartNow(id, generation));
  }

  /** A due restart: only if still wanted, then outside every lock of ours. */
  private void restartNow(ServerId id, long generation) {
    if (closed) {
      return;
    }
    Watch w = watch(id);
    synchronized (w) {
      if (w.generation != generation) {
        return; // cancelled or replaced meanwhile
      }
      w.pending = null;
      w.nextRestartAt = null;
      SupervisionRepository.Row row = row(id);
      if (!Boolean.TRUE.equals(row.desiredRunning()) || row.crashLooped()) {
        return;
      }
    }
    ServerView v = servers.find(id).orElse(null);
    if (v == null || v.running()) {
      return;
    }
    try {
      // logged before: an instant crash of this start is reported from inside resume
      LOG.atInfo().addKeyValue("serverId", id).log("restarting the server after a crash");
      servers.resume(id, () -> stillWanted(id));
    } catch (RuntimeException e) {
      synchronized (w) {
        if (w.generation != generation || closed) {
          return;
        }
        if (e instanceof ServerException se && se.kind() == ServerException.Kind.BUSY) {
          // another action holds the server: look again once it should be done
          scheduleRestart(id, w, limits.backoffInitial());
          return;
        }
        int inWindow = countCrash(w, clock.instant());
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("reason", e.getMessage())
            .addKeyValue("failuresInWindow", inWindow)
            .log("restart after a crash failed");
        SupervisionRepository.Row row = row(id);
        if (inWindow >= limits.crashLoopCrashes()) {
          Crash last =
              row.lastCrash() != null ? row.lastCrash() : new Crash(clock.instant(), 0, false);
          enterCrashLoop(id, w, last, inWindow);
        } else {
          scheduleRestart(id, w, limits.backoff(inWindow));
        }
      }
    }
  }

  // ------------------------------------------------------------------ boot

  /**
   * After boot reconciliation: records a desired state for servers that have none yet (as they are
   * now), then starts, a few at a time, every server that should run, has autostart on, is not in a
   * crash loop and whose container does not run (after a host reboot, an orchestrator restart or a
   * dockerd restart while the orchestrator was down). The returned future completes when all were
   * tried.
   */
  public CompletableFuture<List<ServerId>> autostart() {
    List<ServerId> due = new ArrayList<>();
    for (ServerView v : servers.list()) {
      ServerId id = v.id();
      SupervisionRepository.Row row = row(id);
      if (row.desiredRunning() == null) {
        repository.initDesired(id, v.running());
        rows.remove(id);
        continue;
      }
      if (!row.desiredRunning() || v.running()) {
        continue;
      }
      if (v.containerState() == ContainerState.PAUSED) {
        continue; // a backup quiesce cut short: the backup repair thaws it
      }
      if (row.crashLooped()) {
        LOG.atInfo()
            .addKeyValue("serverId", id)
            .log("not autostarted: stopped by a crash loop; start it by hand");
      } else if (!row.autostart()) {
        LOG.atInfo().addKeyValue("serverId", id).log("not autostarted: autostart is off");
      } else {
        due.add(id);
      }
    }
    if (due.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    LOG.atInfo()
        .addKeyValue("servers", due.size())
        .addKeyValue("parallel", limits.autostartParallel())
        .log("autostarting servers that should run");
    Semaphore slots = new Semaphore(limits.autostartParallel());
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (ServerId id : due) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      starts.add(f);
      Thread.ofVirtual()
          .name("peon-autostart")
          .start(
              () -> {
                try {
                  slots.acquire();
                  try {
                    autostartOne(id);
                  } finally {
                    slots.release();
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  f.complete(null);
                }
              });
    }
    return CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new))
        .thenApply(x -> List.copyOf(due));
  }

  /** Should the server run, as far as supervision goes? Read again under the power lock. */
  private boolean stillWanted(ServerId id) {
    SupervisionRepository.Row row = row(id);
    return !closed && Boolean.TRUE.equals(row.desiredRunning()) && !row.crashLooped();
  }

  private void autostartOne(ServerId id) {
    try {
      servers.resume(id, () -> stillWanted(id));
      LOG.atInfo().addKeyValue("serverId", id).log("server autostarted");
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("autostart failed");
    }
  }

  // ------------------------------------------------------------------ settings (v2)

  @Override
  public Status status(ServerId id) {
    SupervisionRepository.Row row = row(id);
    Watch w = watches.get(id);
    Instant next;
    if (w == null) {
      next = null;
    } else {
      synchronized (w) {
        next = w.nextRestartAt;
      }
    }
    return new Status(
        row.restartPolicy(),
        row.autostart(),
        Boolean.TRUE.equals(row.desiredRunning()),
        row.crashLooped(),
        next,
        row.lastCrash());
  }

  @Override
  public Status change(ServerId id, RestartPolicy restartPolicy, Boolean autostart) {
    servers.get(id);
    Watch w = watch(id);
    synchronized (w) {
      if (restartPolicy != null) {
        repository.setRestartPolicy(id, restartPolicy);
        if (restartPolicy == RestartPolicy.NO) {
          w.cancelPending();
        }
      }
      if (autostart != null) {
        repository.setAutostart(id, autostart);
      }
      rows.remove(id);
    }
    LOG.atInfo()
        .addKeyValue("serverId", id)
        .addKeyValue("restartPolicy", restartPolicy == null ? null : restartPolicy.wire())
        .addKeyValue("autostart", autostart)
        .log("supervision settings changed");
    return status(id);
  }

  // ------------------------------------------------------------------ internals

  private SupervisionRepository.Row row(ServerId id) {
    return rows.computeIfAbsent(id, repository::load);
  }

  private Watch watch(ServerId id) {
    return watches.computeIfAbsent(id, k -> new Watch());
  }

  /** A deleted (or newly created) server starts from a clean slate; runs inside the bus lock. */
  private void onEvent(Event e) {
    if (e.server() == null
        || !(e.type().equals("server.deleted") || e.type().equals("server.created"))) {
      return;
    }
    try {
      ServerId id = ServerId.parse(e.server());
      rows.remove(id);
      Watch w = watches.remove(id);
      if (w != null) {
        // not here: the bus lock is held, and a crash being handled holds the watch
        Thread.ofVirtual()
            .start(
                () -> {
                  synchronized (w) {
                    w.cancelPending();
                  }
                });
      }
    } catch (IllegalArgumentException ex) {
      // not a server id: nothing of ours
    }
  }

  @Override
  public void close() {
    closed = true;
    events.unsubscribe(forgetDeleted);
    servers.observePower(PowerObserver.NONE);
    watches
        .values()
        .forEach(
            w -> {
              synchronized (w) {
                w.cancelPending();
              }
            });
    timer.close();
  }
}
