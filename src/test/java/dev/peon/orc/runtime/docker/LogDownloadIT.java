package dev.peon.orc.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A big container log (200,000 lines, about 40 MB) read whole in a JVM with a 32 MiB heap: the
 * streaming read gets every line; collecting the same log into a list runs out of memory there,
 * which shows the heap is small enough for the check to mean something.
 */
class LogDownloadIT {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String NAME = "peon-biglog-" + RUN;
  private static final int LINES = 200_000;
  private static final String HEAP = "-Xmx32m";

  @TempDir static Path temp;
  private static DockerContainerRuntime runtime;

  @BeforeAll
  static void printABigLog() throws IOException {
    TestDocker.closeQuietly(TestDocker.client());
    // room for the whole log: 200k lines of ~200 bytes in json-file
    runtime =
        new DockerContainerRuntime(
            TestDocker.host(), DockerSettings.defaults().withLogRotation("100m", 2));
    Path actions = temp.resolve("actions");
    Files.createDirectories(actions);
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(actions, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(
        actions.resolve("server_start"),
        "s=x; for i in 1 2 3 4 5 6 7; do s=\"$s$s\"; done\n" // 128 characters
            + "yes \"big-log-line $s\" | head -n "
            + LINES
            + "\necho big-log-done\nsleep 3600\n");
    runtime.create(
        new ContainerSpec(
            NAME,
            null,
            TestImages.fakeGame(),
            List.of(),
            List.of(),
            List.of(new BindMount(actions.toString(), "/actions", false)),
            "1000:1000",
            Map.of("peon.test.biglog", RUN),
            null,
            false));
    runtime.start(NAME);
    Polling.await(
        "the whole log written",
        Duration.ofMinutes(3),
        () -> {
          var last = runtime.logs(NAME, null, 1);
          return !last.isEmpty() && last.getLast().text().equals("big-log-done");
        });
  }

  @AfterAll
  static void cleanUp() {
    if (runtime != null) {
      runtime.remove(NAME);
      runtime.close();
    }
  }

  @Test
  void streamsTheWholeLogInASmallHeap() throws Exception {
    Result streamed = drain("stream");
    assertThat(streamed.exit()).as(streamed.output()).isZero();
    // the game's greeting, every line, and the end marker
    assertThat(streamed.output()).contains("lines=" + (LINES + 2));
  }

  @Test
  void collectingTheSameLogDoesNotFitThatHeap() throws Exception {
    Result listed = drain("list");
    assertThat(listed.exit()).as(listed.output()).isNotZero();
    assertThat(listed.output()).contains("OutOfMemoryError");
  }

  record Result(int exit, String output) {}

  private static Result drain(String mode) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path out = Files.createTempFile(temp, "drain", ".txt");
    Process p =
        new ProcessBuilder(
                java,
                HEAP,
                // an OutOfMemoryError on a stream thread would leave the reader waiting forever
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                LogDrain.class.getName(),
                TestDocker.host(),
                NAME,
                mode)
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the drain did not end: " + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }
}
