package dev.peon.orc.schedule;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.server.ServerId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires each run of each persisted schedule once, at its time. One per process.
 *
 * <p>A single background thread waits until the earliest next run and is woken early whenever a
 * schedule changes; there is no polling tick. Firing claims the run first (in one transaction: a
 * cron schedule moves to its next run, a v2 one-shot is disabled, a v1 one-shot is deleted), then
 * the handler runs on its own virtual thread, so a slow or failing handler never causes a second
 * run and one slow stop does not delay another server's schedule. When the handler returns, the
 * result is recorded as the schedule's last run and published as a {@code schedule.run} event;
 * failures are not retried.
 *
 * <p>Runs that fell due while the orchestrator was down are handled by {@link #start()} according
 * to each schedule's {@link Misfire} policy: fired once, or recorded as skipped. {@link
 * #nextEvent(ServerId)} answers from memory, so listing servers never queries SQLite.
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  /**
   * Longest single wait: a safety net against wall-clock jumps and missed signals, not a tick;
   * schedules still fire at their time because the wait ends there.
   */
  private static final Duration MAX_WAIT = Duration.ofMinutes(1);

  private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final ScheduleRepository repo;
  private final Clock clock;
  private final ScheduledActionHandler handler;
  private final EventBus events;
  private final ExecutorService handlers;

  /** Guards every repository write together with the cache update, and the loop's wait. */
  private final ReentrantLock lock = new ReentrantLock();

  private final Condition changed = lock.newCondition();

  /** Each server's enabled schedule with the earliest next run. */
  private final Map<ServerId, Schedule> nextByServer = new ConcurrentHashMap<>();

  private boolean changedSinceWait;
  private boolean running;
  private boolean closed;
  private Thread loop;

  /**
   * Loads the pending schedules into memory; nothing fires until {@link #start()}.
   *
   * @param handler runs fired actions; called on a virtual thread per run
   * @param events receives a {@code schedule.run} event per run
   */
  public Scheduler(
      ScheduleRepository repo, Clock clock, ScheduledActionHandler handler, EventBus events) {
    this(repo, clock, handler, events, Executors.newVirtualThreadPerTaskExecutor());
  }

  /** For tests: {@code handlers} may run tasks in the calling thread. */
  Scheduler(
      ScheduleRepository repo,
      Clock clock,
      ScheduledActionHandler handler,
      EventBus events,
      ExecutorService handlers) {
    this.repo = Objects.requireNonNull(repo, "repo");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.events = Objects.requireNonNull(events, "events");
    this.handlers = Objects.requireNonNull(handlers, "handlers");
    for (Schedule s : repo.listPending()) {
      nextByServer.putIfAbsent(s.server(), s);
    }
  }

  /** True while the background thread runs (it catches everything, so this means it is alive). */
  public boolean loopAlive() {
    lock.lock();
    try {
      return loop != null && loop.isAlive();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Handles the runs missed while the orchestrator was down (per misfire policy), then starts the
   * background thread. Idempotent.
   */
  public void start() {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("scheduler is closed");
      }
      if (running) {
        return;
      }
      running = true;
    } finally {
      lock.unlock();
    }
    int missed = 0;
    try {
      missed = runDue(true);
    } catch (RuntimeException e) {
      // the loop retries; missed runs then fire once whatever their misfire policy
      LOG.atWarn().setCause(e).log("scheduler could not handle missed runs at start");
    }
    lock.lock();
    try {
      loop = Thread.ofPlatform().name("peon-scheduler").daemon(true).start(this::runLoop);
    } finally {
      lock.unlock();
    }
    LOG.atInfo()
        .addKeyValue("servers", nextByServer.size())
        .addKeyValue("missedRuns", missed)
        .log("scheduler started");
  }

  // ------------------------------------------------------------ v1: one-shot stops

  /** Schedules a stop of {@code server} at {@code dueAt}, replacing its previous v1 stop. */
  public Schedule scheduleStop(ServerId server, Instant dueAt) {
    return schedule(server, ScheduledAction.STOP, dueAt);
  }

  /**
   * Schedules a v1 one-shot {@code action} on {@code server} at {@code dueAt}, replacing the
   * server's previous v1 schedule of that action; v2 schedules stay. A past time fires at once. The
   * schedule is deleted when it fires.
   */
  public Schedule schedule(ServerId server, ScheduledAction action, Instant dueAt) {
    Objects.requireNonNull(dueAt, "dueAt");
    Schedule v1 =
        new Schedule(
            0,
            server,
            action,
            null,
            dueAt,
            Schedule.UTC,
            true,
            Misfire.RUN_ONCE,
            action == ScheduledAction.UPDATE ? ScheduledUpdateMode.FULL : null,
            ScheduleOrigin.V1,
            dueAt,
            null,
            null,
            clock.instant());
    lock.lock();
    try {
      Schedule s = repo.replaceV1(v1);
      refresh(server);
      logSet(s, "schedule set");
      return s;
    } finally {
      lock.unlock();
    }
  }

  /** Cancels the server's pending v1 schedules of {@code action}; returns how many there were. */
  public int cancel(ServerId server, ScheduledAction action) {
    lock.lock();
    try {
      int removed = repo.removeV1(server, action);
      refresh(server);
      logCancelled(server, action, removed);
      return removed;
    } finally {
      lock.unlock();
    }
  }

  /** Cancels all of the server's schedules, v1 and v2 (call it when the server is deleted). */
  public int cancelAll(ServerId server) {
    lock.lock();
    try {
      int removed = repo.removeByServer(server);
      refresh(server);
      logCancelled(server, null, removed);
      return removed;
    } finally {
      lock.unlock();
    }
  }

  /** The server's next run of any enabled schedule, from memory. */
  public Optional<Instant> nextEvent(ServerId server) {
    return nextSchedule(server).map(Schedule::nextRun);
  }

  /** The server's enabled schedule with the earliest next run, from memory. */
  public Optional<Schedule> nextSchedule(ServerId server) {
    return Optional.ofNullable(nextByServer.get(server));
  }

  // ------------------------------------------------------------ v2: schedules

  /**
   * Stores a new v2 schedule; its id, origin, next run and last run are set here. A cron schedule
   * runs next at its first time after now; a one-shot at its {@code at}.
   */
  public Schedule create(Schedule draft) {
    lock.lock();
    try {
      Schedule s =
          repo.insert(
              new Schedule(
                      0,
                      draft.server(),
                      draft.action(),
                      draft.cron(),
                      draft.at(),
                      draft.zone(),
                      draft.enabled(),
                      draft.misfire(),
                      draft.updateMode(),
                      ScheduleOrigin.V2,
                      null,
                      null,
                      null,
                      clock.instant())
                  .withNextRun(plannedRun(draft, clock.instant())));
      refresh(s.server());
      logSet(s, "schedule created");
      return s;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Saves a changed definition (cron or at, zone, enabled, misfire, update mode) of an existing
   * schedule of the same server and recomputes its next run; empty when it no longer exists.
   */
  public Optional<Schedule> change(Schedule changed) {
    lock.lock();
    try {
      Optional<Schedule> saved =
          repo.update(changed.withNextRun(plannedRun(changed, clock.instant())));
      refresh(changed.server());
      saved.ifPresent(s -> logSet(s, "schedule changed"));
      return saved;
    } finally {
      lock.unlock();
    }
  }

  /** Deletes one schedule of {@code server}; false when it has no such schedule. */
  public boolean delete(ServerId server, long id) {
    lock.lock();
    try {
      boolean removed = repo.delete(server, id);
      refresh(server);
      if (removed) {
        LOG.atInfo()
            .addKeyValue("serverId", server)
            .addKeyValue("scheduleId", id)
            .log("schedule deleted");
      }
      return removed;
    } finally {
      lock.unlock();
    }
  }

  /** The server's schedules, by id. */
  public List<Schedule> list(ServerId server) {
    return repo.listByServer(server);
  }

  /** One schedule of {@code server}; empty when it has no such schedule. */
  public Optional<Schedule> find(ServerId server, long id) {
    return repo.find(id).filter(s -> s.server().equals(server));
  }

  // ------------------------------------------------------------ firing

  /**
   * Fires every run due at the clock's now and returns how many were claimed. The background thread
   * calls this; tests call it directly after advancing a fake clock.
   */
  public int runDue() {
    return runDue(false);
  }

  private int runDue(boolean afterDowntime) {
    Instant now = clock.instant();
    List<Schedule> claimed;
    lock.lock();
    try {
      claimed = repo.claimDue(now, s -> afterClaim(s, now));
      Set<ServerId> touched = new HashSet<>();
      claimed.forEach(s -> touched.add(s.server()));
      // Entries whose rows vanished without us (a deleted server's cascade) are refreshed here.
      nextByServer.forEach((server, s) -> touchIfDue(touched, server, s.nextRun(), now));
      touched.forEach(this::refresh);
    } finally {
      lock.unlock();
    }
    for (Schedule s : claimed) {
      if (afterDowntime && s.misfire() == Misfire.SKIP) {
        skip(s, now);
        continue;
      }
      try {
        handlers.execute(() -> fire(s, now));
      } catch (RejectedExecutionException e) {
        LOG.atWarn()
            .addKeyValue("serverId", s.server())
            .addKeyValue("action", s.action())
            .log("scheduler closing: scheduled action dropped");
      }
    }
    return claimed.size();
  }

  /** The schedule's state once its due run is claimed; null deletes it (v1 one-shots). */
  private Schedule afterClaim(Schedule s, Instant now) {
    if (!s.isOnce()) {
      return s.withNextRun(s.cron().next(now, s.zone()).orElse(null));
    }
    return s.origin() == ScheduleOrigin.V1 ? null : s.withEnabled(false).withNextRun(null);
  }

  /** When an enabled schedule runs next, seen from {@code now}; null when disabled. */
  private static Instant plannedRun(Schedule s, Instant now) {
    if (!s.enabled()) {
      return null;
    }
    return s.isOnce() ? s.at() : s.cron().next(now, s.zone()).orElse(null);
  }

  private void fire(Schedule s, Instant ranAt) {
    RunResult result;
    try {
      handler.run(s.server(), s.action(), s.updateMode());
      result = RunResult.succeeded();
      LOG.atInfo()
          .addKeyValue("serverId", s.server())
          .addKeyValue("scheduleId", s.id())
          .addKeyValue("action", s.action())
          .addKeyValue("dueAt", s.nextRun())
          .log("scheduled action done");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result = failed(s, e);
    } catch (Exception e) {
      result = failed(s, e);
    }
    finish(s, ranAt, result);
  }

  private void skip(Schedule s, Instant now) {
    LOG.atInfo()
        .addKeyValue("serverId", s.server())
        .addKeyValue("scheduleId", s.id())
        .addKeyValue("action", s.action())
        .addKeyValue("dueAt", s.nextRun())
        .log("scheduled run missed while down; skipped");
    finish(
        s,
        now,
        new RunResult(
            RunResult.Status.SKIPPED,
            "missed the run at " + s.nextRun() + " while the orchestrator was down"));
  }

  /** Records the run's result (unless the schedule is gone) and publishes it. */
  private void finish(Schedule s, Instant ranAt, RunResult result) {
    try {
      repo.recordResult(s.id(), ranAt, result);
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("scheduleId", s.id())
          .setCause(e)
          .log("could not record a scheduled run's result");
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("schedule", s.id());
    data.put("server", s.server().uid());
    data.put("action", s.action().wire());
    data.put("result", result.status().wire());
    if (result.detail() != null) {
      data.put("detail", result.detail()); // why it failed or was skipped (notifications)
    }
    data.put("at", ranAt.toString());
    events.publish("schedule.run", s.server().uid(), data);
  }

  private static RunResult failed(Schedule s, Exception e) {
    LOG.atWarn()
        .addKeyValue("serverId", s.server())
        .addKeyValue("action", s.action())
        .addKeyValue("scheduleId", s.id())
        .addKeyValue("dueAt", s.nextRun())
        .addKeyValue("error", e.toString())
        .log("scheduled action failed; not retried");
    String message = e.getMessage();
    return new RunResult(
        RunResult.Status.FAILED, message == null ? e.getClass().getSimpleName() : message);
  }

  /** Stops the background thread and waits briefly for running handlers; does not fire more. */
  @Override
  public void close() {
    Thread t;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      running = false;
      changed.signalAll();
      t = loop;
    } finally {
      lock.unlock();
    }
    try {
      if (t != null) {
        t.join(CLOSE_TIMEOUT.toMillis());
      }
      handlers.shutdown();
      if (!handlers.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("scheduled actions still running at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void runLoop() {
    while (isRunning()) {
      Duration cap = MAX_WAIT;
      try {
        runDue(false);
      } catch (RuntimeException | Error e) {
        // an Error too (say an OutOfMemoryError): the loop must outlive it, or no schedule runs
        LOG.atError().setCause(e).log("scheduler could not handle due schedules; retrying");
        cap = RETRY_AFTER_FAILURE;
      }
      awaitNextDue(cap);
    }
    LOG.info("scheduler stopped");
  }

  private boolean isRunning() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the earliest next run, at most {@code cap}, or until a schedule changes. */
  private void awaitNextDue(Duration cap) {
    lock.lock();
    try {
      if (!running || changedSinceWait) {
        changedSinceWait = false;
        return;
      }
      Duration wait = cap;
      Instant earliest =
          nextByServer.values().stream()
              .map(Schedule::nextRun)
              .min(Instant::compareTo)
              .orElse(null);
      if (earliest != null) {
        Duration untilDue = Duration.between(clock.instant(), earliest);
        if (untilDue.compareTo(wait) < 0) {
          wait = untilDue;
        }
      }
      if (wait.isPositive()) {
        changed.awaitNanos(wait.toNanos());
      }
      changedSinceWait = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    } finally {
      lock.unlock();
    }
  }

  /** Re-reads the server's next run and wakes the loop. Caller holds {@link #lock}. */
  private void refresh(ServerId server) {
    Optional<Schedule> next = repo.nextOf(server);
    if (next.isPresent()) {
      nextByServer.put(server, next.get());
    } else {
      nextByServer.remove(server);
    }
    changedSinceWait = true;
    changed.signalAll();
  }

  private static void touchIfDue(Set<ServerId> touched, ServerId server, Instant due, Instant now) {
    if (!due.isAfter(now)) {
      touched.add(server);
    }
  }

  private static void logSet(Schedule s, String message) {
    LOG.atInfo()
        .addKeyValue("serverId", s.server())
        .addKeyValue("scheduleId", s.id())
        .addKeyValue("action", s.action())
        .addKeyValue("nextRun", s.nextRun())
        .log(message);
  }

  private static void logCancelled(ServerId server, ScheduledAction action, int removed) {
    if (removed > 0) {
      LOG.atInfo()
          .addKeyValue("serverId", server)
          .addKeyValue("action", action == null ? "all" : action)
          .addKeyValue("removed", removed)
          .log("schedules cancelled");
    }
  }
}
