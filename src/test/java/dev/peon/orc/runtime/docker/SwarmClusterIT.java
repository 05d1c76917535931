package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.EndpointSpec;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.PortConfigProtocol;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeState;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TaskState;
import dev.peon.orc.game.FakeQueryImage;
import dev.peon.orc.testing.Commands;
import dev.peon.orc.testing.SwarmCluster;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves the {@link SwarmCluster} harness: three namespaced dockerds form a Swarm, a service pinned
 * to a worker answers UDP on the worker's address, writes to a bind-mounted host folder and logs
 * through the manager; a killed worker is reported down; and nothing is left behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmClusterIT {
  private static final Logger LOG = LoggerFactory.getLogger(SwarmClusterIT.class);
  private static final int QUERY_PORT = 27015;
  private static final Duration SOON = Duration.ofSeconds(60);

  @TempDir static Path temp;
  private static SwarmCluster cluster;
  private static DockerClient manager;
  private static String image;

  @BeforeAll
  static void startCluster() throws Exception {
    SwarmCluster.cleanupLeftovers();
    image = probeImage();
    long started = System.nanoTime();
    cluster = SwarmCluster.start(3, temp.resolve("swarm"));
    LOG.atInfo()
        .addKeyValue("millis", (System.nanoTime() - started) / 1_000_000)
        .log("swarm cluster started");
    started = System.nanoTime();
    cluster.loadImages(image);
    LOG.atInfo()
        .addKeyValue("millis", (System.nanoTime() - started) / 1_000_000)
        .log("image loaded on every node");
    manager = DockerClients.open(cluster.managerHost());
  }

  @AfterAll
  static void tearDown() {
    if (manager != null) {
      TestDocker.closeQuietly(manager);
    }
    if (cluster == null) {
      return;
    }
    String name = cluster.name();
    Path root = temp.resolve("swarm").resolve(name);
    long started = System.nanoTime();
    cluster.close();
    LOG.atInfo()
        .addKeyValue("millis", (System.nanoTime() - started) / 1_000_000)
        .log("swarm cluster torn down");

    assertThat(Commands.run(Duration.ofSeconds(20), "ip", "netns", "list").output())
        .doesNotContain(name);
    assertThat(Commands.run(Duration.ofSeconds(20), "ip", "-o", "link", "show").output())
        .doesNotContain(name);
    assertThat(Commands.run(Duration.ofSeconds(20), "iptables", "-S").output())
        .doesNotContain(name);
    assertThat(Commands.run(Duration.ofSeconds(20), "ps", "-eo", "args").output())
        .doesNotContain(root.toString());
    assertThat(root).doesNotExist();
    assertThat(Path.of("/run/peon-swarm", name)).doesNotExist();
  }

  @Test
  @Order(1)
  void threeNodesAreReadyAndLabelledWithTheirEngineAndAddress() {
    List<SwarmNode> nodes = manager.listSwarmNodesCmd().exec();

    assertThat(nodes).hasSize(3);
    for (int i = 0; i < 3; i++) {
      SwarmNode node = node(cluster.nodeId(i));
      assertThat(node.getStatus().getState()).isEqualTo(SwarmNodeState.READY);
      assertThat(node.getDescription().getHostname()).isEqualTo("node" + i);
      assertThat(node.getSpec().getLabels())
          .containsEntry("dev.peon.engine", cluster.nodeHost(i))
          .containsEntry("dev.peon.address", cluster.nodeAddress(i));
      assertThat(node.getStatus().getAddress()).isEqualTo(cluster.nodeAddress(i));
    }
    assertThat(node(cluster.nodeId(0)).getManagerStatus()).isNotNull();
    assertThat(node(cluster.nodeId(1)).getManagerStatus()).isNull();
  }

  @Test
  @Order(2)
  void imagesAreLoadedOnEveryNode() {
    for (int i = 0; i < 3; i++) {
      DockerClient engine = DockerClients.open(cluster.nodeHost(i));
      try {
        assertThat(engine.inspectImageCmd(image).exec().getId()).isNotBlank();
      } finally {
        TestDocker.closeQuietly(engine);
      }
    }
  }

  @Test
  @Order(3)
  void aServicePinnedToAWorkerAnswersUdpWritesItsBindMountAndLogsThroughTheManager()
      throws Exception {
    Path shared = sharedFolder("shared");
    String worker = cluster.nodeId(1);
    String service = createProbe("swarm-it-probe", 1, shared);

    Task task = awaitRunning(service);
    assertThat(task.getNodeId()).isEqualTo(worker);

    byte[] reply = query(cluster.nodeAddress(1), QUERY_PORT);
    assertThat(Arrays.copyOf(reply, 4)).containsOnly((byte) 0xFF);

    Polling.await("the file the task wrote", SOON, () -> Files.exists(shared.resolve("hello")));
    assertThat(Files.readString(shared.resolve("hello"))).isEqualTo("written-by-task\n");

    Polling.await(
        "the task's log through the manager",
        SOON,
        () -> serviceLog(service).contains("probe-started"));

    manager.removeServiceCmd(service).exec();
  }

  @Test
  @Order(4)
  void aKilledWorkerIsReportedDownByTheManagerAndItsContainersAreGone() throws Exception {
    String worker = cluster.nodeId(2);
    String service = createProbe("swarm-it-victim", 2, sharedFolder("victim"));
    String container = awaitRunning(service).getStatus().getContainerStatus().getContainerID();
    assertThat(processesOf(container)).isNotEmpty();

    cluster.killNode(2);

    assertThat(processesOf(container)).isEmpty();
    Polling.await(
        "node 2 reported down",
        SOON,
        () -> node(worker).getStatus().getState() == SwarmNodeState.DOWN);
    assertThat(node(cluster.nodeId(1)).getStatus().getState()).isEqualTo(SwarmNodeState.READY);
  }

  private static Path sharedFolder(String name) throws Exception {
    Path shared = Files.createDirectories(temp.resolve(name));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    return shared;
  }

  /**
   * A service like the Swarm runtime makes for a game server: one replica pinned to a node by id,
   * no restart, its UDP query port published in host mode, a host folder bind-mounted.
   */
  private static String createProbe(String name, int nodeIndex, Path shared) {
    String node = cluster.nodeId(nodeIndex);
    return manager
        .createServiceCmd(
            new ServiceSpec()
                .withName(name)
                .withMode(
                    new ServiceModeConfig()
                        .withReplicated(new ServiceReplicatedModeOptions().withReplicas(1)))
                .withTaskTemplate(
                    new TaskSpec()
                        .withContainerSpec(
                            new ContainerSpec()
                                .withImage(image)
                                .withCommand(
                                    List.of(
                                        "/bin/sh",
                                        "-c",
                                        "echo written-by-task > /shared/hello"
                                            + " && echo probe-started"
                                            + " && exec /bin/fakequery"))
                                .withEnv(List.of("QUERY_PORT=" + QUERY_PORT))
                                .withMounts(
                                    List.of(
                                        new Mount()
                                            .withType(MountType.BIND)
                                            .withSource(shared.toString())
                                            .withTarget("/shared"))))
                        .withPlacement(
                            new ServicePlacement().withConstraints(List.of("node.id==" + node)))
                        .withRestartPolicy(
                            new ServiceRestartPolicy().withCondition(ServiceRestartCondition.NONE)))
                .withEndpointSpec(
                    new EndpointSpec()
                        .withPorts(
                            List.of(
                                new PortConfig()
                                    .withProtocol(PortConfigProtocol.UDP)
                                    .withPublishMode(PortConfig.PublishMode.host)
                                    .withPublishedPort(QUERY_PORT)
                                    .withTargetPort(QUERY_PORT)))))
        .exec()
        .getId();
  }

  private static Task awaitRunning(String service) {
    Polling.await(
        "the task of " + service + " running",
        SOON,
        () ->
            manager.listTasksCmd().withServiceFilter(service).exec().stream()
                .anyMatch(t -> t.getStatus().getState() == TaskState.RUNNING));
    return manager.listTasksCmd().withServiceFilter(service).exec().stream()
        .filter(t -> t.getStatus().getState() == TaskState.RUNNING)
        .findFirst()
        .orElseThrow();
  }

  /** Live host processes in the container's cgroup (its id is in their cgroup paths). */
  private static List<Long> processesOf(String container) throws Exception {
    try (var procs = Files.list(Path.of("/proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(
              p -> {
                try {
                  String stat = Files.readString(p.resolve("stat"));
                  char state = stat.charAt(stat.lastIndexOf(')') + 2);
                  // a zombie is dead already; only its parent's reaping is left
                  return state != 'Z'
                      && state != 'X'
                      && Files.readString(p.resolve("cgroup")).contains(container);
                } catch (Exception e) {
                  return false; // gone meanwhile
                }
              })
          .map(p -> Long.valueOf(p.getFileName().toString()))
          .toList();
    }
  }

  private static SwarmNode node(String id) {
    return manager.listSwarmNodesCmd().withIdFilter(List.of(id)).exec().get(0);
  }

  /** Sends A2S_INFO until an answer comes (the first datagrams may arrive before the game). */
  private static byte[] query(String address, int port) throws Exception {
    byte[] request =
        ("\u00ff\u00ff\u00ff\u00ffTSource Engine Query\0").getBytes(StandardCharsets.ISO_8859_1);
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(500);
      long deadline = System.nanoTime() + SOON.toNanos();
      while (System.nanoTime() < deadline) {
        socket.send(
            new DatagramPacket(request, request.length, new InetSocketAddress(address, port)));
        DatagramPacket answer = new DatagramPacket(new byte[1400], 1400);
        try {
          socket.receive(answer);
          return Arrays.copyOf(answer.getData(), answer.getLength());
        } catch (SocketTimeoutException e) {
          // not listening yet: ask again
        }
      }
    }
    throw new AssertionError("no UDP answer from " + address + ":" + port);
  }

  private static String serviceLog(String service) {
    var out = new StringBuilder();
    try {
      manager
          .logServiceCmd(service)
          .withStdout(true)
          .withStderr(true)
          .exec(
              new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                  synchronized (out) {
                    out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                  }
                }
              })
          .awaitCompletion(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    synchronized (out) {
      return out.toString();
    }
  }

  /**
   * Busybox (a shell to write the file and log) plus the fake game's UDP query answerer: busybox
   * alone has no UDP server.
   */
  private static String probeImage() throws Exception {
    String base = TestImages.fakeGame();
    String query = FakeQueryImage.build();
    String tag = "peon-test/swarm-probe:" + query.substring(query.indexOf(':') + 1);
    DockerClient docker = TestDocker.client();
    try {
      if (TestImages.exists(docker, tag)) {
        return tag;
      }
      byte[] dockerfile =
          ("FROM " + base + "\nCOPY --from=" + query + " /fakequery /bin/fakequery\nUSER 0:0\n")
              .getBytes(StandardCharsets.UTF_8);
      var bytes = new ByteArrayOutputStream();
      try (var tar = new TarArchiveOutputStream(bytes)) {
        TestImages.addEntry(tar, "Dockerfile", dockerfile, 0644);
      }
      TestImages.build(docker, tag, bytes.toByteArray());
      return tag;
    } finally {
      TestDocker.closeQuietly(docker);
    }
  }
}
