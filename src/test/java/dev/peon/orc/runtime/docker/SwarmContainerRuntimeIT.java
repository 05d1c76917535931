package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import dev.peon.orc.game.FakeQueryImage;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.Hardening;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.PortBinding.Protocol;
import dev.peon.orc.runtime.ResourceLimits;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.RuntimeFailure.Kind;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.SwarmCluster;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SwarmContainerRuntime} against a real 3-node Swarm ({@link SwarmCluster}): node 0 the
 * manager, nodes 1 and 2 workers, every node with its engine and address labels.
 */
class SwarmContainerRuntimeIT {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Map<String, String> RUN_LABEL = Map.of("peon.test.run", RUN);
  private static final Duration SOON = Duration.ofSeconds(30);

  private static final Queue<String> services = new ConcurrentLinkedQueue<>();
  private static final Queue<String> networks = new ConcurrentLinkedQueue<>();

  @TempDir static Path temp;

  private static SwarmCluster cluster;
  private static SwarmContainerRuntime runtime;
  private static String game;
  private static String query;

  @BeforeAll
  static void startCluster() throws Exception {
    game = TestImages.fakeGame();
    query = FakeQueryImage.build();
    try {
      cluster = SwarmCluster.start(3, temp.resolve("cluster"));
    } catch (SwarmCluster.Unavailable e) {
      Assumptions.abort("no Swarm test cluster on this machine: " + e.getMessage());
    }
    cluster.loadImages(game, query);
    runtime = new SwarmContainerRuntime(cluster.managerHost());
    makeOpen(temp);
  }

