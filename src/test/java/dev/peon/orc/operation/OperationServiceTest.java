package dev.peon.orc.operation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.testing.Await;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OperationServiceTest {
  private final Clock clock = Clock.systemUTC();
  private final OperationService operations =
      new OperationService(
          new EventBus(clock),
          clock,
          e ->
              new Operation.OperationError("internal", "Internal", String.valueOf(e.getMessage())));

  @AfterEach
  void close() {
    operations.close();
  }

  @Test
  void aRunningOperationNeverStopsTheHistoryFromForgettingFinishedOnes() throws Exception {
    CountDownLatch stuck = new CountDownLatch(1);
    Operation blocked =
        operations.submit(
            "update",
            "game.stuck",
            true,
            p -> {
              stuck.await();
              return null;
            });
    int n = OperationService.KEEP + 200;
    for (int i = 0; i < n; i++) {
      Operation quick = operations.submit("power.start", "game.s" + i, true, p -> "ok");
      operations.completion(quick).get(10, TimeUnit.SECONDS);
    }
    operations.completion(operations.submit("power.start", "game.last", true, p -> "ok"));

    assertThat(operations.list(null, null).size()).isLessThanOrEqualTo(OperationService.KEEP + 1);
    assertThat(operations.find(blocked.id())).isPresent();
    assertThat(operations.find(blocked.id()).orElseThrow().status().finished()).isFalse();
    stuck.countDown();
    Await.until(() -> operations.find(blocked.id()).orElseThrow().status().finished());
  }

  @Test
  void aServerIsFreeOnceItsOperationIsSeenFinished() {
    // a client that reads "succeeded" and at once acts on the server must never get busy
    for (int i = 0; i < 300; i++) {
      Operation op = operations.submit("server.create", "game.one", true, p -> "ok");
      while (!operations.find(op.id()).orElseThrow().status().finished()) {
        Thread.onSpinWait();
      }
      assertThat(operations.runningOn("game.one")).as("round " + i).isEmpty();
    }
  }

  @Test
  void closeLetsARunningOperationFinishWithinTheDrainTime() throws Exception {
    OperationService draining =
        new OperationService(
            new EventBus(clock),
            clock,
            e -> new Operation.OperationError("internal", "Internal", "x"),
            java.time.Duration.ofSeconds(30));
    CountDownLatch started = new CountDownLatch(1);
    Operation slow =
        draining.submit(
            "power.stop",
            "game.slow",
            true,
            p -> {
              started.countDown();
              Thread.sleep(300); // a stop that takes a moment: it must not be interrupted
              return "stopped";
            });
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    draining.close();

    assertThat(draining.find(slow.id()).orElseThrow().status())
        .isEqualTo(Operation.Status.SUCCEEDED);
  }

  @Test
  void completionCompletesWithTheFinalStateOfSuccessAndFailure() throws Exception {
    Operation ok = operations.submit("power.start", "game.a", true, p -> "fine");
    Operation bad =
        operations.submit(
            "power.start",
            "game.b",
            true,
            p -> {
              throw new IllegalStateException("broken");
            });

    assertThat(operations.completion(ok).get(10, TimeUnit.SECONDS).status())
        .isEqualTo(Operation.Status.SUCCEEDED);
    // whoever waited may act on the server at once: it is no longer busy
    assertThat(operations.runningOn("game.a")).isEmpty();
    Operation failed = operations.completion(bad).get(10, TimeUnit.SECONDS);
    assertThat(failed.status()).isEqualTo(Operation.Status.FAILED);
    assertThat(failed.error().detail()).isEqualTo("broken");
  }
}
