package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.runtime.FakeContainerRuntime.Operation;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.CapturedLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerStateTrackerTest {
  private static final ServerId ID = ServerId.parse("trackgame.one");
  private static final String NAME = ID.containerName();
  private static final Duration QUICK = Duration.ofMillis(20);

  @TempDir Path data;
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final EventBus events = new EventBus(Clock.systemUTC());
  private final List<Event> states = new CopyOnWriteArrayList<>();
  private ServerStateTracker tracker;

  @BeforeEach
  void setUp() {
    runtime.addImage("game:1", Map.of());
    runtime.create(
        new ContainerSpec(
            NAME,
            NAME,
            "game:1",
            List.of(),
            List.of(),
            List.of(),
            null,
            Map.of(ServerService.LABEL_MANAGED, "true", ServerService.LABEL_SERVER, ID.uid()),
            null,
            true));
    runtime.start(NAME);
    events.subscribe(
        0,
        e -> {
          if (e.type().equals("server.state")) {
            states.add(e);
          }
        });
  }

  @AfterEach
  void tearDown() {
    if (tracker != null) {
      tracker.close();
    }
  }

  private ServerStateTracker start(Duration resyncInterval) {
    tracker =
        new ServerStateTracker(
            runtime,
            new ServerLayout(data, data),
            false,
            Clock.systemUTC(),
            events,
            (id, exit) -> {},
            resyncInterval,
            QUICK);
    tracker.put(
        ID,
        new ServerDefinition(ID, "game:1", "test", Map.of(), List.of(), List.of(), List.of(), null),
        null,
        null);
    tracker.start();
    assertThat(states).extracting(e -> e.data().get("to")).containsExactly("running");
    states.clear(); // the first reading (missing -> running) is not what these tests are about
    return tracker;
  }

  private ContainerState shown() {
    return tracker.view(ID).orElseThrow().containerState();
  }

  private long listCalls() {
    return runtime.calls().stream().filter(c -> c.equals("list")).count();
  }

  @Test
  void configValuesAreNeverReadThroughALinkTheGameSwapsIn() throws Exception {
    start(Duration.ofMinutes(10));
    Path config =
        Files.createDirectories(
                data.resolve("servers").resolve(ID.game().value()).resolve(ID.name()))
            .resolve("config");
    Files.createDirectories(config);
    Path secret = Files.writeString(data.resolveSibling("host-secret"), "root:TOPSECRET");
    Path value = config.resolve("password");
    Path staged = config.resolve(".staged");
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    // a game flipping config/password between a plain file and a link to a host file
    Thread game =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    while (!stop.get()) {
                      Files.writeString(staged, "plain");
                      Files.move(staged, value, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                      Files.deleteIfExists(staged);
                      Files.createSymbolicLink(staged, secret);
                      Files.move(staged, value, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
    try {
      for (int i = 0; i < 5000; i++) {
        assertThat(tracker.readConfigFolder(ID).values()).noneMatch(v -> v.contains("TOPSECRET"));
      }
    } finally {
      stop.set(true);
      game.join();
    }
    // a config folder that is itself a link is not read either
    FileTrees.deleteTree(config);
    Path elsewhere = Files.createDirectories(data.resolveSibling("elsewhere"));
    Files.writeString(elsewhere.resolve("password"), "TOPSECRET");
    Files.createSymbolicLink(config, elsewhere);
    assertThat(tracker.readConfigFolder(ID)).isEmpty();
  }

  @Test
  void aResyncThatReadBeforeAnEventNeverOverwritesTheNewerState() {
    start(Duration.ofMillis(50));
    assertThat(shown()).isEqualTo(ContainerState.RUNNING);
    var gate = runtime.holdNextListResult();
    long before = listCalls();
    Await.until(() -> listCalls() > before); // a periodic resync has its (running) snapshot
    runtime.simulateExit(NAME, 1, false); // the event-driven refresh reads "exited"
    Await.until(() -> !states.isEmpty());
    gate.countDown(); // the resync's older snapshot arrives last
    long after = listCalls();
    Await.until(() -> listCalls() > after); // the held resync has finished
    assertThat(shown()).isEqualTo(ContainerState.EXITED);
    assertThat(states)
        .extracting(e -> e.data().get("to"))
        .as("one transition, never back to running")
        .containsExactly("exited");
  }

  @Test
  void aResyncPublishesTheTransitionsItFinds() {
    start(Duration.ofHours(1));
    runtime.deliverEventsOn(r -> {}); // the die event is lost
    runtime.simulateExit(NAME, 0, false);
    runtime.deliverEventsOn(Runnable::run);
    assertThat(shown()).isEqualTo(ContainerState.RUNNING);
    runtime.dropEventStream(new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "reset"));
    Await.until(() -> shown() == ContainerState.EXITED);
    Await.until(() -> !states.isEmpty());
    assertThat(states.getFirst().data())
        .containsEntry("server", ID.uid())
        .containsEntry("from", "running")
        .containsEntry("to", "exited");
  }

  @Test
  void aPeriodicResyncCorrectsAStateWhoseEventWasLost() {
    start(Duration.ofMillis(50));
    runtime.deliverEventsOn(r -> {});
    runtime.simulateExit(NAME, 0, false);
    Await.until(() -> !states.isEmpty());
    assertThat(shown()).isEqualTo(ContainerState.EXITED);
    assertThat(states).extracting(e -> e.data().get("to")).containsExactly("exited");
  }

  @Test
  void aFailedResyncClosesItsSubscriptionAndOneLoopRetriesWithBackOff() {
    start(Duration.ofHours(1));
    assertThat(runtime.subscriberCount()).isEqualTo(1);
    try (var logs = new CapturedLogs(ServerStateTracker.class)) {
      runtime.failNext(Operation.LIST, RuntimeFailure.Kind.ENGINE_UNREACHABLE);
      runtime.failNext(Operation.LIST, RuntimeFailure.Kind.ENGINE_UNREACHABLE);
      runtime.failNext(Operation.LIST, RuntimeFailure.Kind.ENGINE_UNREACHABLE);
      long before = listCalls();
      runtime.dropEventStream(new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "gone"));
      Await.until(
          () -> logs.lines().stream().anyMatch(l -> l.contains("Docker event stream restored")));
      assertThat(listCalls() - before).isEqualTo(4);
      assertThat(runtime.subscriberCount()).as("failed attempts left nothing open").isEqualTo(1);
      assertThat(logs.lines().stream().filter(l -> l.startsWith("WARN"))).hasSize(1);
    }
    // still following events on the one subscription
    runtime.simulateExit(NAME, 0, false);
    Await.until(() -> shown() == ContainerState.EXITED);
  }
}
