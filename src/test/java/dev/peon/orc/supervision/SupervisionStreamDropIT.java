package dev.peon.orc.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PlanParser;
import dev.peon.orc.plan.RegistryEntry;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.server.CreateRequest;
import dev.peon.orc.server.HostPorts;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.Await;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A dockerd restart as the orchestrator sees it, on the real engine: the event stream drops and
 * stays unavailable for a while, the containers are stopped meanwhile, then the stream comes back.
 * The shared dockerd is not restarted: a wrapper runtime cuts the event stream (and refuses new
 * subscriptions while "down") and the test stops the container directly, behind the orchestrator's
 * back, as dockerd does on its way down.
 */
class SupervisionStreamDropIT {
  private static final PlanId GAME = new PlanId("supdrop");
  private static final ServerId ID = new ServerId(GAME, "one");

  private Path root;
  private DockerContainerRuntime docker;
  private StreamCutter cutter;
  private Database db;
  private EventBus bus;
  private EventQueue events;
  private ServerService servers;
  private Supervisor supervisor;

  /** Passes every call to the real runtime, but lets the test cut the event stream. */
  private static final class StreamCutter {
    volatile boolean down;
    volatile Consumer<Throwable> onError;
    volatile ContainerRuntime.Subscription real;

    ContainerRuntime wrap(ContainerRuntime target) {
      return (ContainerRuntime)
          Proxy.newProxyInstance(
              ContainerRuntime.class.getClassLoader(),
              new Class<?>[] {ContainerRuntime.class},
              (proxy, method, args) -> {
                if (method.getName().equals("events")) {
                  return subscribe(target, args);
                }
                try {
                  return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    @SuppressWarnings("unchecked")
    private ContainerRuntime.Subscription subscribe(ContainerRuntime target, Object[] args) {
      if (down) {
        throw new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "engine restarting");
      }
      // events(listener, onError) or events(labels, listener, onError)
      int at = args.length == 3 ? 1 : 0;
      Consumer<RuntimeEvent> listener = (Consumer<RuntimeEvent>) args[at];
      onError = (Consumer<Throwable>) args[at + 1];
      Consumer<RuntimeEvent> filtered = e -> deliverUnlessDown(listener, e);
      real =
          args.length == 3
              ? target.events((java.util.Map<String, String>) args[0], filtered, onError)
              : target.events(filtered, onError);
      return () -> real.close();
    }

    private void deliverUnlessDown(Consumer<RuntimeEvent> listener, RuntimeEvent e) {
      if (!down) {
        listener.accept(e);
      }
    }

    /** The engine goes away: the stream ends with an error and cannot be reopened. */
    void cut() {
      down = true;
      real.close();
      onError.accept(new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "stream ended"));
    }

    void restore() {
      down = false;
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createTempDirectory("peon-sup-drop-it");
    Path planDir = Files.createDirectories(root.resolve("plans").resolve(GAME.value()));
    Files.writeString(
        planDir.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "supdrop", "image": "%s"},
         "ports": [],
         "environment": {"SERVER_NAME": "drop"},
         "volumes": {"~!/config": "/home/steam/config"}}
        """
            .formatted(TestImages.fakeGame()));
    Plan plan = new PlanParser().parse(planDir);
    PlanCatalog plans =
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
    OrchestratorConfig config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of(
                    "data.dir",
                    root.resolve("data").toString(),
                    "plans.source",
                    root.resolve("plans").toString(),
                    "stop.timeout",
                    "5s",
                    "network.subnet.pool",
                    "10.232.0.0/22",
                    "docker.host",
                    TestDocker.host()));
    docker = new DockerContainerRuntime(TestDocker.host());
    cutter = new StreamCutter();
    db = Database.open(root.resolve("data").resolve("peon.db"));
    bus = new EventBus(Clock.systemUTC());
    events = new EventQueue(bus);
    servers =
        new ServerService(
            config, db, plans, cutter.wrap(docker), HostPorts.probing(), Clock.systemUTC(), bus);
    supervisor =
        new Supervisor(
            servers,
            db,
            bus,
            Clock.systemUTC(),
            DelayedTasks.onVirtualThreads(),
            new Supervisor.Limits(
                Duration.ofSeconds(1), Duration.ofSeconds(2), 5, Duration.ofMinutes(10), 2));
    servers.reconcile();
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      supervisor.close();
      servers.close();
      db.close();
    } finally {
      for (ContainerInfo c : docker.list(Map.of("dev.peon.game", GAME.value()))) {
        docker.remove(c.name());
      }
      for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
        if (n.startsWith(GAME.value() + "_")) {
          docker.removeNetwork(n);
        }
      }
      docker.close();
      FileTrees.deleteTree(root);
    }
  }

  @Test
  void aContainerFoundStoppedAfterTheEventStreamCameBackIsACrashAndIsRestarted() {
    servers.create(new CreateRequest(GAME, ID.name(), Map.of(), "", false, false));
    Instant firstStart = docker.inspect(ID.containerName()).orElseThrow().startedAt();
    assertThat(servers.get(ID).running()).isTrue();

    cutter.cut();
    docker.stop(ID.containerName(), Duration.ofSeconds(5)); // dockerd stops it: SIGTERM, exit 0
    assertThat(docker.inspect(ID.containerName()).orElseThrow().state())
        .isEqualTo(ContainerState.EXITED);
    assertThat(servers.get(ID).running()).isTrue(); // the orchestrator has not seen it yet
    cutter.restore();

    Event crash = events.next("server.crashed");
    assertThat(crash.data())
        .containsEntry("detectedBy", "resync")
        .containsEntry("exitCode", 0L)
        .containsEntry("restartPolicy", "on-failure")
        .containsEntry("restartInSeconds", 1L);
    Await.until(
        Duration.ofSeconds(30),
        () ->
            docker
                .inspect(ID.containerName())
                .map(c -> c.state() == ContainerState.RUNNING && c.startedAt().isAfter(firstStart))
                .orElse(false));
    Await.until(Duration.ofSeconds(10), () -> servers.get(ID).running());
    assertThat(supervisor.status(ID).lastCrash().exitCode()).isZero();
    assertThat(supervisor.status(ID).desiredRunning()).isTrue();
  }
}
