package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.runtime.RuntimeFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console part of the runtime port against a real dockerd: logs, follow, stdin. */
class DockerConsoleIT {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String PREFIX = "peon-console-it-" + RUN + "-";
  private static final Duration SOON = Duration.ofSeconds(15);
  private static final Queue<String> containers = new ConcurrentLinkedQueue<>();

  @TempDir static Path temp;
  private static DockerContainerRuntime runtime;
  private static String image;

  @BeforeAll
  static void connect() throws Exception {
    TestDocker.closeQuietly(TestDocker.client());
    runtime = new DockerContainerRuntime(TestDocker.host());
    image = TestImages.fakeGame();
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxrwxrwx"));
  }

  @AfterAll
  static void cleanUp() {
    if (runtime != null) {
      containers.forEach(runtime::remove);
      runtime.close();
    }
  }

  @Test
  void writesToTheStdinOfARunningContainerAndFollowsItsOutput() throws Exception {
    String name = start("stdin", null);
    List<LogLine> lines = new CopyOnWriteArrayList<>();
    var echoed = new CountDownLatch(2);
    try (var follow =
            runtime.followLogs(
                name,
                null,
                l -> {
                  lines.add(l);
                  if (l.text().startsWith("echo: ")) {
                    echoed.countDown();
                  }
                },
                e -> {});
        var stdin = runtime.openStdin(name)) {
      stdin.writeLine("say hello");
      stdin.writeLine("ünïcode ok");
      assertThat(echoed.await(15, TimeUnit.SECONDS)).as("lines: %s", lines).isTrue();
      assertThat(stdin.isOpen()).isTrue();
    }
    assertThat(lines)
        .extracting(LogLine::text)
        .contains("echo: say hello", "echo: ünïcode ok")
        .anyMatch(t -> t.startsWith("fakegame 1.2.3 started"));
    assertThat(lines).allMatch(l -> l.stream() == LogLine.Stream.STDOUT);
    assertThat(lines.get(0).time()).isAfter(Instant.now().minus(Duration.ofMinutes(1)));
    // a second writer works too: stdin stays open after the first attach went away
    try (var again = runtime.openStdin(name)) {
      again.writeLine("second");
      Polling.await(
          "echo of second",
          SOON,
          () ->
              runtime.logs(name, null, 0).stream().anyMatch(l -> l.text().equals("echo: second")));
    }
  }

  @Test
  void readsTailAndSinceWithNanosecondTimestampsAndSeparatesStderr() throws Exception {
    String script =
        "i=0; while [ $i -lt 50 ]; do echo \"line $i\"; echo \"err $i\" >&2; i=$((i+1)); done;"
            + " sleep 3600\n";
    String name = start("tail", script);
    Polling.await("50 lines", SOON, () -> runtime.logs(name, null, 0).size() >= 101);
    List<LogLine> all = runtime.logs(name, null, 0);
    assertThat(all.stream().filter(l -> l.stream() == LogLine.Stream.STDERR))
        .extracting(LogLine::text)
        .startsWith("err 0", "err 1");
    List<LogLine> tail = runtime.logs(name, null, 10);
    assertThat(tail).hasSize(10).isEqualTo(all.subList(all.size() - 10, all.size()));
    Instant middle = all.get(60).time();
    assertThat(runtime.logs(name, middle, 0)).allMatch(l -> !l.time().isBefore(middle));
    // ordered per stream; across streams the engine's timestamps may interleave out of order
    for (LogLine.Stream stream : LogLine.Stream.values()) {
      assertThat(all.stream().filter(l -> l.stream() == stream).map(LogLine::time).toList())
          .isSorted();
    }
  }

  @Test
  void endsTheFollowWhenTheContainerStops() throws Exception {
    String name = start("end", null);
    var ended = new CountDownLatch(1);
    var cause = new AtomicReference<Throwable>(new AssertionError("not called"));
    try (var follow =
        runtime.followLogs(
            name,
            Instant.now(),
            l -> {},
            t -> {
              cause.set(t);
              ended.countDown();
            })) {
      runtime.stop(name, Duration.ofSeconds(5));
      assertThat(ended.await(15, TimeUnit.SECONDS)).isTrue();
      assertThat(cause.get()).isNull();
    }
  }

  @Test
  void reportsMissingContainers() {
    assertThatThrownBy(() -> runtime.logs(PREFIX + "absent", null, 10))
        .isInstanceOfSatisfying(
            RuntimeFailure.class,
            f -> assertThat(f.kind()).isEqualTo(RuntimeFailure.Kind.NOT_FOUND));
    assertThatThrownBy(() -> runtime.openStdin(PREFIX + "absent"))
        .isInstanceOf(RuntimeFailure.class);
  }

  private static String start(String suffix, String serverStart) throws Exception {
    String name = PREFIX + suffix;
    List<dev.peon.orc.runtime.BindMount> mounts = List.of();
    if (serverStart != null) {
      Path actions = Files.createDirectories(temp.resolve(suffix));
      Files.setPosixFilePermissions(actions, PosixFilePermissions.fromString("rwxrwxrwx"));
      Files.writeString(actions.resolve("server_start"), serverStart);
      mounts = List.of(new dev.peon.orc.runtime.BindMount(actions.toString(), "/actions", false));
    }
    containers.add(name);
    runtime.create(
        new ContainerSpec(
            name,
            name,
            image,
            List.of(),
            List.of(),
            mounts,
            "1000:1000",
            Map.of("peon.test.run", RUN),
            null,
            true));
    runtime.start(name);
    return name;
  }
}
