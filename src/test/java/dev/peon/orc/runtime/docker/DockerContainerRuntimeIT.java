package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Ports;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.PortBinding.Protocol;
import dev.peon.orc.runtime.PullProgress;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.RuntimeFailure.Kind;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerContainerRuntimeIT {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String PREFIX = "peon-it-" + RUN + "-";
  private static final Map<String, String> RUN_LABEL = Map.of("peon.test.run", RUN);
  private static final Duration SOON = Duration.ofSeconds(10);

  private static final Queue<String> containers = new ConcurrentLinkedQueue<>();
  private static final Queue<String> networks = new ConcurrentLinkedQueue<>();
  private static final Queue<String> tags = new ConcurrentLinkedQueue<>();

  @TempDir static Path temp;

  private static DockerContainerRuntime runtime;
  private static String image;

  @BeforeAll
  static void connect() {
    TestDocker.closeQuietly(TestDocker.client()); // fails with a clear message without dockerd
    runtime = new DockerContainerRuntime(TestDocker.host());
    image = TestImages.fakeGame();
    // Bind-mounted folders below must be reachable by the container user 1000.
    makeOpen(temp);
  }

  @AfterAll
  static void cleanUp() {
    if (runtime == null) {
      return;
    }
    containers.forEach(runtime::remove);
    networks.forEach(runtime::removeNetwork);
    tags.forEach(TestImages::removeTag);
    runtime.close();
  }

  @Test
  void reportsEngineVersion() {
    assertThat(runtime.engineVersion()).isNotBlank();
  }

  @Test
  void reportsTheEngineAsItsOnlyNode() {
    assertThat(runtime.clustered()).isFalse();
    assertThat(runtime.nodes())
        .singleElement()
        .satisfies(
            node -> {
              assertThat(node.id()).isNotBlank();
              assertThat(node.hostname()).isNotBlank();
              assertThat(node.role()).isEqualTo(dev.peon.orc.runtime.NodeInfo.Role.MANAGER);
              assertThat(node.schedulable()).isTrue();
              assertThat(node.cpus()).isPositive();
              assertThat(node.memoryBytes()).isPositive();
              assertThat(node.engineVersion()).isEqualTo(runtime.engineVersion());
            });
    assertThatThrownBy(
            () ->
                runtime.setNodeAvailability(
                    "any", dev.peon.orc.runtime.NodeInfo.Availability.DRAIN))
        .isInstanceOfSatisfying(
            RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.UNSUPPORTED));
  }

  @Test
  void reportsUnreachableEngine() {
    try (var missing = new DockerContainerRuntime("unix:///tmp/peon-it-" + RUN + "-missing.sock")) {
      assertThatThrownBy(missing::engineVersion)
          .isInstanceOfSatisfying(
              RuntimeFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.ENGINE_UNREACHABLE));
    }
  }

  @Test
  void createsContainerWithPortsEnvMountsLabelsUserAndNetwork() throws IOException {
    String network = ensureTestNetwork("net-create");
    int port = freePort();
    Path config = folder("create-config");
    String name = PREFIX + "create";
    var spec =
        new ContainerSpec(
            name,
            "peon.warcamp.test." + RUN,
            image,
            List.of("PORT=" + port, "SERVER_NAME=Created"),
            List.of(new PortBinding(port, Protocol.TCP), new PortBinding(port, Protocol.UDP)),
            List.of(new BindMount(config.toString(), "/home/steam/config", false)),
            "1000:1000",
            labels("create"),
            network,
            true);

    String id = create(spec);

    ContainerInfo info = runtime.inspect(name).orElseThrow();
    assertThat(info.id()).isEqualTo(id);
    assertThat(info.name()).isEqualTo(name);
    assertThat(info.image()).isEqualTo(image);
    assertThat(info.state()).isEqualTo(ContainerState.CREATED);
    assertThat(info.labels()).containsAllEntriesOf(labels("create"));
    assertThat(info.startedAt()).isNull();
    assertThat(info.exitStatus()).isNull();

    var docker = TestDocker.client();
    try {
      var raw = docker.inspectContainerCmd(name).exec();
      assertThat(raw.getConfig().getHostName()).isEqualTo("peon.warcamp.test." + RUN);
      assertThat(raw.getConfig().getEnv()).contains("PORT=" + port, "SERVER_NAME=Created");
      assertThat(raw.getConfig().getUser()).isEqualTo("1000:1000");
      assertThat(raw.getConfig().getStdinOpen()).isTrue();
      assertThat(raw.getConfig().getAttachStdin()).isTrue();
      assertThat(raw.getConfig().getTty()).isFalse();
      assertThat(raw.getHostConfig().getRestartPolicy().getName()).isIn("", "no");
      // logs are bounded on disk: json-file with the default rotation
      var log = raw.getHostConfig().getLogConfig();
      assertThat(log.getType().getType()).isEqualTo("json-file");
      assertThat(log.getConfig()).containsEntry("max-size", "20m").containsEntry("max-file", "3");
      assertThat(raw.getHostConfig().getBinds())
          .extracting(b -> b.getPath() + ":" + b.getVolume().getPath())
          .containsExactly(config + ":/home/steam/config");
      Map<ExposedPort, Ports.Binding[]> bindings =
          raw.getHostConfig().getPortBindings().getBindings();
      assertThat(bindings.get(ExposedPort.tcp(port))[0].getHostPortSpec())
          .isEqualTo(String.valueOf(port));
      assertThat(bindings.get(ExposedPort.udp(port))[0].getHostPortSpec())
          .isEqualTo(String.valueOf(port));
      assertThat(raw.getNetworkSettings().getNetworks()).containsOnlyKeys(network);
    } finally {
      TestDocker.closeQuietly(docker);
    }
  }

  @Test
  void rotatesContainerLogsAsConfiguredAndStillReadsThemAcrossFiles() throws Exception {
    Path actions = folder("rotate-actions");
    Files.writeString(
        actions.resolve("server_start"),
        "i=0; while [ $i -lt 3000 ]; do echo \"rotate $i padding-padding-padding\"; i=$((i+1));"
            + " done; echo rotated-done; sleep 3600\n");
    String name = PREFIX + "rotate";
    try (var small =
        new DockerContainerRuntime(
            TestDocker.host(), DockerSettings.defaults().withLogRotation("16k", 3))) {
      containers.add(name);
      small.create(
          new ContainerSpec(
              name,
              name,
              image,
              List.of(),
              List.of(),
              List.of(new BindMount(actions.toString(), "/actions", false)),
              "1000:1000",
              labels("rotate"),
              null,
              false));
      var docker = TestDocker.client();
      try {
        var log = docker.inspectContainerCmd(name).exec().getHostConfig().getLogConfig();
        assertThat(log.getType().getType()).isEqualTo("json-file");
        assertThat(log.getConfig()).containsEntry("max-size", "16k").containsEntry("max-file", "3");
      } finally {
        TestDocker.closeQuietly(docker);
      }
      small.start(name);
      Polling.await(
          "the last line",
          SOON,
          () -> {
            var last = small.logs(name, null, 1);
            return !last.isEmpty() && last.getLast().text().equals("rotated-done");
          });
      // 3000 lines of ~60 bytes do not fit three 16 KiB files: the oldest were rotated away,
      // and what is left reads in order across the files
      var all = small.logs(name, null, 0);
      assertThat(all.size()).isLessThan(3000);
      assertThat(all.getLast().text()).isEqualTo("rotated-done");
      assertThat(all.get(all.size() - 2).text()).startsWith("rotate 2999 ");
      var tail = small.logs(name, null, 10);
      assertThat(tail).hasSize(10).isEqualTo(all.subList(all.size() - 10, all.size()));
    }
  }

  @Test
  void cancelsAPullThatMakesNoProgress() throws IOException {
    // a "registry" that accepts connections and never answers
    try (var silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        var impatient =
            new DockerContainerRuntime(
                TestDocker.host(),
                DockerSettings.defaults().withPullStallTimeout(Duration.ofSeconds(2)))) {
      String image = "127.0.0.1:" + silent.getLocalPort() + "/peon/stalled:" + RUN;
      var seen = new CopyOnWriteArrayList<PullProgress>();
      assertThatThrownBy(() -> impatient.pull(image, seen::add))
          .as("progress seen: %s", seen)
          .isInstanceOfSatisfying(
              RuntimeFailure.class,
              f -> {
                assertThat(f.kind()).isEqualTo(Kind.TIMEOUT);
                assertThat(f.getMessage()).contains("no progress").contains("cancelled");
              });
      // the engine is still answering short calls
      assertThat(impatient.engineVersion()).isNotBlank();
    }
  }

  @Test
  void refusesSecondContainerWithSameNameAndUnknownContainers() {
    String name = PREFIX + "twice";
    create(simpleSpec(name, List.of(), List.of()));
    assertFailure(() -> runtime.create(simpleSpec(name, List.of(), List.of())), Kind.CONFLICT);
    assertFailure(() -> runtime.start(PREFIX + "nobody"), Kind.NOT_FOUND);
    assertThat(runtime.inspect(PREFIX + "nobody")).isEmpty();
  }

  @Test
  void runsGameThatWritesStateListensAndGoesOfflineOnStop() throws Exception {
    int port = freePort();
    Path config = folder("game-config");
    Path actions = folder("game-actions");
    Path data = folder("game-data");
    String name = PREFIX + "game";
    create(
        new ContainerSpec(
            name,
            name,
            image,
            List.of("PORT=" + port, "SERVER_NAME=Test World", "SERVER_PASSWORD=hunter2"),
            List.of(new PortBinding(port, Protocol.TCP), new PortBinding(port, Protocol.UDP)),
            List.of(
                new BindMount(config.toString(), "/home/steam/config", false),
                new BindMount(data.toString(), "/home/steam/steamcmd/data", false),
                new BindMount(actions.toString(), "/actions", false)),
            "1000:1000",
            labels("game"),
            null,
            true));

    runtime.start(name);
    runtime.start(name); // already running: no-op

    ContainerInfo running = runtime.inspect(name).orElseThrow();
    assertThat(running.state()).isEqualTo(ContainerState.RUNNING);
    assertThat(running.startedAt()).isNotNull();
    Polling.await("state STARTED", SOON, () -> "STARTED".equals(read(config.resolve("state"))));
    Polling.await("tcp port " + port, SOON, () -> accepts(port));
    assertThat(read(config.resolve("port"))).isEqualTo(String.valueOf(port));
    assertThat(read(config.resolve("server_name"))).isEqualTo("Test World");
    assertThat(read(config.resolve("password"))).isEqualTo("hunter2");
    assertThat(read(config.resolve("ip"))).isNotBlank();
    assertThat(actions.resolve(".update")).exists();

    long before = System.nanoTime();
    runtime.stop(name, Duration.ofSeconds(20));
    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));

    ContainerInfo stopped = runtime.inspect(name).orElseThrow();
    assertThat(stopped.state()).isEqualTo(ContainerState.EXITED);
    assertThat(stopped.exitStatus().code()).isZero();
    assertThat(stopped.exitStatus().oomKilled()).isFalse();
    assertThat(read(config.resolve("state"))).isEqualTo("OFFLINE");
    runtime.stop(name, Duration.ofSeconds(1)); // not running: no-op
  }

  @Test
  void runsServerStartFromActionsAndGoesOfflineWhenItReturns() throws IOException {
    Path config = folder("custom-config");
    Path actions = folder("custom-actions");
    Files.writeString(actions.resolve("server_start"), "echo custom > /home/steam/config/custom\n");
    String name = PREFIX + "custom";
    create(
        new ContainerSpec(
            name,
            name,
            image,
            List.of(),
            List.of(),
            List.of(
                new BindMount(config.toString(), "/home/steam/config", false),
                new BindMount(actions.toString(), "/actions", false)),
            "1000:1000",
            labels("custom"),
            null,
            false));

    runtime.start(name);

    Polling.await(
        "container exit",
        SOON,
        () -> runtime.inspect(name).orElseThrow().state() == ContainerState.EXITED);
    assertThat(runtime.inspect(name).orElseThrow().exitStatus().code()).isZero();
    assertThat(read(config.resolve("custom"))).isEqualTo("custom");
    assertThat(read(config.resolve("state"))).isEqualTo("OFFLINE");
  }

  @Test
  void echoesStdinLinesToStdout() throws Exception {
    String name = PREFIX + "echo";
    create(simpleSpec(name, List.of(), List.of()));
    var docker = TestDocker.client();
    var seen = new CountDownLatch(1);
    var output = new StringBuffer();
    try (var stdin = new PipedOutputStream();
        var containerStdin = new PipedInputStream(stdin)) {
      var attach =
          docker
              .attachContainerCmd(name)
              .withStdIn(containerStdin)
              .withStdOut(true)
              .withFollowStream(true)
              .exec(
                  new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame frame) {
                      output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                      if (output.toString().contains("echo: hello peon")) {
                        seen.countDown();
                      }
                    }
                  });
      attach.awaitStarted(5, TimeUnit.SECONDS);
      runtime.start(name);
      stdin.write("hello peon\n".getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      assertThat(seen.await(10, TimeUnit.SECONDS)).as("output so far: %s", output).isTrue();
      attach.close();
    } finally {
      runtime.kill(name);
      TestDocker.closeQuietly(docker);
    }
  }

  @Test
  void killsAtOnceAndTreatsRepeatsAsNoOps() {
    String name = PREFIX + "kill";
    create(simpleSpec(name, List.of(), List.of()));
    runtime.kill(name); // never started: no-op
    runtime.start(name);

    runtime.kill(name);

    ContainerInfo killed = runtime.inspect(name).orElseThrow();
    assertThat(killed.state()).isEqualTo(ContainerState.EXITED);
    assertThat(killed.exitStatus().code()).isEqualTo(137);
    runtime.kill(name);
    runtime.remove(name);
    runtime.remove(name);
    assertThat(runtime.inspect(name)).isEmpty();
  }

  @Test
  void publishesEventsForStartDieAndDestroy() throws Exception {
    String name = PREFIX + "events";
    var started = new CountDownLatch(1);
    var died = new CountDownLatch(1);
    var destroyed = new CountDownLatch(1);
    var received = new CopyOnWriteArrayList<RuntimeEvent>();
    var errors = new CopyOnWriteArrayList<Throwable>();
    ContainerRuntime.Subscription subscription =
        runtime.events(
            event -> {
              if (!name.equals(event.name())) {
                return;
              }
              received.add(event);
              switch (event.kind()) {
                case START -> started.countDown();
                case DIE -> died.countDown();
                case DESTROY -> destroyed.countDown();
                default -> {}
              }
            },
            errors::add);
    try {
      create(simpleSpec(name, List.of(), List.of()));
      runtime.start(name);
      assertThat(started.await(10, TimeUnit.SECONDS)).as("start event").isTrue();
      runtime.kill(name);
      assertThat(died.await(10, TimeUnit.SECONDS)).as("die event").isTrue();
      runtime.remove(name);
      assertThat(destroyed.await(10, TimeUnit.SECONDS)).as("destroy event").isTrue();
    } finally {
      subscription.close();
    }
    assertThat(received)
        .extracting(RuntimeEvent::kind)
        .contains(
            RuntimeEvent.Kind.CREATE,
            RuntimeEvent.Kind.START,
            RuntimeEvent.Kind.KILL,
            RuntimeEvent.Kind.DIE,
            RuntimeEvent.Kind.DESTROY);
    assertThat(received.get(0).labels()).containsAllEntriesOf(labels("events"));
    assertThat(received.get(0).containerId()).isNotBlank();
    assertThat(errors).as("no error after close()").isEmpty();
  }

  @Test
  void reportsPortInUseWhenAnotherContainerHoldsTheHostPort() {
    int port = freePort();
    var ports = List.of(new PortBinding(port, Protocol.TCP));
    create(simpleSpec(PREFIX + "port-a", ports, List.of()));
    create(simpleSpec(PREFIX + "port-b", ports, List.of()));
    runtime.start(PREFIX + "port-a");

    assertFailure(() -> runtime.start(PREFIX + "port-b"), Kind.PORT_IN_USE);
  }

  @Test
  void reportsPortInUseWhenAHostProcessHoldsThePort() throws IOException {
    try (var holder = new ServerSocket()) {
      holder.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
      var ports = List.of(new PortBinding(holder.getLocalPort(), Protocol.TCP));
      create(simpleSpec(PREFIX + "port-host", ports, List.of()));

      assertFailure(() -> runtime.start(PREFIX + "port-host"), Kind.PORT_IN_USE);
    }
  }

  @Test
  void pullsFromARegistryAndClassifiesPullFailures() throws IOException {
    try (var registry = LocalRegistry.start(temp.resolve("registry"))) {
      String repository = "peon/fakegame-" + RUN;
      String pushed = TestImages.tagAndPush(image, registry, repository, "1");
      tags.add(pushed);
      TestImages.removeTag(pushed);
      assertThat(runtime.inspectImage(pushed)).isEmpty();
      var progress = new CopyOnWriteArrayList<PullProgress>();

      runtime.pull(pushed, progress::add);

      assertThat(runtime.inspectImage(pushed)).isPresent();
      assertThat(progress).isNotEmpty();

      String latest = TestImages.tagAndPush(image, registry, repository, "latest");
      tags.add(latest);
      TestImages.removeTag(latest);
      runtime.pull(registry.address() + "/" + repository, p -> {});
      assertThat(runtime.inspectImage(latest)).isPresent();

      assertFailure(
          () -> runtime.pull(registry.address() + "/" + repository + ":nope", p -> {}),
          Kind.IMAGE_NOT_FOUND);
    }
    int closed = freePort();
    assertFailure(
        () -> runtime.pull("127.0.0.1:" + closed + "/peon/fakegame:1", p -> {}),
        Kind.REGISTRY_UNREACHABLE);
  }

  @Test
  void samplesStatsOfRunningContainersOnly() {
    String name = PREFIX + "stats";
    create(simpleSpec(name, List.of(), List.of()));
    assertThat(runtime.stats(name)).isEmpty();
    runtime.start(name);

    long before = System.nanoTime();
    var sample = runtime.stats(name).orElseThrow();

    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(3));
    assertThat(sample.memoryBytes()).isPositive();
    assertThat(sample.memoryPercent()).isBetween(0.0, 100.0);
    assertThat(sample.cpuPercent()).isGreaterThanOrEqualTo(0.0);
    assertThat(sample.raw()).containsKeys("memory_stats", "cpu_stats");
    assertThat(sample.takenAt()).isNotNull();
    runtime.kill(name);
  }

  @Test
  void managesLabelledNetworksWithSmallSubnets() {
    String network = ensureTestNetwork("net-manage");
    runtime.ensureNetwork(new NetworkSpec(network, "10.0.0.0/28", "10.0.0.1", RUN_LABEL));

    assertThat(runtime.listNetworks(RUN_LABEL)).contains(network);
    var docker = TestDocker.client();
    try {
      var ipam = docker.inspectNetworkCmd().withNetworkId(network).exec().getIpam();
      assertThat(ipam.getConfig().get(0).getSubnet()).endsWith("/28");
    } finally {
      TestDocker.closeQuietly(docker);
    }
    runtime.removeNetwork(network);
    runtime.removeNetwork(network);
    assertThat(runtime.listNetworks(RUN_LABEL)).doesNotContain(network);
  }

  @Test
  void listsStoppedAndRunningContainersByLabels() {
    var only = Map.of("peon.test.run", RUN, "peon.test.case", "list");
    create(simpleSpec(PREFIX + "list-a", List.of(), List.of()));
    create(simpleSpec(PREFIX + "list-b", List.of(), List.of()));
    runtime.start(PREFIX + "list-a");

    assertThat(runtime.list(only))
        .extracting(ContainerInfo::name, ContainerInfo::state)
        .containsExactlyInAnyOrder(
            tuple(PREFIX + "list-a", ContainerState.RUNNING),
            tuple(PREFIX + "list-b", ContainerState.CREATED));
    runtime.kill(PREFIX + "list-a");
  }

  @Test
  void readsImageEnvironment() {
    var info = runtime.inspectImage(image).orElseThrow();
    assertThat(info.id()).startsWith("sha256:");
    assertThat(info.env())
        .containsEntry("CONTAINER_TYPE", "peon-test/fakegame")
        .containsEntry("VERSION", "1.2.3");
    assertThat(runtime.inspectImage("peon-test/absent:" + RUN)).isEmpty();
  }

  private static String create(ContainerSpec spec) {
    containers.add(spec.name());
    return runtime.create(spec);
  }

  private static ContainerSpec simpleSpec(
      String name, List<PortBinding> ports, List<BindMount> mounts) {
    String testCase = name.substring(PREFIX.length()).replaceAll("-.*", "");
    return new ContainerSpec(
        name, name, image, List.of(), ports, mounts, "1000:1000", labels(testCase), null, true);
  }

  private static Map<String, String> labels(String testCase) {
    return Map.of("peon.test.run", RUN, "peon.test.case", testCase);
  }

  /** A labelled network with a random /28, retried when the subnet overlaps an existing one. */
  private static String ensureTestNetwork(String suffix) {
    String name = PREFIX + suffix;
    var failures = new ArrayList<RuntimeFailure>();
    for (int attempt = 0; attempt < 5; attempt++) {
      var random = ThreadLocalRandom.current();
      String prefix = "10.231." + random.nextInt(256) + ".";
      int first = random.nextInt(16) * 16;
      String subnet = prefix + first + "/28";
      String gateway = prefix + (first + 1);
      try {
        networks.add(name);
        runtime.ensureNetwork(new NetworkSpec(name, subnet, gateway, RUN_LABEL));
        return name;
      } catch (RuntimeFailure e) {
        failures.add(e);
      }
    }
    throw new AssertionError("no free /28 found: " + failures);
  }

  private static void assertFailure(Runnable action, Kind kind) {
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(
            RuntimeFailure.class, f -> assertThat(f.kind()).as(f.getMessage()).isEqualTo(kind));
  }

  private static Path folder(String name) throws IOException {
    Path folder = Files.createDirectories(temp.resolve(name));
    makeOpen(folder);
    return folder;
  }

  /** Container user 1000 writes into folders the (root) test JVM created. */
  private static void makeOpen(Path folder) {
    try {
      Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file).strip() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean accepts(int port) {
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try {
      return LocalRegistry.freePort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
