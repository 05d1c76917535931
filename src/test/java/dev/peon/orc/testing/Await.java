package dev.peon.orc.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Polls a condition with a bound, for integration tests that wait on Docker, operations or events:
 * they wait for a state, never for a fixed time.
 */
public final class Await {
  private static final Duration DEFAULT = Duration.ofSeconds(30);

  private Await() {}

  /** Waits at most 30 s. */
  public static void until(BooleanSupplier condition) {
    until(DEFAULT, condition);
  }

  public static void until(Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("condition not met within " + timeout.toSeconds() + " s");
  }
}
