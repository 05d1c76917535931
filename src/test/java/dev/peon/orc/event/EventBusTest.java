package dev.peon.orc.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.testing.Await;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventBusTest {
  private final EventBus bus = new EventBus(Clock.systemUTC());

  @Test
  void aBlockingAsyncListenerNeverHoldsUpPublishersAndSeesEventsInOrder() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<Long> seen = new CopyOnWriteArrayList<>();
    EventBus.AsyncSubscription sub =
        bus.subscribeAsync(
            "slow",
            100,
            e -> {
              try {
                release.await(); // a database write that hangs
              } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
              }
              seen.add(e.id());
            });
    List<Long> direct = new CopyOnWriteArrayList<>();
    bus.subscribe(0, e -> direct.add(e.id()));

    for (int i = 0; i < 50; i++) {
      bus.publish("t", null, Map.of("i", i)); // returns although the slow listener is stuck
    }

    assertThat(direct).hasSize(50);
    assertThat(seen).isEmpty();
    release.countDown();
    Await.until(() -> seen.size() == 50);
    assertThat(seen).isSorted();
    sub.close();
    bus.publish("t", null, Map.of());
    assertThat(seen).hasSize(50);
  }

  @Test
  void aFullQueueDropsTheNewestEventsInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch first = new CountDownLatch(1);
    List<Long> seen = new CopyOnWriteArrayList<>();
    EventBus.AsyncSubscription sub =
        bus.subscribeAsync(
            "tiny",
            2,
            e -> {
              first.countDown();
              try {
                release.await();
              } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
              }
              seen.add(e.id());
            });
    bus.publish("t", null, Map.of());
    assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 10; i++) {
      bus.publish("t", null, Map.of());
    }
    release.countDown();
    Await.until(() -> seen.size() == 3);
    sub.close();
    assertThat(seen).containsExactly(1L, 2L, 3L);
  }
}
