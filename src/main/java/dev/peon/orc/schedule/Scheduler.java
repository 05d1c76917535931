package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
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
 * Fires each persisted schedule once, at its due time. One per process.
 *
 * <p>A single background thread waits until the earliest due time and is woken early whenever a
 * schedule is added, replaced or cancelled; there is no polling tick. Firing claims the schedule
 * (deletes its row in one transaction) before the handler runs, so a slow or failing handler never
 * causes a second run; handler failures are logged and not retried. Handlers run on their own
 * virtual threads, so one slow stop does not delay another server's schedule.
 *
 * <p>Schedules that fell due while the orchestrator was down fire as soon as {@link #start()} runs.
 * {@link #nextEvent(ServerId)} answers from memory, so listing servers never queries SQLite.
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  /**
   * Longest single wait: a safety net against wall-clock jumps and missed signals, not a tick;
   * schedules still fire at their due time because the wait ends there.
   */
  private static final Duration MAX_WAIT = Duration.ofMinutes(1);

  private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final ScheduleRepository repo;
  private final Clock clock;
  private final ScheduledActionHandler handler;
  private final ExecutorService handlers;

  /** Guards every repository write together with the cache update, and the loop's wait. */
  private final ReentrantLock lock = new ReentrantLock();

  private final Condition changed = lock.newCondition();
  private final Map<ServerId, Instant> nextDue = new ConcurrentHashMap<>();
  private boolean changedSinceWait;
  private boolean running;
  private boolean closed;
  private Thread loop;

  /**
   * Loads the pending schedules' due times into memory; nothing fires until {@link #start()}.
   *
   * @param handler runs fired actions; called on a virtual thread per fired schedule
   */
  public Scheduler(ScheduleRepository repo, Clock clock, ScheduledActionHandler handler) {
    this(repo, clock, handler, Executors.newVirtualThreadPerTaskExecutor());
  }

  /** For tests: {@code handlers} may run tasks in the calling thread. */
  Scheduler(
      ScheduleRepository repo,
      Clock clock,
      ScheduledActionHandler handler,
      ExecutorService handlers) {
    this.repo = Objects.requireNonNull(repo, "repo");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.handlers = Objects.requireNonNull(handlers, "handlers");
    nextDue.putAll(repo.nextDueByServer());
  }

  /** Starts the background thread; schedules already due fire right away. Idempotent. */
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
      loop = Thread.ofPlatform().name("peon-scheduler").daemon(true).start(this::runLoop);
    } finally {
      lock.unlock();
    }
    LOG.atInfo().addKeyValue("pending", nextDue.size()).log("scheduler started");
  }

  /** Schedules a stop of {@code server} at {@code dueAt}, replacing its previous scheduled stop. */
  public Schedule scheduleStop(ServerId server, Instant dueAt) {
    return schedule(server, ScheduledAction.STOP, dueAt);
  }

  /**
   * Schedules {@code action} on {@code server} at {@code dueAt}, replacing the server's previous
   * schedule of that action. A time already past fires at once.
   */
  public Schedule schedule(ServerId server, ScheduledAction action, Instant dueAt) {
    Objects.requireNonNull(dueAt, "dueAt");
    lock.lock();
    try {
      Schedule s = repo.replace(server, action, dueAt, clock.instant());
      refresh(server);
      LOG.atInfo()
          .addKeyValue("serverId", server)
          .addKeyValue("action", action)
          .addKeyValue("dueAt", s.dueAt())
          .log("schedule set");
      return s;
    } finally {
      lock.unlock();
    }
  }

  /** Cancels the server's pending schedules of {@code action}; returns how many there were. */
  public int cancel(ServerId server, ScheduledAction action) {
    lock.lock();
    try {
      int removed = repo.removeByServer(server, action);
      refresh(server);
      logCancelled(server, action, removed);
      return removed;
    } finally {
      lock.unlock();
    }
  }

  /** Cancels all of the server's pending schedules (call it when the server is deleted). */
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

  /** The server's next scheduled event, from memory. */
  public Optional<Instant> nextEvent(ServerId server) {
    return Optional.ofNullable(nextDue.get(server));
  }

  /**
   * Fires everything due at the clock's now and returns how many schedules were claimed. The
   * background thread calls this; tests call it directly after advancing a fake clock.
   */
  public int runDue() {
    Instant now = clock.instant();
    List<Schedule> claimed;
    lock.lock();
    try {
      claimed = repo.claimDue(now);
      Set<ServerId> touched = new HashSet<>();
      claimed.forEach(s -> touched.add(s.server()));
      // Entries whose rows vanished without us (a deleted server's cascade) are refreshed here.
      nextDue.forEach((server, due) -> touchIfDue(touched, server, due, now));
      touched.forEach(this::refresh);
    } finally {
      lock.unlock();
    }
    for (Schedule s : claimed) {
      try {
        handlers.execute(() -> fire(s));
      } catch (RejectedExecutionException e) {
        LOG.atWarn()
            .addKeyValue("serverId", s.server())
            .addKeyValue("action", s.action())
            .log("scheduler closing: scheduled action dropped");
      }
    }
    return claimed.size();
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
        runDue();
      } catch (RuntimeException e) {
        LOG.atWarn().setCause(e).log("scheduler could not read due schedules; retrying");
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

  /** Waits until the earliest due time, at most {@code cap}, or until a schedule changes. */
  private void awaitNextDue(Duration cap) {
    lock.lock();
    try {
      if (!running || changedSinceWait) {
        changedSinceWait = false;
        return;
      }
      Duration wait = cap;
      Instant earliest = nextDue.values().stream().min(Instant::compareTo).orElse(null);
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

  private void fire(Schedule s) {
    try {
      handler.run(s.server(), s.action());
      LOG.atInfo()
          .addKeyValue("serverId", s.server())
          .addKeyValue("action", s.action())
          .addKeyValue("dueAt", s.dueAt())
          .log("scheduled action done");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      warnFailed(s, e);
    } catch (Exception e) {
      warnFailed(s, e);
    }
  }

  private static void warnFailed(Schedule s, Exception e) {
    LOG.atWarn()
        .addKeyValue("serverId", s.server())
        .addKeyValue("action", s.action())
        .addKeyValue("scheduleId", s.id())
        .addKeyValue("dueAt", s.dueAt())
        .addKeyValue("error", e.toString())
        .log("scheduled action failed; not retried");
  }

  /** Re-reads the server's next due time and wakes the loop. Caller holds {@link #lock}. */
  private void refresh(ServerId server) {
    Optional<Instant> next = repo.nextDue(server);
    if (next.isPresent()) {
      nextDue.put(server, next.get());
    } else {
      nextDue.remove(server);
    }
    changedSinceWait = true;
    changed.signalAll();
  }

  private static void touchIfDue(Set<ServerId> touched, ServerId server, Instant due, Instant now) {
    if (!due.isAfter(now)) {
      touched.add(server);
    }
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
