package dev.peon.orc.supervision;

import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Delayed tasks driven by a test: due by a {@link MutableClock}, run by {@link #runDue()}. */
final class ManualDelayedTasks implements DelayedTasks {
  private final MutableClock clock;
  private final List<Task> tasks = new ArrayList<>();

  private static final class Task {
    final Instant due;
    final Runnable work;
    boolean cancelled;

    Task(Instant due, Runnable work) {
      this.due = due;
      this.work = work;
    }
  }

  ManualDelayedTasks(MutableClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable work) {
    Task t = new Task(clock.instant().plus(delay), work);
    tasks.add(t);
    return () -> {
      synchronized (this) {
        t.cancelled = true;
      }
    };
  }

  /** Runs every task due by now on this thread, earliest first; returns how many ran. */
  int runDue() {
    int ran = 0;
    while (true) {
      Task next;
      synchronized (this) {
        next =
            tasks.stream()
                .filter(t -> !t.cancelled && !t.due.isAfter(clock.instant()))
                .min(Comparator.comparing(t -> t.due))
                .orElse(null);
        if (next == null) {
          return ran;
        }
        tasks.remove(next);
      }
      next.work.run();
      ran++;
    }
  }

  /** Delays of the tasks still waiting, from now. */
  synchronized List<Duration> pending() {
    return tasks.stream()
        .filter(t -> !t.cancelled)
        .map(t -> Duration.between(clock.instant(), t.due))
        .sorted()
        .toList();
  }

  @Override
  public void close() {}
}
