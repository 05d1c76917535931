package dev.peon.orc.game;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.server.CreateRequest;
import dev.peon.orc.server.FixedPlanCatalog;
import dev.peon.orc.server.PowerObserver;
import dev.peon.orc.server.RestartPolicy;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.SupervisionSettings;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The game monitor on the fake runtime with a clock the test advances and scripted probe answers;
 * probes, stops and starts run inline, so each {@link GameMonitor#tick()} is one deterministic
 * step.
 */
class GameMonitorTest {
  private static final String IMAGE = "peon-test/game:1";
  private static final PlanId GAME = new PlanId("gametest");
  private static final ServerId ONE = new ServerId(GAME, "one");
  private static final PlayerInfo EMPTY = new PlayerInfo(0, 10, List.of(), "map", "1.0", "Vik");

  @TempDir Path tmp;
  private MutableClock clock;
  private FakeContainerRuntime runtime;
  private Database db;
  private EventBus bus;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private ServerService servers;
  private GameMonitor monitor;
  private final FakeSleeper sleeper = new FakeSleeper();
  private final List<String> typed = new ArrayList<>();
  private RestartPolicy policy = RestartPolicy.ON_FAILURE;

  /** What the game answers to the next probes. */
  private ProbeRunner.Result answer = ProbeRunner.Result.failed("no answer within 3000 ms");

  @BeforeEach
  void setUp() throws IOException {
    clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    runtime = new FakeContainerRuntime(clock);
    runtime.addImage(IMAGE, Map.of("CONTAINER_TYPE", "test", "VERSION", "1"));
    Path planDir = Files.createDirectories(tmp.resolve("plans").resolve(GAME.value()));
    Files.writeString(
        planDir.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "gametest", "image": "%s"},
         "ports": [[{"PORT": ["27015", "udp"]}, {"QUERY_PORT": ["27016", "udp"]}]],
         "environment": {"SERVER_NAME": "Vik"},
         "game": {"readiness": {"type": "a2s", "port": "QUERY_PORT", "interval": "10s",
                                "grace": "60s", "failures": 3},
                  "say": "say {message}"}}
        """
            .formatted(IMAGE));
    FixedPlanCatalog plans = new FixedPlanCatalog();
    plans.add(planDir);
    db = Database.open(tmp.resolve("data").resolve("peon.db"));
    bus = new EventBus(clock);
    bus.subscribe(0, events::add);
    OrchestratorConfig config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of(
                    "data.dir",
                    tmp.resolve("data").toString(),
                    "plans.source",
                    tmp.resolve("plans").toString()));
    servers = new ServerService(config, db, plans, runtime, b -> true, clock, bus);
    SupervisionSettings supervision =
        new SupervisionSettings() {
          @Override
          public Status status(ServerId id) {
            return new Status(policy, true, true, false, null, null);
          }

          @Override
          public Status change(ServerId id, RestartPolicy restartPolicy, Boolean autostart) {
            throw new UnsupportedOperationException();
          }
        };
    monitor =
        new GameMonitor(
            servers,
            supervision,
            plans,
            db,
            (id, ports, startedAt, spec, withPlayers) -> answer,
            bus,
            clock,
            sleeper,
            (id, line) -> typed.add(line),
            id -> typed.add("backup " + id),
            GameMonitor.Limits.DEFAULTS,
            Runnable::run);
    servers.observePower(monitor.around(PowerObserver.NONE));
    servers.reconcile();
    servers.create(new CreateRequest(GAME, "one", Map.of(), "", false, false));
  }

  @AfterEach
  void tearDown() {
    servers.close();
    db.close();
  }

  /** One tick after the clock moved on. */
  private void after(Duration d) {
    clock.advance(d);
    monitor.tick();
  }

  private void changeSettings(String json) {
    try {
      monitor.changeSettings(ONE, new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private GameState state() {
    return monitor.status(ONE).state();
  }

  private List<Event> events(String type) {
    return events.stream().filter(e -> e.type().equals(type)).toList();
  }

  @Test
  void aRunningGameIsStartingUntilItAnswersThenReadyWithItsPlayers() {
    monitor.tick();
    assertThat(state()).isEqualTo(GameState.STARTING);
    after(Duration.ofSeconds(10));
    assertThat(state()).isEqualTo(GameState.STARTING); // a failure inside the grace
    answer = new ProbeRunner.Result(true, EMPTY, "a2s answered");
    after(Duration.ofSeconds(10));
    assertThat(state()).isEqualTo(GameState.READY);
    assertThat(monitor.status(ONE).readySeconds()).isEqualTo(20);
    assertThat(monitor.summary(ONE).orElseThrow().max()).isEqualTo(10);
    assertThat(events("server.game"))
        .extracting(e -> e.data().get("state"))
        .containsExactly("starting", "ready");
  }

  @Test
  void aGameNeverReadyAfterItsGraceIsUnhealthyButNotRestarted() {
    monitor.tick();
    String startedAt = servers.get(ONE).startedAt().toString();
    for (int i = 0; i < 10; i++) {
      after(Duration.ofSeconds(10));
    }
    assertThat(state()).isEqualTo(GameState.UNHEALTHY);
    assertThat(servers.get(ONE).startedAt().toString()).isEqualTo(startedAt);
    assertThat(monitor.status(ONE).lastRestartReason()).isNull();
    assertThat(events("server.game").getLast().data().get("reason").toString())
        .startsWith("not ready in time: no answer within 3000 ms (3 failed probes)");
  }

  @Test
  void aReadyGameThatStopsAnsweringIsRestartedWithTheReasonRecorded() {
    answer = new ProbeRunner.Result(true, EMPTY, "a2s answered");
    monitor.tick();
    assertThat(state()).isEqualTo(GameState.READY);
    Instant startedAt = servers.get(ONE).startedAt();
    answer = ProbeRunner.Result.failed("no answer within 3000 ms");
    after(Duration.ofSeconds(10));
    after(Duration.ofSeconds(10));
    assertThat(servers.get(ONE).startedAt()).isEqualTo(startedAt); // 2 failures: not yet
    after(Duration.ofSeconds(10));
    assertThat(servers.get(ONE).startedAt()).isAfter(startedAt);
    assertThat(monitor.status(ONE).lastRestartReason())
        .isEqualTo("unhealthy: no answer within 3000 ms (3 failed probes)");
    assertThat(events("server.game.restart")).hasSize(1);
    after(Duration.ofSeconds(1));
    assertThat(state()).isEqualTo(GameState.STARTING); // the new run starts over
  }

  @Test
  void withRestartPolicyNoAFrozenGameIsLeftUnhealthy() {
    policy = RestartPolicy.NO;
    answer = new ProbeRunner.Result(true, EMPTY, "a2s answered");
    monitor.tick();
    Instant startedAt = servers.get(ONE).startedAt();
    answer = ProbeRunner.Result.failed("no answer");
    for (int i = 0; i < 5; i++) {
      after(Duration.ofSeconds(10));
    }
    assertThat(state()).isEqualTo(GameState.UNHEALTHY);
    assertThat(servers.get(ONE).startedAt()).isEqualTo(startedAt);
  }

  @Test
  void playersJoiningAndLeavingArePublishedWithNamesAndKeptInTheHistory() {
    answer = new ProbeRunner.Result(true, EMPTY, "ok");
    monitor.tick();
    answer =
        new ProbeRunner.Result(
            true, new PlayerInfo(2, 10, List.of("alice", "bob"), "m", "v", "n"), "ok");
    after(Duration.ofSeconds(10));
    answer =
        new ProbeRunner.Result(true, new PlayerInfo(1, 10, List.of("bob"), "m", "v", "n"), "ok");
    after(Duration.ofSeconds(10));
    List<Event> changes = events("server.players");
    assertThat(changes).hasSize(3);
    assertThat(changes.get(1).data())
        .containsEntry("online", 2)
        .containsEntry("joined", List.of("alice", "bob"));
    assertThat(changes.get(2).data())
        .containsEntry("online", 1)
        .containsEntry("left", List.of("alice"))
        .containsEntry("previous", 2);
    assertThat(monitor.history(ONE, null).samples())
        .extracting(GameStatus.Sample::online)
        .containsExactly(0, 2, 1);
  }

  @Test
  void anEmptyServerIsWarnedThenStoppedAndSleepsAndAConnectionWakesIt() {
    changeSettings(
        "{\"idle\": {\"after\": \"30m\", \"backup\": true, \"warnings\": [\"5m\", \"1m\"]}}");
    answer = new ProbeRunner.Result(true, EMPTY, "ok");
    monitor.tick(); // ready, nobody online: the idle time starts
    after(Duration.ofMinutes(24));
    assertThat(typed).isEmpty();
    after(Duration.ofMinutes(1)); // 5 min left
    assertThat(typed)
        .containsExactly(
            "say Nobody is playing: the server stops in 5 min (join to keep it running).");
    after(Duration.ofMinutes(4)); // 1 min left
    assertThat(typed).hasSize(2);
    assertThat(servers.get(ONE).running()).isTrue();
    after(Duration.ofMinutes(1));
    assertThat(typed).last().isEqualTo("backup " + ONE);
    assertThat(servers.get(ONE).running()).isFalse();
    assertThat(monitor.status(ONE).lastStopReason()).isEqualTo("stopped: idle 30 min");
    assertThat(monitor.status(ONE).sleeping()).isTrue();
    assertThat(events("server.idle").getLast().data()).containsEntry("stage", "stopped");

    monitor.tick(); // the container is down: its ports are watched
    assertThat(sleeper.targets)
        .singleElement()
        .satisfies(t -> assertThat(t.name()).isEqualTo("Vik"));
    assertThat(sleeper.targets.getFirst().queryPorts()).containsExactly(27016);
    assertThat(sleeper.targets.getFirst().maxPlayers()).isEqualTo(10);

    sleeper.targets.getFirst().handler().wake(ONE, "udp packet from 10.0.0.9 on port 27015");
    assertThat(servers.get(ONE).running()).isTrue();
    assertThat(sleeper.listening(ONE)).isFalse();
    assertThat(monitor.status(ONE).sleeping()).isFalse();
    assertThat(events("server.wake")).hasSize(1);
  }

  @Test
  void playersComingBackCancelTheIdleStop() {
    changeSettings("{\"idle\": {\"after\": \"10m\"}}");
    answer = new ProbeRunner.Result(true, EMPTY, "ok");
    monitor.tick();
    after(Duration.ofMinutes(9));
    answer =
        new ProbeRunner.Result(true, new PlayerInfo(1, 10, List.of("a"), null, null, null), "ok");
    after(Duration.ofMinutes(1));
    answer = new ProbeRunner.Result(true, EMPTY, "ok");
    after(Duration.ofMinutes(1)); // empty again: the idle time starts over from here
    after(Duration.ofMinutes(9));
    assertThat(servers.get(ONE).running()).isTrue();
    after(Duration.ofMinutes(1));
    assertThat(servers.get(ONE).running()).isFalse();
  }

  @Test
  void aStartByHandEndsTheSleepAndAStopByHandIsRecorded() {
    answer = new ProbeRunner.Result(true, EMPTY, "ok");
    monitor.tick();
    monitor.sleepNow(ONE);
    monitor.tick();
    assertThat(sleeper.listening(ONE)).isTrue();
    assertThat(monitor.status(ONE).lastStopReason()).isEqualTo("stopped: asleep by request");
    servers.start(ONE);
    assertThat(sleeper.listening(ONE)).isFalse(); // released before the container started
    assertThat(monitor.status(ONE).sleeping()).isFalse();
    servers.stop(ONE);
    assertThat(monitor.status(ONE).lastStopReason()).isEqualTo("stopped: requested");
    monitor.tick();
    assertThat(sleeper.listening(ONE)).isFalse(); // wake mode idle: a stop by hand does not sleep
  }

  @Test
  void aSleepingServerIsWatchedAgainAfterAnOrchestratorRestart() {
    answer = new ProbeRunner.Result(true, EMPTY, "ok");
    monitor.tick();
    monitor.sleepNow(ONE);
    FakeSleeper next = new FakeSleeper();
    GameMonitor restarted =
        new GameMonitor(
            servers,
            SupervisionSettings.NONE,
            new FixedPlanCatalog(),
            db,
            (id, ports, startedAt, spec, withPlayers) -> answer,
            bus,
            clock,
            next,
            (id, line) -> {},
            id -> {},
            GameMonitor.Limits.DEFAULTS,
            Runnable::run);
    restarted.tick();
    assertThat(next.listening(ONE)).isTrue();
    assertThat(restarted.status(ONE).lastStopReason()).isEqualTo("stopped: asleep by request");
  }

  /** Records what it was asked to watch. */
  private static final class FakeSleeper implements Sleeper {
    final List<Target> targets = new ArrayList<>();
    private final java.util.Set<ServerId> listening = new java.util.HashSet<>();

    @Override
    public void listen(Target target) {
      targets.add(target);
      listening.add(target.id());
    }

    @Override
    public void release(ServerId id) {
      listening.remove(id);
    }

    @Override
    public boolean listening(ServerId id) {
      return listening.contains(id);
    }

    @Override
    public void close() {}
  }
}
