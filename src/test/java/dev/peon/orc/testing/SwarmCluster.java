package dev.peon.orc.testing;

import dev.peon.orc.fs.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throwaway Docker Swarm on this machine for integration tests: several {@code dockerd}, each in
 * a network namespace of its own, joined by veth pairs to a host bridge, node 0 the manager and the
 * others workers. The host (tests, an orchestrator under test) reaches every node at its bridge
 * address and through its own unix socket; the host's main dockerd never becomes a member. All
 * nodes share the host's file system, which models the shared storage of a real cluster.
 *
 * <p>Each node gets the labels {@code dev.peon.engine=unix://<its socket>} and {@code
 * dev.peon.address=<its bridge address>}, a hostname {@code node<i>} (its own UTS namespace) and a
 * cgroup parent of its own, so {@link #killNode} can take down its containers too, like a lost
 * machine. The dispatcher heartbeat is 1 s so a lost node is noticed within seconds.
 *
 * <p>Names carry a random 4-hex id ({@code pswm<id>} bridge, {@code pswm<id>n<i>} namespace, {@code
 * pswm<id>h<i>}/{@code pswm<id>p<i>} veth ends) so parallel runs do not collide; a record {@code
 * /run/peon-swarm/pswm<id>} names the owning JVM, so {@link #cleanupLeftovers()} removes only what
 * a dead run left behind. Needs root, iproute2, util-linux ({@code nsenter}, {@code unshare},
 * {@code umount}), iptables and the docker CLI and daemon; otherwise {@link #start} throws {@link
 * Unavailable}.
 *
 * <p>To build the same cluster by hand (X = a free 10.250.X.0/24, D = a scratch folder):
 *
 * <pre>
 * ip link add pswmdemo type bridge; ip addr add 10.250.X.1/24 dev pswmdemo; ip link set pswmdemo up
 * iptables -I DOCKER-USER -i pswmdemo -o pswmdemo -j ACCEPT
 * # for each node i (0, 1, 2):
 * ip netns add pswmdemon$i
 * ip link add pswmdemoh$i type veth peer name pswmdemop$i netns pswmdemon$i
 * ip link set pswmdemoh$i master pswmdemo up
 * ip -n pswmdemon$i addr add 10.250.X.$((10+i))/24 dev pswmdemop$i
 * ip -n pswmdemon$i link set pswmdemop$i up; ip -n pswmdemon$i link set lo up
 * ip -n pswmdemon$i route add default via 10.250.X.1
 * mkdir -p D/n$i; touch D/n$i/uts; unshare --uts=D/n$i/uts hostname node$i; echo '{}' &gt; D/n$i/daemon.json
 * nsenter --net=/var/run/netns/pswmdemon$i --uts=D/n$i/uts dockerd --data-root D/n$i/data \
 *   --exec-root D/n$i/exec --pidfile D/n$i/dockerd.pid -H unix://D/n$i/docker.sock \
 *   --cgroup-parent pswmdemon$i --config-file D/n$i/daemon.json &gt; D/n$i/dockerd.log 2&gt;&amp;1 &amp;
 * # then:
 * docker -H unix://D/n0/docker.sock swarm init --advertise-addr 10.250.X.10 \
 *   --listen-addr 10.250.X.10:2377 --dispatcher-heartbeat 1s
 * docker -H unix://D/n1/docker.sock swarm join --token "$(docker -H unix://D/n0/docker.sock \
 *   swarm join-token -q worker)" --advertise-addr 10.250.X.11 --listen-addr 10.250.X.11:2377 10.250.X.10:2377
 * docker -H unix://D/n0/docker.sock node update --label-add dev.peon.engine=unix://D/n1/docker.sock \
 *   --label-add dev.peon.address=10.250.X.11 &lt;node id&gt;
 * docker save IMAGE | docker -H unix://D/n1/docker.sock load
 * </pre>
 *
 * Tear down: kill the dockerds and everything in {@code ip netns pids pswmdemon$i} and in the
 * cgroups {@code pswmdemon$i}, {@code umount} what is mounted under D, {@code ip netns del}, {@code
 * ip link del pswmdemo}, {@code iptables -D DOCKER-USER ...}, {@code rm -rf D}.
 */
public final class SwarmCluster implements AutoCloseable {
  static final String PREFIX = "pswm";
  private static final Path RECORDS = Path.of("/run/peon-swarm");
  private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
  private static final Path SHIM_SOCKETS = Path.of("/run/containerd/s");
  private static final Duration COMMAND = Duration.ofSeconds(60);
  private static final Duration READY = Duration.ofSeconds(90);
  private static final int MAX_NODES = 20;
  private static final Pattern NAME = Pattern.compile(PREFIX + "([0-9a-f]{4})");
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * This machine cannot run a cluster (not root, a tool missing): a reason to skip, not a failure
   * of the code under test.
   */
  public static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }

  private static final class Node {
    final int index;
    final String netns;
    final String hostVeth;
    final String nodeVeth;
    final String address;
    final Path dir;
    final String cgroupParent;
    Process dockerd;
    String nodeId;
    boolean killed;

    Node(String name, int index, String subnet, Path root) {
      this.index = index;
      this.netns = name + "n" + index;
      this.hostVeth = name + "h" + index;
      this.nodeVeth = name + "p" + index;
      this.address = subnet + (10 + index);
      this.dir = root.resolve("n" + index);
      this.cgroupParent = netns;
    }

    Path socket() {
      return dir.resolve("docker.sock");
    }

    String host() {
      return "unix://" + socket();
    }
  }

  private final String name;
  private final Path root;
  private final List<Node> nodes = new ArrayList<>();
  private final Set<Path> shimSockets = new LinkedHashSet<>();
  private String subnet = "";
  private boolean closed;

  private SwarmCluster(String name, Path root) {
    this.name = name;
    this.root = root;
  }

  /**
   * Builds a cluster of {@code nodes} (node 0 the manager) with its files under {@code scratch};
   * every node is ready and labelled on return. Tears down what it made when it fails.
   */
  public static SwarmCluster start(int nodes, Path scratch) {
    if (nodes < 1 || nodes > MAX_NODES) {
      throw new IllegalArgumentException("nodes must be 1.." + MAX_NODES + ", not " + nodes);
    }
    requireMachine();
    SwarmCluster cluster = reserve(scratch.toAbsolutePath().normalize(), nodes);
    try {
      cluster.build(nodes);
      return cluster;
    } catch (IOException e) {
      UncheckedIOException failure = new UncheckedIOException(e);
      try {
        cluster.close();
      } catch (RuntimeException cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    } catch (RuntimeException | Error e) {
      try {
        cluster.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** The manager's endpoint, {@code unix://...}. */
  public String managerHost() {
    return nodeHost(0);
  }

  /** Node {@code i}'s own engine endpoint, {@code unix://...}. */
  public String nodeHost(int i) {
    return node(i).host();
  }

  /** Node {@code i}'s address on the bridge (where its host-mode ports are published). */
  public String nodeAddress(int i) {
    return node(i).address;
  }

  /** Node {@code i}'s Swarm node id. */
  public String nodeId(int i) {
    return node(i).nodeId;
  }

  /** The host's own address on the cluster's bridge (the nodes' default gateway). */
  public String hostAddress() {
    return subnet + "1";
  }

  /** The run's name ({@code pswm<id>}): the bridge, and the prefix of every other name. */
  public String name() {
    return name;
  }

  public int size() {
    return nodes.size();
  }

  /**
   * Copies images from the host's engine ({@code DOCKER_HOST}, else the local socket) to every live
   * node, as {@code docker save | docker -H node load}.
   */
  public void loadImages(String... images) {
    if (images.length == 0) {
      return;
    }
    Path tar = root.resolve("images.tar");
    List<String> save = new ArrayList<>(List.of("docker", "-H", hostEngine(), "save", "-o"));
    save.add(tar.toString());
    save.addAll(List.of(images));
    run(save);
    try {
      for (Node n : nodes) {
        if (!n.killed) {
          run("docker", "-H", n.host(), "load", "-q", "-i", tar.toString());
        }
      }
    } finally {
      try {
        Files.deleteIfExists(tar);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Loses node {@code i} like a machine that died: SIGKILL to its dockerd, containerd, shims and
   * every process of its containers. Its files and network stay until {@link #close()}.
   */
  public void killNode(int i) {
    Node n = node(i);
    n.killed = true;
    killEverything(n);
  }

  /** Tears everything down, also after failures and killed nodes; lists what it could not undo. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<String> problems = new ArrayList<>();
    // The whole cluster goes away, so nothing would remember a graceful "swarm leave": every
    // node is killed like a lost machine and its traces removed.
    for (Node n : nodes) {
      attempt(problems, "kill node " + n.index, () -> killEverything(n));
    }
    attempt(problems, "unmount under " + root, () -> unmountUnder(root));
    for (Node n : nodes) {
      attempt(problems, "cgroups of node " + n.index, () -> removeCgroups(n.cgroupParent));
      quietly("ip", "link", "del", n.hostVeth);
      if (Files.exists(Path.of("/var/run/netns", n.netns))) {
        attempt(problems, "netns " + n.netns, () -> run("ip", "netns", "del", n.netns));
      }
    }
    // Both chains: a leftover's rule may be in either, whichever existed when it was made.
    for (String c : List.of("DOCKER-USER", "FORWARD")) {
      while (quietly("iptables", "-D", c, "-i", name, "-o", name, "-j", "ACCEPT")) {
        // a rule inserted twice is removed twice
      }
    }
    if (linkExists(name)) {
      attempt(problems, "bridge " + name, () -> run("ip", "link", "del", name));
    }
    for (Path socket : shimSockets) {
      attempt(problems, "shim socket " + socket, () -> deleteIfExists(socket));
    }
    attempt(problems, "scratch " + root, () -> deleteTree(root));
    if (problems.isEmpty()) {
      attempt(problems, "record", () -> deleteIfExists(RECORDS.resolve(name)));
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "swarm cluster " + name + " not fully torn down: " + String.join("; ", problems));
    }
  }

  /**
   * Removes what earlier runs left behind (their owning JVM is gone): dockerds and their
   * containers, mounts, namespaces, veths, bridges, firewall rules, cgroups and scratch folders
   * named with {@link #PREFIX}. Clusters of live JVMs are left alone.
   */
  public static void cleanupLeftovers() {
    requireMachine();
    Set<String> seen = new LinkedHashSet<>();
    try (Stream<Path> records = listOrEmpty(RECORDS)) {
      for (Path record : records.toList()) {
        String n = record.getFileName().toString();
        if (!NAME.matcher(n).matches()) {
          continue;
        }
        seen.add(n);
        List<String> lines = Files.readAllLines(record);
        if (lines.size() >= 3 && ownerAlive(lines.get(0))) {
          continue;
        }
        SwarmCluster leftover =
            new SwarmCluster(n, Path.of(lines.size() >= 2 ? lines.get(1) : "/nonexistent"));
        int count = lines.size() >= 3 ? Integer.parseInt(lines.get(2).strip()) : MAX_NODES;
        leftover.adopt(count);
        leftover.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Traces without any record: a run that crashed before writing it cannot have made them, so
    // these are from a teardown that got half way.
    Set<String> orphans = new LinkedHashSet<>();
    for (String line : output("ip", "-o", "link", "show").lines().toList()) {
      Matcher m = Pattern.compile(": (" + PREFIX + "[0-9a-f]{4})[:@nhp]").matcher(line);
      if (m.find()) {
        orphans.add(m.group(1));
      }
    }
    for (String line : output("ip", "netns", "list").lines().toList()) {
      Matcher m = Pattern.compile("^(" + PREFIX + "[0-9a-f]{4})n\\d+").matcher(line);
      if (m.find()) {
        orphans.add(m.group(1));
      }
    }
    orphans.removeAll(seen);
    for (String n : orphans) {
      SwarmCluster leftover = new SwarmCluster(n, Path.of("/nonexistent"));
      leftover.adopt(MAX_NODES);
      leftover.close();
    }
  }

  private void adopt(int count) {
    for (int i = 0; i < count; i++) {
      nodes.add(new Node(name, i, "", root));
    }
  }

  private static SwarmCluster reserve(Path scratch, int count) {
    try {
      Files.createDirectories(RECORDS);
      for (int attempt = 0; attempt < 20; attempt++) {
        byte[] b = new byte[2];
        RANDOM.nextBytes(b);
        String name = PREFIX + HexFormat.of().formatHex(b);
        Path record = RECORDS.resolve(name);
        if (linkExists(name) || Files.exists(Path.of("/var/run/netns", name + "n0"))) {
          continue;
        }
        SwarmCluster cluster = new SwarmCluster(name, scratch.resolve(name));
        long socketLength =
            cluster.root.resolve("n" + MAX_NODES).resolve("docker.sock").toString().length();
        if (socketLength > 100) {
          throw new IllegalArgumentException(
              "scratch path too long for unix sockets (" + socketLength + " > 100): " + scratch);
        }
        // The record appears whole or not at all (link fails if it exists), so a concurrent
        // cleanupLeftovers never reads a half-written one.
        ProcessHandle self = ProcessHandle.current();
        String owner =
            self.pid() + " " + self.info().startInstant().map(Instant::toString).orElse("unknown");
        Path draft = RECORDS.resolve("." + name + "." + self.pid());
        Files.writeString(draft, owner + "\n" + cluster.root + "\n" + count + "\n");
        try {
          Files.createLink(record, draft);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          continue;
        } finally {
          Files.deleteIfExists(draft);
        }
        return cluster;
      }
      throw new IllegalStateException("no free cluster name after 20 tries");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void build(int count) throws IOException {
    Files.createDirectories(root);

    run("ip", "link", "add", name, "type", "bridge");
    subnet = claimSubnet();
    run("ip", "link", "set", name, "up");
    String chain = chainExists("DOCKER-USER") ? "DOCKER-USER" : "FORWARD";
    run("iptables", "-I", chain, "-i", name, "-o", name, "-j", "ACCEPT");

    for (int i = 0; i < count; i++) {
      Node n = new Node(name, i, subnet, root);
      nodes.add(n);
      plumb(n);
    }
    for (Node n : nodes) {
      startDockerd(n);
    }
    for (Node n : nodes) {
      awaitEngine(n);
    }

    Node manager = nodes.get(0);
    run(
        "docker",
        "-H",
        manager.host(),
        "swarm",
        "init",
        "--advertise-addr",
        manager.address,
        "--listen-addr",
        manager.address + ":2377",
        "--dispatcher-heartbeat",
        "1s");
    String token = output("docker", "-H", manager.host(), "swarm", "join-token", "-q", "worker");
    for (Node n : nodes.subList(1, nodes.size())) {
      run(
          "docker",
          "-H",
          n.host(),
          "swarm",
          "join",
          "--token",
          token.strip(),
          "--advertise-addr",
          n.address,
          "--listen-addr",
          n.address + ":2377",
          manager.address + ":2377");
    }
    for (Node n : nodes) {
      n.nodeId = output("docker", "-H", n.host(), "info", "--format", "{{.Swarm.NodeID}}").strip();
      run(
          "docker",
          "-H",
          manager.host(),
          "node",
          "update",
          "--label-add",
          "dev.peon.engine=" + n.host(),
          "--label-add",
          "dev.peon.address=" + n.address,
          n.nodeId);
    }
    for (Node n : nodes) {
      awaitReady(manager, n);
    }
  }

  /** Picks a 10.250.X.0/24 no host route or address uses, and holds it on the bridge. */
  private String claimSubnet() {
    for (int attempt = 0; attempt < 20; attempt++) {
      String used = output("ip", "-4", "-o", "addr", "show") + output("ip", "-4", "route", "show");
      int third = 1 + RANDOM.nextInt(254);
      String candidate = "10.250." + third + ".";
      if (used.contains(candidate)) {
        continue;
      }
      run("ip", "addr", "add", candidate + "1/24", "dev", name);
      // Another run may have picked the same one at the same moment: the later look decides.
      long holders =
          output("ip", "-4", "-o", "addr", "show")
              .lines()
              .filter(l -> l.contains(candidate))
              .count();
      if (holders == 1) {
        return candidate;
      }
      run("ip", "addr", "del", candidate + "1/24", "dev", name);
    }
    throw new IllegalStateException("no free 10.250.X.0/24 after 20 tries");
  }

  private void plumb(Node n) throws IOException {
    run("ip", "netns", "add", n.netns);
    run(
        "ip",
        "link",
        "add",
        n.hostVeth,
        "type",
        "veth",
        "peer",
        "name",
        n.nodeVeth,
        "netns",
        n.netns);
    run("ip", "link", "set", n.hostVeth, "master", name, "up");
    run("ip", "-n", n.netns, "addr", "add", n.address + "/24", "dev", n.nodeVeth);
    run("ip", "-n", n.netns, "link", "set", n.nodeVeth, "up");
    run("ip", "-n", n.netns, "link", "set", "lo", "up");
    run("ip", "-n", n.netns, "route", "add", "default", "via", hostAddress());
    Files.createDirectories(n.dir);
    Path uts = n.dir.resolve("uts");
    Files.createFile(uts);
    run("unshare", "--uts=" + uts, "hostname", "node" + n.index);
    Files.writeString(n.dir.resolve("daemon.json"), "{}\n");
  }

  private void startDockerd(Node n) throws IOException {
    Path log = n.dir.resolve("dockerd.log");
    ProcessBuilder dockerd =
        new ProcessBuilder(
                "nsenter",
                "--net=/var/run/netns/" + n.netns,
                "--uts=" + n.dir.resolve("uts"),
                "dockerd",
                "--data-root",
                n.dir.resolve("data").toString(),
                "--exec-root",
                n.dir.resolve("exec").toString(),
                "--pidfile",
                n.dir.resolve("dockerd.pid").toString(),
                "-H",
                n.host(),
                "--cgroup-parent",
                n.cgroupParent,
                "--config-file",
                n.dir.resolve("daemon.json").toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // Without it a node asks the registry for every task's image before starting it, even when
    // the image is loaded; with no registry reachable that only costs seconds per task. An
    // image missing on the node is still pulled.
    dockerd.environment().put("DOCKER_SERVICE_PREFER_OFFLINE_IMAGE", "1");
    n.dockerd = dockerd.start();
  }

  private void awaitEngine(Node n) {
    Instant deadline = Instant.now().plus(READY);
    while (true) {
      if (!n.dockerd.isAlive()) {
        throw new IllegalStateException(
            "dockerd of node "
                + n.index
                + " exited with "
                + n.dockerd.exitValue()
                + ": "
                + tail(n));
      }
      if (execute(Duration.ofSeconds(10), "docker", "-H", n.host(), "version").code() == 0) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "dockerd of node " + n.index + " not answering after " + READY + ": " + tail(n));
      }
      pause();
    }
  }

  private void awaitReady(Node manager, Node n) {
    Instant deadline = Instant.now().plus(READY);
    while (true) {
      String state =
          execute(
                  Duration.ofSeconds(10),
                  "docker",
                  "-H",
                  manager.host(),
                  "node",
                  "inspect",
                  "--format",
                  "{{.Status.State}}",
                  n.nodeId)
              .output()
              .strip();
      if (state.equals("ready")) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("node " + n.index + " not ready, state: " + state);
      }
      pause();
    }
  }

  private String tail(Node n) {
    try {
      List<String> lines = Files.readAllLines(n.dir.resolve("dockerd.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void killEverything(Node n) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    if (n.dockerd != null) {
      n.dockerd.destroyForcibly();
    }
    while (true) {
      Set<Long> pids = new LinkedHashSet<>(netnsPids(n));
      pids.addAll(dockerdsOf(n));
      rememberShimSockets(pids);
      pids.addAll(cgroupPids(n.cgroupParent));
      if (pids.isEmpty()) {
        return;
      }
      for (long pid : pids) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("processes of node " + n.index + " survive: " + pids);
      }
      pause();
    }
  }

  private static List<Long> netnsPids(Node n) {
    if (!Files.exists(Path.of("/var/run/netns", n.netns))) {
      return List.of();
    }
    return output("ip", "netns", "pids", n.netns)
        .lines()
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(Long::valueOf)
        .toList();
  }

  /** A dockerd of this node whose namespace is gone already (a half-done teardown). */
  private static List<Long> dockerdsOf(Node n) {
    String mark = "--cgroup-parent\0" + n.cgroupParent + "\0";
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = listOrEmpty(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        String pid = proc.getFileName().toString();
        if (!pid.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmdline = Files.readString(proc.resolve("cmdline"), StandardCharsets.ISO_8859_1);
          if (cmdline.contains(mark)) {
            pids.add(Long.valueOf(pid));
          }
        } catch (IOException | UncheckedIOException e) {
          // gone meanwhile
        }
      }
    }
    return pids;
  }

  /** Shim sockets live in the host's /run/containerd/s; a killed shim leaves its socket behind. */
  private void rememberShimSockets(Set<Long> pids) {
    for (long pid : pids) {
      try {
        for (String line :
            Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", "unix"))) {
          String[] f = line.strip().split("\\s+");
          String path = f[f.length - 1];
          if (f.length >= 8 && path.startsWith(SHIM_SOCKETS + "/")) {
            shimSockets.add(Path.of(path));
          }
        }
        return; // one process shows the whole namespace's sockets
      } catch (IOException e) {
        // gone already; try the next one
      }
    }
  }

  private static List<Path> cgroupDirs(String parent) {
    List<Path> dirs = new ArrayList<>();
    Path unified = CGROUPS.resolve(parent);
    if (Files.isDirectory(unified)) {
      dirs.add(unified);
    }
    try (Stream<Path> controllers = listOrEmpty(CGROUPS)) {
      controllers.map(c -> c.resolve(parent)).filter(Files::isDirectory).forEach(dirs::add);
    }
    return dirs;
  }

  private static Set<Long> cgroupPids(String parent) {
    Set<Long> pids = new LinkedHashSet<>();
    for (Path dir : cgroupDirs(parent)) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path procs :
            files.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
          try {
            Files.readAllLines(procs).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .map(Long::valueOf)
                .forEach(pids::add);
          } catch (IOException e) {
            // the cgroup went away meanwhile
          }
        }
      } catch (IOException | UncheckedIOException e) {
        // the cgroup went away meanwhile
      }
    }
    return pids;
  }

  private static void removeCgroups(String parent) {
    for (Path dir : cgroupDirs(parent)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path d : all.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(d);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void unmountUnder(Path root) {
    for (int round = 0; round < 10; round++) {
      List<String> mounts = mountsUnder(root);
      if (mounts.isEmpty()) {
        return;
      }
      for (String m : mounts) {
        quietly("umount", "-l", m);
      }
    }
    List<String> left = mountsUnder(root);
    if (!left.isEmpty()) {
      throw new IllegalStateException("still mounted: " + left);
    }
  }

  private static List<String> mountsUnder(Path root) {
    String prefix = root.toString();
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
          .map(l -> unescape(l.split(" ")[4]))
          .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/"))
          .sorted(Comparator.comparingInt(String::length).reversed())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String unescape(String field) {
    Matcher m = Pattern.compile("\\\\([0-7]{3})").matcher(field);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Character.toString((char) Integer.parseInt(m.group(1), 8)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Deletes a folder tree without following links; refuses while anything is mounted in it. */
  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    if (!mountsUnder(root).isEmpty()) {
      throw new IllegalStateException(
          "not deleting " + root + ": still mounted " + mountsUnder(root));
    }
    FileTrees.deleteTree(root);
  }

  private static void deleteIfExists(Path p) throws IOException {
    Files.deleteIfExists(p);
  }

  private static boolean ownerAlive(String line) {
    String[] f = line.strip().split(" ");
    if (f.length != 2) {
      return false;
    }
    Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(f[0]));
    return h.isPresent()
        && !zombie(h.get().pid())
        && h.get().info().startInstant().map(Instant::toString).orElse("unknown").equals(f[1]);
  }

  /** A killed JVM can linger unreaped for a while: it owns nothing any more. */
  private static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException e) {
      return true; // gone
    }
  }

  private static void requireMachine() {
    List<String> missing = new ArrayList<>();
    if (!"0".equals(output(Duration.ofSeconds(10), "id", "-u").strip())) {
      missing.add("root");
    }
    for (String tool :
        List.of("ip", "nsenter", "unshare", "umount", "iptables", "dockerd", "docker")) {
      if (!onPath(tool)) {
        missing.add(tool);
      }
    }
    if (!missing.isEmpty()) {
      throw new Unavailable(
          "a swarm test cluster needs root, iproute2 (ip), util-linux (nsenter, unshare, umount),"
              + " iptables and docker (dockerd, docker); missing: "
              + missing);
    }
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static boolean chainExists(String chain) {
    return quietly("iptables", "-S", chain);
  }

  private static boolean linkExists(String link) {
    return Files.exists(Path.of("/sys/class/net", link));
  }

  private static String hostEngine() {
    String host = System.getenv("DOCKER_HOST");
    return host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host;
  }

  private Node node(int i) {
    if (i < 0 || i >= nodes.size()) {
      throw new IllegalArgumentException("no node " + i + " in a cluster of " + nodes.size());
    }
    return nodes.get(i);
  }

  private static Stream<Path> listOrEmpty(Path dir) {
    try {
      return Files.list(dir);
    } catch (NoSuchFileException e) {
      return Stream.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private interface Step {
    void run() throws IOException;
  }

  private static void attempt(List<String> problems, String what, Step step) {
    try {
      step.run();
    } catch (IOException | RuntimeException e) {
      problems.add(what + ": " + e.getMessage());
    }
  }

  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void run(String... command) {
    run(List.of(command));
  }

  private static void run(List<String> command) {
    Commands.Result r = execute(COMMAND, command.toArray(String[]::new));
    if (r.code() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " failed (" + r.code() + "): " + r.output().strip());
    }
  }

  private static String output(String... command) {
    return output(COMMAND, command);
  }

  private static String output(Duration limit, String... command) {
    Commands.Result r = execute(limit, command);
    if (r.code() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " failed (" + r.code() + "): " + r.output().strip());
    }
    return r.output();
  }

  private static boolean quietly(String... command) {
    return execute(COMMAND, command).code() == 0;
  }

  /**
   * Runs a fixed command line, bounded: unlike {@link Commands#run}, output is read on a side
   * thread so a hung command cannot outlive {@code limit}.
   */
  private static Commands.Result execute(Duration limit, String... command) {
    try {
      Process p =
          new ProcessBuilder(List.of(command))
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      var out = new java.io.ByteArrayOutputStream();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      p.getInputStream().transferTo(out);
                    } catch (IOException e) {
                      // the process went away
                    }
                  });
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Commands.Result(-1, "timed out after " + limit);
      }
      reader.join(Duration.ofSeconds(5));
      synchronized (out) {
        return new Commands.Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      return new Commands.Result(-2, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
