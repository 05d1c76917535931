package dev.peon.orc.supervision;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay; the supervisor's only way to wait, so tests drive it with a clock they
 * advance instead of sleeping.
 */
public interface DelayedTasks extends AutoCloseable {

  /** Runs {@code task} once after {@code delay} (on a thread of its own: it may block). */
  Cancellable schedule(Duration delay, Runnable task);

  @Override
  void close();

  /** A scheduled task that has not run yet can be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }

  /** Real time: one timer thread hands each due task to a virtual thread. */
  static DelayedTasks onVirtualThreads() {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("peon-supervision-timer").daemon().factory());
    return new DelayedTasks() {
      @Override
      public Cancellable schedule(Duration delay, Runnable task) {
        var f =
            timer.schedule(
                () -> Thread.ofVirtual().name("peon-supervision").start(task),
                delay.toMillis(),
                TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public void close() {
        timer.shutdownNow();
      }
    };
  }
}
