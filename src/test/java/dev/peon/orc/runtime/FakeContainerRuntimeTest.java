package dev.peon.orc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.peon.orc.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The fake must behave like the port promises, or the tests built on it prove nothing. */
class FakeContainerRuntimeTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(T0);
  private final FakeContainerRuntime runtime =
      new FakeContainerRuntime(clock).addImage("img", Map.of("VERSION", "1"));

  private ContainerSpec spec(String name) {
    return new ContainerSpec(
        name,
        name,
        "img",
        List.of("A=1"),
        List.of(),
        List.of(),
        "1000",
        Map.of("k", "v"),
        "net",
        true);
  }

  private void createContainer(String name) {
    runtime.ensureNetwork(new NetworkSpec("net", null, null, Map.of()));
    runtime.create(spec(name));
  }

  @Test
  void movesContainersThroughDockersStates() {
    createContainer("c");
    assertThat(runtime.state("c")).contains(ContainerState.CREATED);
    assertThat(runtime.inspect("c").orElseThrow().startedAt()).isNull();

    runtime.start("c");
    assertThat(runtime.inspect("c").orElseThrow().startedAt()).isEqualTo(T0);
    assertThat(runtime.state("c")).contains(ContainerState.RUNNING);

    runtime.stop("c", Duration.ofSeconds(1));
    assertThat(runtime.state("c")).contains(ContainerState.EXITED);
    assertThat(runtime.inspect("c").orElseThrow().exitStatus()).isEqualTo(new ExitStatus(0, false));

    runtime.start("c");
    runtime.kill("c");
    assertThat(runtime.inspect("c").orElseThrow().exitStatus().code()).isEqualTo(137);

    runtime.remove("c");
    assertThat(runtime.inspect("c")).isEmpty();
    runtime.remove("c"); // no-op
  }

  @Test
  void refusesASecondContainerOfTheSameName() {
    createContainer("c");

    RuntimeFailure f = catchThrowableOfType(RuntimeFailure.class, () -> runtime.create(spec("c")));

    assertThat(f.kind()).isEqualTo(RuntimeFailure.Kind.CONFLICT);
  }

  @Test
  void startingAMissingContainerIsNotFound() {
    assertThat(catchThrowableOfType(RuntimeFailure.class, () -> runtime.start("x")).kind())
        .isEqualTo(RuntimeFailure.Kind.NOT_FOUND);
  }

  @Test
  void pullsKnownImagesAndFailsForOthers() {
    runtime.addRegistryImage("remote", Map.of());
    runtime.failPull("flaky", RuntimeFailure.Kind.REGISTRY_UNREACHABLE);

    runtime.pull("remote", p -> {});

    assertThat(runtime.inspectImage("remote")).isPresent();
    assertThat(
            catchThrowableOfType(RuntimeFailure.class, () -> runtime.pull("nope", p -> {})).kind())
        .isEqualTo(RuntimeFailure.Kind.IMAGE_NOT_FOUND);
    assertThat(
            catchThrowableOfType(RuntimeFailure.class, () -> runtime.pull("flaky", p -> {})).kind())
        .isEqualTo(RuntimeFailure.Kind.REGISTRY_UNREACHABLE);
    assertThat(runtime.pulls()).containsExactly("remote", "nope", "flaky");
  }

  @Test
  void injectedFailuresHitOnlyTheNextCall() {
    createContainer("c");
    runtime.failNextStart(RuntimeFailure.Kind.PORT_IN_USE);

    assertThat(catchThrowableOfType(RuntimeFailure.class, () -> runtime.start("c")).kind())
        .isEqualTo(RuntimeFailure.Kind.PORT_IN_USE);
    runtime.start("c");
    assertThat(runtime.state("c")).contains(ContainerState.RUNNING);
  }

  @Test
  void aDownEngineFailsEveryCall() {
    runtime.setEngineDown(true);

    assertThat(catchThrowableOfType(RuntimeFailure.class, runtime::engineVersion).kind())
        .isEqualTo(RuntimeFailure.Kind.ENGINE_UNREACHABLE);
  }

  @Test
  void deliversEventsSynchronouslyByDefaultAndOnAChosenExecutor() {
    List<RuntimeEvent.Kind> seen = new CopyOnWriteArrayList<>();
    ContainerRuntime.Subscription sub = runtime.events(e -> seen.add(e.kind()), t -> {});
    createContainer("c");
    runtime.start("c");
    assertThat(seen).containsExactly(RuntimeEvent.Kind.CREATE, RuntimeEvent.Kind.START);

    List<Runnable> queued = new ArrayList<>();
    runtime.deliverEventsOn(queued::add);
    runtime.simulateExit("c", 1, true);
    assertThat(seen).hasSize(2);
    queued.forEach(Runnable::run);
    assertThat(seen).endsWith(RuntimeEvent.Kind.OOM, RuntimeEvent.Kind.DIE);

    sub.close();
    runtime.deliverEventsOn(Runnable::run);
    runtime.remove("c");
    assertThat(seen).hasSize(4);
  }

  @Test
  void droppingTheStreamCallsOnErrorOnce() {
    List<Throwable> errors = new ArrayList<>();
    runtime.events(e -> {}, errors::add);

    runtime.dropEventStream(new IllegalStateException("gone"));
    runtime.dropEventStream(new IllegalStateException("again"));

    assertThat(errors).singleElement().extracting(Throwable::getMessage).isEqualTo("gone");
    assertThat(runtime.subscriberCount()).isZero();
  }

  @Test
  void listsByLabelsAndReportsStatsOnlyWhileRunning() {
    createContainer("c");
    StatsSample sample = new StatsSample(Map.of(), 1, 2, 3, 4, 5, T0);
    runtime.setStats("c", sample);

    assertThat(runtime.list(Map.of("k", "v"))).hasSize(1);
    assertThat(runtime.list(Map.of("k", "other"))).isEmpty();
    assertThat(runtime.stats("c")).isEmpty();
    runtime.start("c");
    assertThat(runtime.stats("c")).contains(sample);
  }
}
