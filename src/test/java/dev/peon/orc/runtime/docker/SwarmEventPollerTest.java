package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeEvent.Kind;
import dev.peon.orc.runtime.RuntimeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SwarmEventPollerTest {
  private static final Instant AT = Instant.parse("2026-12-03T12:00:00Z");
  private static final Map<String, String> LABELS = Map.of("dev.peon.managed", "true");

  private static SwarmEventPoller.Seen seen(String running, String started) {
    return new SwarmEventPoller.Seen("svc", "peon.a.srv", LABELS, running, started);
  }

  private static List<Kind> diff(SwarmEventPoller.Seen before, SwarmEventPoller.Seen now) {
    return SwarmEventPoller.diff(
            before == null ? Map.of() : Map.of("svc", before),
            now == null ? Map.of() : Map.of("svc", now),
            AT)
        .stream()
        .map(RuntimeEvent::kind)
        .toList();
  }

  @Test
  void aNewServiceIsCreated() {
    assertThat(diff(null, seen(null, null))).containsExactly(Kind.CREATE);
  }

  @Test
  void aTaskThatNowRunsIsAStartAndOneThatEndedADeath() {
    assertThat(diff(seen(null, null), seen("t1", null))).containsExactly(Kind.START);
    assertThat(diff(seen("t1", null), seen(null, null))).containsExactly(Kind.DIE);
    assertThat(diff(seen("t1", "s1"), seen("t1", "s1"))).isEmpty();
  }

  @Test
  void aRestartBetweenTwoListingsIsADeathAndAStart() {
    assertThat(diff(seen("t1", "s1"), seen("t2", "s2"))).containsExactly(Kind.DIE, Kind.START);
  }

  @Test
  void aStartLabelSeenAPollAfterItsTaskIsNoSecondStart() {
    // listing 1: t1 runs, the label not written yet; listing 2: t1 died, the label is there
    SwarmEventPoller.Seen before = seen("t1", null);
    SwarmEventPoller.Seen after =
        new SwarmEventPoller.Seen("svc", "peon.a.srv", LABELS, null, "t1", "s1");
    assertThat(diff(before, after)).containsExactly(Kind.DIE);
    // but a new task that started and ended between the listings is a death and a start
    SwarmEventPoller.Seen restarted =
        new SwarmEventPoller.Seen("svc", "peon.a.srv", LABELS, null, "t2", "s2");
    assertThat(diff(seen("t1", "s1"), restarted)).containsExactly(Kind.DIE, Kind.START);
  }

  @Test
  void aStartOfOursIsSeenEvenWhenItsTaskEndedBeforeTheListing() {
    assertThat(diff(seen(null, "s1"), seen(null, "s2"))).containsExactly(Kind.START);
  }

  @Test
  void aRemovedServiceDiesAndIsDestroyed() {
    assertThat(diff(seen("t1", "s1"), null)).containsExactly(Kind.DIE, Kind.DESTROY);
    assertThat(diff(seen(null, "s1"), null)).containsExactly(Kind.DESTROY);
  }

  @Test
  void eventsCarryTheContainerNameAndLabels() {
    var events = SwarmEventPoller.diff(Map.of(), Map.of("svc", seen("t", "s")), AT);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.name()).isEqualTo("peon.a.srv");
              assertThat(e.containerId()).isEqualTo("svc");
              assertThat(e.labels()).isEqualTo(LABELS);
              assertThat(e.time()).isEqualTo(AT);
            });
  }

  @Test
  void reportsAFailedListingOnceAndStops() throws Exception {
    var calls = new AtomicInteger();
    var errors = new CopyOnWriteArrayList<Throwable>();
    var reported = new CountDownLatch(1);
    var poller =
        new SwarmEventPoller(
            () -> {
              if (calls.incrementAndGet() > 1) {
                throw new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "gone");
              }
              return new SwarmEventPoller.Listing(List.of(), List.of());
            },
            Duration.ofMillis(1),
            e -> {},
            e -> {
              errors.add(e);
              reported.countDown();
            });
    try (var sub = poller.start()) {
      assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(errors)
        .singleElement()
        .satisfies(
            e ->
                assertThat(((RuntimeFailure) e).kind())
                    .isEqualTo(RuntimeFailure.Kind.ENGINE_UNREACHABLE));
    assertThat(calls.get()).isEqualTo(2);
  }
}
