package dev.peon.orc.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PlanParser;
import dev.peon.orc.plan.RegistryEntry;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.server.CreateRequest;
import dev.peon.orc.server.RestartPolicy;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.SupervisionSettings;
import dev.peon.orc.server.UpdateMode;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.CapturedLogs;
import dev.peon.orc.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervision on the fake runtime with a clock the test advances: back-off, crash loop, what is no
 * crash, desired state and autostart. The only waits are for the state tracker's event handling,
 * bounded and on the event itself.
 */
class SupervisorTest {
  private static final String IMAGE = "peon-test/supervised:1";
  private static final PlanId GAME = new PlanId("supgame");
  private static final ServerId ONE = new ServerId(GAME, "one");
  private static final ServerId TWO = new ServerId(GAME, "two");

  @TempDir Path tmp;
  private MutableClock clock;
  private FakeContainerRuntime runtime;
  private Database db;
  private PlanCatalog plans;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  // the current "orchestrator process"
  private EventBus bus;
  private EventQueue events;
  private ServerService servers;
  private ManualDelayedTasks timer;
  private Supervisor supervisor;

  @BeforeEach
  void setUp() throws IOException {
    clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    runtime = new FakeContainerRuntime(clock);
    runtime.addImage(IMAGE, Map.of("CONTAINER_TYPE", "test", "VERSION", "1"));
    Path planDir = Files.createDirectories(tmp.resolve("plans").resolve(GAME.value()));
    Files.writeString(
        planDir.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "supgame", "image": "%s"},
         "ports": [[{"PORT": ["27015", "udp"]}], [{"PORT": ["27016", "udp"]}],
                   [{"PORT": ["27017", "udp"]}]],
         "environment": {"SERVER_NAME": "x"},
         "volumes": {"~!/config": "/home/steam/config"}}
        """
            .formatted(IMAGE));
    Plan plan = new PlanParser().parse(planDir);
    plans =
        new PlanCatalog() {
          @Override
          public Optional<Plan> find(PlanId id) {
            return id.equals(plan.id()) ? Optional.of(plan) : Optional.empty();
          }

          @Override
          public List<RegistryEntry> registry() {
            return List.of();
          }

          @Override
          public Map<String, String> rejected() {
            return Map.of();
          }

          @Override
          public List<RegistryEntry> sync() {
            return List.of();
          }
        };
    db = Database.open(tmp.resolve("data").resolve("peon.db"));
    boot();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
    db.close();
  }

  private OrchestratorConfig config() {
    return new ConfigLoader()
        .load(
            null,
            Map.of(),
            Map.of(
                "data.dir",
                tmp.resolve("data").toString(),
                "plans.source",
                tmp.resolve("plans").toString()));
  }

  /** Starts an "orchestrator process" on the shared database and runtime, as Application does. */
  private void boot() {
    bus = new EventBus(clock);
    events = new EventQueue(bus);
    servers = new ServerService(config(), db, plans, runtime, b -> true, clock, bus);
    timer = new ManualDelayedTasks(clock);
    supervisor = new Supervisor(servers, db, bus, clock, timer, Supervisor.Limits.of(config()));
    servers.reconcile();
    closeables.add(servers::close);
    closeables.add(supervisor);
  }

  /** Stops the current "process" (containers keep running, as with the real daemon). */
  private void shutDown() throws Exception {
    supervisor.close();
    servers.close();
    closeables.clear();
  }

  private void createAndStart(ServerId id) {
    servers.create(new CreateRequest(GAME, id.name(), Map.of(), "", false, false));
    assertThat(servers.get(id).running()).isTrue();
  }

  private Event crash(ServerId id, long code, boolean oom) {
    runtime.simulateExit(id.containerName(), code, oom);
    return events.next("server.crashed");
  }

  private ContainerState state(ServerId id) {
    return runtime.state(id.containerName()).orElseThrow();
  }

  @Test
  void restartsACrashedServerAfterADoublingBackOffUntilACrashLoopStopsIt() {
    createAndStart(ONE);
    try (CapturedLogs logs = new CapturedLogs(Supervisor.class)) {
      long[] expected = {5, 10, 20, 40};
      for (long seconds : expected) {
        Event e = crash(ONE, 3, false);
        assertThat(e.data())
            .containsEntry("exitCode", 3L)
            .containsEntry("oomKilled", false)
            .containsEntry("restartPolicy", "on-failure")
            .containsEntry("detectedBy", "event")
            .containsEntry("restartInSeconds", seconds);
        assertThat(supervisor.status(ONE).nextRestartAt())
            .isEqualTo(clock.instant().plusSeconds(seconds));
        clock.advance(Duration.ofSeconds(seconds - 1));
        assertThat(timer.runDue()).isZero();
        assertThat(state(ONE)).isEqualTo(ContainerState.EXITED);
        clock.advance(Duration.ofSeconds(1));
        assertThat(timer.runDue()).isEqualTo(1);
        assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
        assertThat(supervisor.status(ONE).nextRestartAt()).isNull();
      }
      runtime.simulateExit(ONE.containerName(), 3, false);
      Event loop = events.next("server.crashloop");
      assertThat(loop.data()).containsEntry("crashes", 5).containsEntry("windowSeconds", 600L);
      assertThat(events.all("server.crashed")).hasSize(5);
      assertThat(events.all("server.crashed").getLast().data())
          .containsEntry("restartInSeconds", null);
      SupervisionSettings.Status status = supervisor.status(ONE);
      assertThat(status.crashed()).isTrue();
      assertThat(status.desiredRunning()).isTrue();
      assertThat(status.lastCrash().exitCode()).isEqualTo(3);
      assertThat(timer.pending()).isEmpty();
      clock.advance(Duration.ofHours(1));
      assertThat(timer.runDue()).isZero();
      assertThat(state(ONE)).isEqualTo(ContainerState.EXITED);
      assertThat(logs.lines())
          .anyMatch(
              l ->
                  l.startsWith("WARN server crashed")
                      && l.contains("serverId=supgame.one")
                      && l.contains("exitCode=3"))
          .anyMatch(l -> l.startsWith("WARN crash loop") && l.contains("serverId=supgame.one"));
    }
  }

  @Test
  void backOffDoublesFromTheInitialWaitUpToTheMaximum() {
    Supervisor.Limits limits =
        new Supervisor.Limits(Duration.ofSeconds(5), Duration.ofMinutes(5), 5, Duration.ZERO, 2);
    List<Long> waits = new ArrayList<>();
    for (int n = 1; n <= 9; n++) {
      waits.add(limits.backoff(n).toSeconds());
    }
    assertThat(waits).containsExactly(5L, 10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L);
  }

  @Test
  void crashesOutsideTheWindowDoNotAddUpToACrashLoop() {
    createAndStart(ONE);
    for (int i = 0; i < 8; i++) {
      Event e = crash(ONE, 1, false);
      assertThat(e.data().get("crashesInWindow")).isIn(1, 2);
      clock.advance(Duration.ofMinutes(6)); // each crash falls out of the 10-minute window soon
      timer.runDue();
      assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
    }
    assertThat(events.all("server.crashloop")).isEmpty();
  }

  @Test
  void aStopDuringTheBackOffCancelsTheRestart() {
    createAndStart(ONE);
    crash(ONE, 1, false);
    assertThat(timer.pending()).containsExactly(Duration.ofSeconds(5));
    servers.stop(ONE);
    assertThat(timer.pending()).isEmpty();
    assertThat(supervisor.status(ONE).nextRestartAt()).isNull();
    clock.advance(Duration.ofMinutes(1));
    timer.runDue();
    assertThat(state(ONE)).isEqualTo(ContainerState.EXITED);
  }

  @Test
  void aManualStartClearsTheCrashLoop() {
    createAndStart(ONE);
    for (int i = 0; i < 5; i++) {
      crash(ONE, 2, false);
      clock.advance(Duration.ofMinutes(1));
      timer.runDue();
    }
    events.next("server.crashloop");
    assertThat(supervisor.status(ONE).crashed()).isTrue();

    servers.start(ONE);

    assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
    assertThat(supervisor.status(ONE).crashed()).isFalse();
    Event e = crash(ONE, 2, false);
    assertThat(e.data()).containsEntry("crashesInWindow", 1).containsEntry("restartInSeconds", 5L);
  }

  @Test
  void aStopOrKillThroughTheApiIsNoCrash() {
    createAndStart(ONE);
    servers.stop(ONE);
    assertThat(events.all("server.crashed")).isEmpty();
    assertThat(supervisor.status(ONE).desiredRunning()).isFalse();
    assertThat(timer.pending()).isEmpty();

    servers.start(ONE);
    assertThat(supervisor.status(ONE).desiredRunning()).isTrue();
    servers.kill(ONE);
    assertThat(events.all("server.crashed")).isEmpty();
    assertThat(supervisor.status(ONE).desiredRunning()).isFalse();
    assertThat(timer.pending()).isEmpty();

    servers.start(ONE);
    servers.restart(ONE);
    assertThat(events.all("server.crashed")).isEmpty();
    assertThat(supervisor.status(ONE).desiredRunning()).isTrue();
  }

  @Test
  void anExitWhileTheServerShouldNotRunIsNoCrash() {
    createAndStart(ONE);
    servers.stop(ONE);
    servers.update(ONE, UpdateMode.RESTART); // runs although stopped was asked for
    try (CapturedLogs logs = new CapturedLogs(Supervisor.class)) {
      runtime.simulateExit(ONE.containerName(), 9, false);
      Await.until(
          Duration.ofSeconds(10),
          () -> logs.lines().stream().anyMatch(l -> l.contains("not meant to run")));
    }
    assertThat(events.all("server.crashed")).isEmpty();
    assertThat(supervisor.status(ONE).lastCrash()).isNull();
    assertThat(timer.pending()).isEmpty();
  }

  @Test
  void aBackupQuiesceOrAnUpdateIsNoCrashAndKeepsTheDesiredState() {
    createAndStart(ONE);
    boolean ranWhileStopped =
        servers.runQuiesced(
            ONE,
            ServerService.Quiescing.STOP,
            running -> {},
            wasRunning -> state(ONE) == ContainerState.EXITED && wasRunning);
    assertThat(ranWhileStopped).isTrue();
    assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
    servers.update(ONE, UpdateMode.RESTART);
    servers.update(ONE, UpdateMode.SERVER);
    assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
    assertThat(events.all("server.crashed")).isEmpty();
    assertThat(supervisor.status(ONE).desiredRunning()).isTrue();

    servers.stop(ONE);
    servers.update(ONE, UpdateMode.RESTART); // starts the server, but the wish stays "stopped"
    assertThat(supervisor.status(ONE).desiredRunning()).isFalse();
  }

  @Test
  void policyNoRecordsAnOomKillButDoesNotRestart() {
    createAndStart(ONE);
    supervisor.change(ONE, RestartPolicy.NO, null);
    Event e = crash(ONE, 137, true);
    assertThat(e.data())
        .containsEntry("oomKilled", true)
        .containsEntry("restartPolicy", "no")
        .containsEntry("restartInSeconds", null);
    assertThat(timer.pending()).isEmpty();
    SupervisionSettings.Crash last = supervisor.status(ONE).lastCrash();
    assertThat(last.exitCode()).isEqualTo(137);
    assertThat(last.oomKilled()).isTrue();
    assertThat(last.at()).isEqualTo(clock.instant());
  }

  @Test
  void onFailureLeavesACleanExitDownWhileAlwaysRestartsIt() {
    createAndStart(ONE);
    Event clean = crash(ONE, 0, false);
    assertThat(clean.data()).containsEntry("restartInSeconds", null);
    assertThat(timer.pending()).isEmpty();

    servers.start(ONE);
    supervisor.change(ONE, RestartPolicy.ALWAYS, null);
    Event again = crash(ONE, 0, false);
    assertThat(again.data()).containsEntry("restartInSeconds", 5L);
    clock.advance(Duration.ofSeconds(5));
    timer.runDue();
    assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void aFailedRestartIsRetriedWithTheNextBackOff() {
    createAndStart(ONE);
    crash(ONE, 1, false);
    runtime.failNextStart(RuntimeFailure.Kind.OTHER);
    clock.advance(Duration.ofSeconds(5));
    timer.runDue();
    assertThat(state(ONE)).isEqualTo(ContainerState.EXITED);
    assertThat(timer.pending()).containsExactly(Duration.ofSeconds(10));
    clock.advance(Duration.ofSeconds(10));
    timer.runDue();
    assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void anExitFoundAfterTheEventStreamDroppedCountsAsACrashAndIsRestarted() {
    createAndStart(ONE);
    // dockerd goes away: the stream drops, the engine stops the container gracefully (exit 0)
    runtime.setEngineDown(true);
    runtime.dropEventStream(new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "gone"));
    runtime.simulateExit(ONE.containerName(), 0, false);
    runtime.setEngineDown(false); // back: the tracker resubscribes and resyncs

    Event e = events.next("server.crashed");

    assertThat(e.data())
        .containsEntry("detectedBy", "resync")
        .containsEntry("exitCode", 0L)
        .containsEntry("restartInSeconds", 5L);
    clock.advance(Duration.ofSeconds(5));
    timer.runDue();
    assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void desiredStateSurvivesARestartAndAutostartBringsBackOnlyWantedServers() throws Exception {
    ServerId three = new ServerId(GAME, "three");
    createAndStart(ONE);
    createAndStart(TWO);
    servers.create(new CreateRequest(GAME, three.name(), Map.of(), "", true, false));
    supervisor.change(TWO, null, false);
    shutDown();
    // host reboot: every container stopped while the orchestrator is down
    runtime.stop(ONE.containerName(), Duration.ZERO);
    runtime.stop(TWO.containerName(), Duration.ZERO);

    boot();
    List<ServerId> started = supervisor.autostart().join();

    assertThat(started).containsExactly(ONE);
    assertThat(state(ONE)).isEqualTo(ContainerState.RUNNING);
    assertThat(state(TWO)).isEqualTo(ContainerState.EXITED);
    assertThat(state(three)).isEqualTo(ContainerState.CREATED);
    assertThat(supervisor.status(TWO).desiredRunning()).isTrue();
    assertThat(supervisor.status(TWO).autostart()).isFalse();
    assertThat(events.all("server.crashed")).isEmpty();
  }

  @Test
  void autostartSkipsACrashLoopAndRecordsTheStateOfServersWithoutADesiredState() throws Exception {
    createAndStart(ONE);
    for (int i = 0; i < 5; i++) {
      crash(ONE, 2, false);
      clock.advance(Duration.ofMinutes(1));
      timer.runDue();
    }
    events.next("server.crashloop");
    shutDown();
    boot();
    assertThat(supervisor.autostart().join()).isEmpty();
    assertThat(supervisor.status(ONE).crashed()).isTrue();
    assertThat(state(ONE)).isEqualTo(ContainerState.EXITED);
  }
}