  @AfterAll
  static void tearDown() {
    try {
      if (runtime != null) {
        services.forEach(runtime::remove);
        networks.forEach(runtime::removeNetwork);
        runtime.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void nodesAreTheClusterMembersWithRolesAddressesAndEngines() {
    assertThat(runtime.clustered()).isTrue();
    assertThat(runtime.engineVersion()).isNotBlank();
    List<NodeInfo> nodes = runtime.nodes();
    assertThat(nodes).hasSize(3);
    for (int i = 0; i < 3; i++) {
      String id = cluster.nodeId(i);
      NodeInfo node = nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
      assertThat(node.role()).isEqualTo(i == 0 ? NodeInfo.Role.MANAGER : NodeInfo.Role.WORKER);
      assertThat(node.status()).isEqualTo(NodeInfo.Status.READY);
      assertThat(node.availability()).isEqualTo(NodeInfo.Availability.ACTIVE);
      assertThat(node.address()).isEqualTo(cluster.nodeAddress(i));
      assertThat(node.publicAddress()).isEqualTo(cluster.nodeAddress(i));
      assertThat(node.labels()).containsEntry(NodeInfo.ENGINE_LABEL, cluster.nodeHost(i));
      assertThat(node.cpus()).isPositive();
      assertThat(node.memoryBytes()).isPositive();
      assertThat(node.engineVersion()).isNotBlank();
    }
  }

  @Test
  void drainsAndReactivatesANodeAndRefusesUnknownOnes() {
    String worker = cluster.nodeId(2);
    try {
      runtime.setNodeAvailability(worker, NodeInfo.Availability.DRAIN);
      assertThat(availabilityOf(worker)).isEqualTo(NodeInfo.Availability.DRAIN);
    } finally {
      runtime.setNodeAvailability(worker, NodeInfo.Availability.ACTIVE);
    }
    assertThat(availabilityOf(worker)).isEqualTo(NodeInfo.Availability.ACTIVE);
    assertThatThrownBy(
            () ->
                runtime.setNodeAvailability(
                    "nosuchnode0000000000000000", NodeInfo.Availability.DRAIN))
        .isInstanceOfSatisfying(
            RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.NOT_FOUND));
    assertThatThrownBy(() -> runtime.setNodeAvailability("node.id!=x", NodeInfo.Availability.DRAIN))
        .isInstanceOfSatisfying(
            RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.NOT_FOUND));
  }

  private static NodeInfo.Availability availabilityOf(String id) {
    return runtime.nodes().stream()
        .filter(n -> n.id().equals(id))
        .findFirst()
        .orElseThrow()
        .availability();
  }

  @Test
  void runsAGameServerPinnedToAWorkerThroughItsWholeLife() throws Exception {
    String worker = cluster.nodeId(1);
    String network = "peon-it-" + RUN + "-net";
    networks.add(network);
    runtime.ensureNetwork(
        new NetworkSpec(
            network,
            "10.251." + (ThreadLocalRandom.current().nextInt(200) + 20) + ".0/24",
            null,
            RUN_LABEL));
    runtime.ensureNetwork(new NetworkSpec(network, null, null, RUN_LABEL)); // exists: no-op
    assertThat(runtime.networkLabels(network)).contains(RUN_LABEL);
    assertThat(runtime.listNetworks(RUN_LABEL)).contains(network);

    List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    List<Throwable> dropped = new CopyOnWriteArrayList<>();
    String name = "peon-it." + RUN + ".life";
    Path data = folder("life-data");
    int port = freePort();
    try (ContainerRuntime.Subscription sub = runtime.events(RUN_LABEL, events::add, dropped::add)) {
      var spec =
          new ContainerSpec(
                  name,
                  "life",
                  query,
                  List.of("QUERY_PORT=" + port, "DATA=/data"),
                  List.of(new PortBinding(port, Protocol.UDP)),
                  List.of(new BindMount(data.toString(), "/data", false)),
                  "1000:1000",
                  labels("life"),
                  network,
                  true,
                  new ResourceLimits(256L * 1024 * 1024, 0, 0),
                  Hardening.GAME)
              .withNode(worker);
      create(spec);
      assertThat(runtime.inspect(name))
          .get()
          .satisfies(
              info -> {
                assertThat(info.state()).isEqualTo(ContainerState.CREATED);
                assertThat(info.name()).isEqualTo(name);
                assertThat(info.image()).isEqualTo(query);
                assertThat(info.node()).isEqualTo(worker);
                assertThat(info.labels()).containsAllEntriesOf(labels("life"));
              });
      assertThatThrownBy(() -> runtime.create(spec))
          .isInstanceOfSatisfying(
              RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.CONFLICT));

      runtime.start(name);
      ContainerInfo running = runtime.inspect(name).orElseThrow();
      assertThat(running.state()).isEqualTo(ContainerState.RUNNING);
      assertThat(running.node()).isEqualTo(worker);
      assertThat(running.startedAt()).isNotNull();
      assertThat(runtime.list(RUN_LABEL)).extracting(ContainerInfo::name).contains(name);
      runtime.start(name); // running: no-op
      assertThat(runtime.inspect(name).orElseThrow().startedAt()).isEqualTo(running.startedAt());

      // the game answers on the worker's address, over UDP, through the host-mode port
      assertThat(a2sReply(cluster.nodeAddress(1), port)).startsWith("ffffffff");
      // the task's container carries our labels and its hardening, on the worker's own engine
      DockerClient node = DockerClients.open(cluster.nodeHost(1));
      try {
        var containers = node.listContainersCmd().withLabelFilter(labels("life")).exec();
        assertThat(containers).hasSize(1);
        var host = node.inspectContainerCmd(containers.get(0).getId()).exec().getHostConfig();
        assertThat(host.getMemory()).isEqualTo(256L * 1024 * 1024);
        assertThat(host.getInit()).isTrue();
        assertThat(host.getCapDrop()).isNotNull();
      } finally {
        TestDocker.closeQuietly(node);
      }

      // console: the output through the manager, input through the worker's engine
      List<LogLine> followed = new CopyOnWriteArrayList<>();
      try (var follow = runtime.followLogs(name, null, followed::add, e -> {})) {
        Await.until(
            SOON, () -> followed.stream().anyMatch(l -> l.text().startsWith("fakequery starting")));
        try (var stdin = runtime.openStdin(name)) {
          stdin.writeLine("hello swarm");
          Await.until(
              SOON, () -> followed.stream().anyMatch(l -> l.text().equals("console: hello swarm")));
        }
      }
      Await.until(
          SOON,
          () ->
              runtime.logs(name, null, 0).stream()
                  .anyMatch(l -> l.text().equals("console: hello swarm")));
      assertThat(runtime.logs(name, null, 1)).hasSize(1);

      assertThat(runtime.stats(name))
          .get()
          .satisfies(s -> assertThat(s.memoryBytes()).isPositive());

      runtime.pause(name);
      assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.PAUSED);
      assertThat(runtime.inspect(name).orElseThrow().startedAt()).isEqualTo(running.startedAt());
      runtime.unpause(name);
      assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
      assertThat(a2sReply(cluster.nodeAddress(1), port)).startsWith("ffffffff");

      Await.until(SOON, () -> kinds(events, name).contains(RuntimeEvent.Kind.START));
      var followEnded = new java.util.concurrent.CompletableFuture<Throwable>();
      var lastLines = new CopyOnWriteArrayList<LogLine>();
      var following = runtime.followLogs(name, null, lastLines::add, followEnded::complete);
      runtime.stop(name, Duration.ofSeconds(10));
      // as on one engine: the follow ends (null: the server stopped) after the game's last words
      assertThat(followEnded.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNull();
      assertThat(lastLines).anyMatch(l -> l.text().equals("fakequery stopping"));
      following.close();
      ContainerInfo stopped = runtime.inspect(name).orElseThrow();
      assertThat(stopped.state()).isEqualTo(ContainerState.EXITED);
      assertThat(stopped.node()).isEqualTo(worker);
      assertThat(runtime.stats(name)).isEmpty();
      runtime.stop(name, Duration.ofSeconds(10)); // stopped: no-op
      Await.until(SOON, () -> kinds(events, name).contains(RuntimeEvent.Kind.DIE));

      // a second run, killed
      runtime.start(name);
      assertThat(runtime.inspect(name).orElseThrow().startedAt()).isAfter(running.startedAt());
      runtime.kill(name);
      assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.EXITED);

      runtime.remove(name);
      assertThat(runtime.inspect(name)).isEmpty();
      runtime.remove(name); // gone: no-op
      Await.until(SOON, () -> kinds(events, name).contains(RuntimeEvent.Kind.DESTROY));
      assertThat(dropped).isEmpty();
    }
  }

  @Test
  void drainingANodeStopsItsServersAndRefusesToStartThemThereUntilItIsActiveAgain() {
    String worker = cluster.nodeId(2);
    String name = "peon-it." + RUN + ".drain";
    create(
        new ContainerSpec(
                name,
                null,
                query,
                List.of(),
                List.of(),
                List.of(),
                null,
                labels("drain"),
                null,
                false)
            .withNode(worker));
    runtime.start(name);
    try {
      runtime.setNodeAvailability(worker, NodeInfo.Availability.DRAIN);
      Await.until(SOON, () -> runtime.inspect(name).orElseThrow().state() == ContainerState.EXITED);
      assertThatThrownBy(() -> runtime.start(name))
          .isInstanceOfSatisfying(
              RuntimeFailure.class,
              f -> {
                assertThat(f.kind()).isEqualTo(Kind.OTHER);
                assertThat(f.getMessage()).contains("no suitable node");
              });
    } finally {
      runtime.setNodeAvailability(worker, NodeInfo.Availability.ACTIVE);
    }
    runtime.start(name);
    assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
    runtime.remove(name);
  }

  @Test
  void refusesToStartASecondServerOnAHostPortTakenOnItsNode() throws IOException {
    String worker = cluster.nodeId(2);
    int port = freePort();
    String first = "peon-it." + RUN + ".port-a";
    String second = "peon-it." + RUN + ".port-b";
    for (String name : List.of(first, second)) {
      create(
          new ContainerSpec(
                  name,
                  null,
                  query,
                  List.of("QUERY_PORT=" + port),
                  List.of(new PortBinding(port, Protocol.UDP)),
                  List.of(),
                  null,
                  labels("port"),
                  null,
                  false)
              .withNode(worker));
    }
    runtime.start(first);
    assertThatThrownBy(() -> runtime.start(second))
        .isInstanceOfSatisfying(
            RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.PORT_IN_USE));
    assertThat(runtime.inspect(second).orElseThrow().state()).isEqualTo(ContainerState.CREATED);
    assertThat(runtime.inspect(first).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
    runtime.stop(first, Duration.ofSeconds(5));
    runtime.start(second); // the port is free again
    assertThat(runtime.inspect(second).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
    runtime.kill(second);
  }

  @Test
  void answersNotFoundForUnknownServers() {
    assertThatThrownBy(() -> runtime.stats("peon-it." + RUN + ".missing"))
        .isInstanceOfSatisfying(
            RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.NOT_FOUND));
    assertThat(runtime.inspect("peon-it." + RUN + ".missing")).isEmpty();
  }

  @Test
  void reportsACrashAsADeathWithItsExitCode() throws IOException {
    String name = "peon-it." + RUN + ".crash";
    create(
        new ContainerSpec(
                name,
                null,
                query,
                List.of(),
                List.of(),
                List.of(),
                null,
                labels("crash"),
                null,
                false)
            .withNode(cluster.nodeId(1)));
    List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    try (ContainerRuntime.Subscription sub =
        runtime.events(labels("crash"), events::add, e -> {})) {
      runtime.start(name);
      Await.until(SOON, () -> kinds(events, name).contains(RuntimeEvent.Kind.START));
      // the process dies behind the orchestrator's back: Swarm must not restart it
      DockerClient node = DockerClients.open(cluster.nodeHost(1));
      try {
        var container = node.listContainersCmd().withLabelFilter(labels("crash")).exec().get(0);
        node.killContainerCmd(container.getId()).exec();
      } finally {
        TestDocker.closeQuietly(node);
      }
      Await.until(SOON, () -> kinds(events, name).contains(RuntimeEvent.Kind.DIE));
      ContainerInfo crashed = runtime.inspect(name).orElseThrow();
      assertThat(crashed.state()).isEqualTo(ContainerState.EXITED);
      assertThat(crashed.exitStatus().code()).isEqualTo(137);
      assertThat(kinds(events, name)).containsOnlyOnce(RuntimeEvent.Kind.START);
      runtime.start(name); // a start by hand after a crash runs a new task
      assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
      // the log holds both runs; a tail is the newest lines over both, in time order
      Await.until(
          SOON,
          () ->
              runtime.logs(name, null, 0).stream()
                      .filter(l -> l.text().startsWith("fakequery starting"))
                      .count()
                  == 2);
      List<LogLine> all = new java.util.ArrayList<>(runtime.logs(name, null, 0));
      all.sort(java.util.Comparator.comparing(LogLine::time));
      List<LogLine> tail = runtime.logs(name, null, 2);
      assertThat(tail).hasSize(2).isEqualTo(all.subList(all.size() - 2, all.size()));
      runtime.remove(name); // forced: the running task goes at once
      assertThat(runtime.inspect(name)).isEmpty();
    }
  }

  @Test
  void failsWithImageNotFoundWhenTheNodeLacksTheImage() {
    String name = "peon-it." + RUN + ".noimage";
    create(
        new ContainerSpec(
                name,
                null,
                "peon-test/absent:" + RUN,
                List.of(),
                List.of(),
                List.of(),
                null,
                labels("noimage"),
                null,
                false)
            .withNode(cluster.nodeId(1)));
    assertThatThrownBy(() -> runtime.start(name))
        .isInstanceOfSatisfying(
            RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.IMAGE_NOT_FOUND));
    assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.CREATED);
  }

  @Test
  void pullsOnEveryNodeAndNamesTheNodeThatFailed() {
    List<dev.peon.orc.runtime.PullProgress> progress = new CopyOnWriteArrayList<>();
    assertThatThrownBy(() -> runtime.pull("127.0.0.1:9/peon-test/none:1", progress::add))
        .isInstanceOfSatisfying(
            RuntimeFailure.class,
            f -> {
              assertThat(f.kind()).isEqualTo(Kind.REGISTRY_UNREACHABLE);
              assertThat(f.getMessage()).startsWith("pull on ");
            });
  }

  @Test
  void withoutItsNodeEngineAServerStillStopsAndTheRestIsUnsupported() {
    String worker = cluster.nodeId(2);
    String name = "peon-it." + RUN + ".noengine";
    DockerClient manager = DockerClients.open(cluster.managerHost());
    Map<String, String> labels = nodeLabels(manager, worker);
    try {
      var without = new java.util.HashMap<>(labels);
      without.remove(NodeInfo.ENGINE_LABEL);
      setNodeLabels(manager, worker, without);
      create(
          new ContainerSpec(
                  name,
                  null,
                  query,
                  List.of(),
                  List.of(),
                  List.of(),
                  null,
                  labels("noengine"),
                  null,
                  true)
              .withNode(worker));
      runtime.start(name);
      for (var call :
          List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
              () -> runtime.stats(name),
              () -> runtime.openStdin(name),
              () -> runtime.pause(name))) {
        assertThatThrownBy(call)
            .isInstanceOfSatisfying(
                RuntimeFailure.class,
                f -> {
                  assertThat(f.kind()).isEqualTo(Kind.UNSUPPORTED);
                  assertThat(f.getMessage()).contains(NodeInfo.ENGINE_LABEL);
                });
      }
      runtime.stop(name, Duration.ofSeconds(5));
      assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.EXITED);
      runtime.start(name);
      runtime.kill(name);
      assertThat(runtime.inspect(name).orElseThrow().state()).isEqualTo(ContainerState.EXITED);
    } finally {
      setNodeLabels(manager, worker, labels);
      TestDocker.closeQuietly(manager);
    }
  }

  private static Map<String, String> nodeLabels(DockerClient manager, String nodeId) {
    return Map.copyOf(NodeEngines.node(manager, nodeId).getSpec().getLabels());
  }

  private static void setNodeLabels(
      DockerClient manager, String nodeId, Map<String, String> labels) {
    var node = NodeEngines.node(manager, nodeId);
    manager
        .updateSwarmNodeCmd()
        .withSwarmNodeId(nodeId)
        .withVersion(node.getVersion().getIndex())
        .withSwarmNodeSpec(node.getSpec().withLabels(labels))
        .exec();
  }

  // ------------------------------------------------------------ helpers

  private static void create(ContainerSpec spec) {
    services.add(spec.name());
    runtime.create(spec);
  }

  private static Map<String, String> labels(String test) {
    return Map.of("peon.test.run", RUN, "peon.test.case", test);
  }

  private static List<RuntimeEvent.Kind> kinds(List<RuntimeEvent> events, String name) {
    return events.stream().filter(e -> name.equals(e.name())).map(RuntimeEvent::kind).toList();
  }

  /** Sends A2S_INFO and returns the reply's first bytes in hex ({@code ffffffff...}). */
  private static String a2sReply(String address, int port) throws IOException {
    byte[] request = new byte[25];
    System.arraycopy(new byte[] {-1, -1, -1, -1, 0x54}, 0, request, 0, 5);
    byte[] text = "Source Engine Query".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, request, 5, text.length);
    try (var socket = new DatagramSocket()) {
      socket.setSoTimeout(1000);
      var target = new InetSocketAddress(address, port);
      for (int attempt = 0; attempt < 20; attempt++) {
        socket.send(new DatagramPacket(request, request.length, target));
        var reply = new DatagramPacket(new byte[1400], 1400);
        try {
          socket.receive(reply);
          var hex = new StringBuilder();
          for (int i = 0; i < Math.min(5, reply.getLength()); i++) {
            hex.append(String.format("%02x", reply.getData()[i]));
          }
          return hex.toString();
        } catch (SocketTimeoutException e) {
          // the game may still be binding its port; ask again
        }
      }
    }
    return "";
  }

  private static int freePort() {
    return 30000 + ThreadLocalRandom.current().nextInt(20000);
  }

  private static Path folder(String name) throws IOException {
    Path dir = Files.createDirectories(temp.resolve(name));
    makeOpen(dir);
    return dir;
  }

  private static void makeOpen(Path dir) {
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
