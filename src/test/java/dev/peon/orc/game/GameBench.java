package dev.peon.orc.game;

import dev.peon.orc.game.wake.WakeService;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.server.ServerId;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The game-awareness benchmark behind {@code bench/game.sh}, on loopback only:
 *
 * <ol>
 *   <li>probe cost: N fake game processes (the static C fake of the ITs, run directly, outside the
 *       JVM) each probed with A2S_INFO + A2S_PLAYER (challenges included) every interval by {@link
 *       ProbeRunner}, dispatched as {@link GameMonitor} does (a 1 s tick, virtual threads, at most
 *       64 at once); the JVM's CPU time and heap are the probes' cost;
 *   <li>sleeping servers: N stand-ins of {@link WakeService} (one UDP and one TCP port each)
 *       watched for a while with no traffic, then each asked once (A2S): the cost of keeping
 *       sleeping servers reachable.
 * </ol>
 *
 * Prints Markdown. Arguments: servers (250), probe seconds (60), probe interval seconds (10).
 */
public final class GameBench {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private GameBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 250;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int interval = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    System.out.printf(
        Locale.ROOT,
        "servers: %d, probe window %d s, interval %d s, %d cores, Java %s%n%n",
        n,
        seconds,
        interval,
        Runtime.getRuntime().availableProcessors(),
        Runtime.version());
    probes(n, seconds, interval);
    sleeping(n);
  }

  // ------------------------------------------------------------ probes

  private static void probes(int n, int seconds, int interval) throws Exception {
    Path dir = Files.createTempDirectory("gamebench");
    Path binary = dir.resolve("fakequery");
    Files.write(binary, FakeQueryImage.compiledBinary());
    binary.toFile().setExecutable(true);
    List<Process> games = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        int port = freeUdp();
        ProcessBuilder pb = new ProcessBuilder(binary.toString());
        pb.environment().put("QUERY_PORT", Integer.toString(port));
        pb.environment().put("READY_AFTER", "0");
        pb.environment().put("DATA", dir.toString());
        pb.environment().put("SERVER_NAME", "bench " + i);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
        games.add(pb.start());
        ports.add(port);
      }
      Files.writeString(dir.resolve("players"), "alice\nbob\ncarol\n");
      Thread.sleep(1000); // let the processes bind (a start-up pause, not a wait for a result)
      ProbeRunner runner = new ProbeRunner(unusedRuntime(), LOOPBACK);
      ProbeSpec spec =
          new ProbeSpec(
              new Probe.A2sProbe(List.of("QUERY_PORT")),
              Duration.ofSeconds(interval),
              Duration.ofSeconds(3),
              Duration.ZERO,
              3);
      Semaphore slots = new Semaphore(GameMonitor.Limits.DEFAULTS.concurrency());
      ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
      AtomicInteger failures = new AtomicInteger();
      AtomicInteger inFlight = new AtomicInteger();
      // warm up once, then measure
      for (int i = 0; i < n; i++) {
        dispatch(ports.get(i), runner, spec, slots, latencies, failures, inFlight);
      }
      waitIdle(inFlight);
      latencies.clear();
      failures.set(0);
      gc();
      long heapBefore = heapUsed();
      long cpuBefore = cpuNanos();
      long t0 = System.nanoTime();
      Instant[] next = new Instant[n];
      Instant start = Instant.now();
      for (int i = 0; i < n; i++) {
        // spread the first probes over the interval, as servers started at different times are
        next[i] = start.plusMillis((long) i * interval * 1000 / n);
      }
      int rounds = 0;
      while (System.nanoTime() - t0 < Duration.ofSeconds(seconds).toNanos()) {
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
          if (!now.isBefore(next[i])) {
            next[i] = now.plusSeconds(interval);
            dispatch(ports.get(i), runner, spec, slots, latencies, failures, inFlight);
            rounds++;
          }
        }
        Thread.sleep(GameMonitor.Limits.DEFAULTS.tick()); // the monitor's tick
      }
      waitIdle(inFlight);
      long wall = System.nanoTime() - t0;
      long cpu = cpuNanos() - cpuBefore;
      long heapAfter = heapUsed();
      gc();
      long heapRetained = heapUsed();
      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      System.out.println("## Probe cost (A2S_INFO + A2S_PLAYER with challenges, loopback)");
      System.out.println();
      System.out.println("| figure | value |");
      System.out.println("|---|---|");
      row("servers probed", Integer.toString(n));
      row("probes run", Integer.toString(rounds));
      row("failed probes", Integer.toString(failures.get()));
      row("probes per second", fmt(rounds / (wall / 1e9)));
      row("CPU, % of one core (whole JVM)", fmt(100.0 * cpu / wall));
      row("CPU per probe", fmt(cpu / 1e3 / Math.max(1, rounds)) + " µs");
      row("CPU per server and hour", fmt(cpu / 1e6 / n * (3600e9 / wall)) + " ms");
      row(
          "probe latency p50 / p99",
          ms(percentile(sorted, 50)) + " / " + ms(percentile(sorted, 99)));
      row("heap allocated during the window", mib(heapAfter - heapBefore));
      row("heap retained after GC (delta)", mib(heapRetained - heapBefore));
      System.out.println();
    } finally {
      for (Process p : games) {
        p.destroy();
      }
      for (Process p : games) {
        p.waitFor();
      }
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static void dispatch(
      int port,
      ProbeRunner runner,
      ProbeSpec spec,
      Semaphore slots,
      ConcurrentLinkedQueue<Long> latencies,
      AtomicInteger failures,
      AtomicInteger inFlight) {
    inFlight.incrementAndGet();
    List<PortEntry> entries =
        List.of(new PortEntry("QUERY_PORT", port, PortEntry.PortProtocol.UDP, "udp"));
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                slots.acquire();
                try {
                  long t = System.nanoTime();
                  ProbeRunner.Result r =
                      runner.run(ServerId.parse("bench.s" + port), entries, null, spec, true);
                  latencies.add(System.nanoTime() - t);
                  if (!r.ok() || r.players() == null || r.players().online() != 3) {
                    failures.incrementAndGet();
                  }
                } finally {
                  slots.release();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                inFlight.decrementAndGet();
              }
            });
  }

  private static void waitIdle(AtomicInteger inFlight) throws InterruptedException {
    while (inFlight.get() > 0) {
      Thread.sleep(50);
    }
  }

  // ------------------------------------------------------------ sleeping servers

  private static void sleeping(int n) throws Exception {
    WakeService wake = new WakeService(Clock.systemUTC(), LOOPBACK, 5, 10);
    List<Integer> udpPorts = new ArrayList<>();
    try {
      gc();
      long heapBefore = heapUsed();
      int threadsBefore = Thread.activeCount();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        int udp = freeUdp();
        int tcp = freeTcp();
        udpPorts.add(udp);
        wake.listen(
            new Sleeper.Target(
                ServerId.parse("bench.s" + i),
                "bench " + i,
                List.of(
                    new PortEntry("PORT", tcp, PortEntry.PortProtocol.TCP, "tcp"),
                    new PortEntry("QUERY_PORT", udp, PortEntry.PortProtocol.UDP, "udp")),
                Set.of(tcp),
                Set.of(udp),
                GameSettings.Wake.DEFAULT,
                60,
                10,
                (id, reason) -> {}));
      }
      long listenNanos = System.nanoTime() - t0;
      gc();
      long heapListening = heapUsed();
      long cpuBefore = cpuNanos();
      long idleStart = System.nanoTime();
      Thread.sleep(Duration.ofSeconds(20)); // the idle window being measured
      long idleWall = System.nanoTime() - idleStart;
      long idleCpu = cpuNanos() - cpuBefore;
      long answerStart = System.nanoTime();
      int answered = 0;
      for (int port : udpPorts) {
        PlayerInfo info =
            A2s.query(new InetSocketAddress(LOOPBACK, port), Duration.ofSeconds(2), false);
        if (info.serverName().endsWith("(sleeping)")) {
          answered++;
        }
      }
      long answerNanos = System.nanoTime() - answerStart;
      System.out.println("## Watching sleeping servers' ports (WakeService, loopback)");
      System.out.println();
      System.out.println("| figure | value |");
      System.out.println("|---|---|");
      row("sleeping servers (1 UDP + 1 TCP port each)", Integer.toString(n));
      row("time to bind them all", ms(listenNanos));
      row("heap retained for them (after GC)", mib(heapListening - heapBefore));
      row("platform threads added", Integer.toString(Thread.activeCount() - threadsBefore));
      row("CPU while idle, % of one core", fmt(100.0 * idleCpu / idleWall));
      row("A2S queries answered as sleeping", answered + " / " + n);
      row("time per answered query (challenge + info)", ms(answerNanos / Math.max(1, n)));
      System.out.println();
    } finally {
      wake.close();
    }
  }

  // ------------------------------------------------------------ helpers

  private static ContainerRuntime unusedRuntime() {
    return (ContainerRuntime)
        java.lang.reflect.Proxy.newProxyInstance(
            GameBench.class.getClassLoader(),
            new Class<?>[] {ContainerRuntime.class},
            (proxy, method, margs) -> {
              throw new UnsupportedOperationException("no container runtime in the benchmark");
            });
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void gc() throws InterruptedException {
    System.gc();
    Thread.sleep(200);
  }

  private static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
  }

  private static void row(String name, String value) {
    System.out.println("| " + name + " | " + value + " |");
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private static int freeUdp() throws IOException {
    while (true) {
      try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
        int p = s.getLocalPort();
        try (ServerSocket t = new ServerSocket(p, 1, LOOPBACK)) {
          return p;
        } catch (IOException e) {
          // the TCP twin is taken: another
        }
      }
    }
  }

  private static int freeTcp() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }
}
