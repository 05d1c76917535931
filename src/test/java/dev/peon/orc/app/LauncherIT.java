package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.testing.Commands;
import dev.peon.orc.testing.Commands.Result;
import dev.peon.orc.testing.FreePorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./peon} launcher and the files of README "Run it as a service": a too old JDK gets a
 * clear message instead of {@code UnsupportedClassVersionError}, the service mode never builds, the
 * daemon starts without the JDK's native-access warnings, and the systemd unit verifies.
 */
class LauncherIT {
  private static final Path LAUNCHER = Path.of("peon").toAbsolutePath();

  @Test
  void aJavaOlderThan21IsNamedWithTheWayOut() throws IOException {
    Path old;
    try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
      old =
          jvms.filter(p -> p.getFileName().toString().matches("java-(1[1-7]|8)-openjdk-.*"))
              .filter(p -> Files.isExecutable(p.resolve("bin/java")))
              .findFirst()
              .orElse(null);
    }
    assumeTrue(old != null, "no JDK older than 21 on this machine");
    Result r =
        Commands.run(
            Duration.ofMinutes(2),
            Map.of("JAVA_HOME", old.toString()),
            LAUNCHER.toString(),
            "--version");
    assertThat(r.code()).as(r.output()).isEqualTo(2);
    assertThat(r.output()).contains("PEON needs 21 or newer").contains("JAVA_HOME");
    assertThat(r.output()).doesNotContain("UnsupportedClassVersionError");
  }

  @Test
  void theServiceModeNeverBuildsAndSaysHowTo() throws IOException {
    Path checkout = Files.createTempDirectory("peon-launcher-it");
    try {
      Files.copy(LAUNCHER, checkout.resolve("peon"));
      Files.createDirectories(checkout.resolve("src/main"));
      Result r =
          Commands.run(
              Duration.ofMinutes(2),
              Map.of("PEON_NO_BUILD", "1"),
              checkout.resolve("peon").toString(),
              "--version");
      assertThat(r.code()).as(r.output()).isEqualTo(1);
      assertThat(r.output()).contains("is missing and PEON_NO_BUILD is set").contains("--version");
      assertThat(checkout.resolve("target")).doesNotExist();
    } finally {
      FileTrees.deleteTree(checkout);
    }
  }

  @Test
  void theDaemonStartsWithoutNativeAccessWarnings() throws Exception {
    Path data = Files.createTempDirectory("peon-launcher-data");
    ProcessBuilder launch =
        new ProcessBuilder(
                LAUNCHER.toString(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(FreePorts.any()),
                "--data-dir",
                data.toString(),
                "--plans",
                data.resolve("no-plans").toString())
            .redirectErrorStream(true);
    launch.environment().put("PEON_NO_BUILD", "1");
    Process p = launch.start();
    p.getOutputStream().close();
    StringBuilder out = new StringBuilder();
    try (var reader = p.inputReader(StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        out.append(line).append('\n');
        if (line.contains(" ready ")) {
          break;
        }
      }
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
      FileTrees.deleteTree(data);
    }
    assertThat(out.toString()).contains(" ready ");
    assertThat(out.toString()).doesNotContain("WARNING: A restricted method");
    assertThat(out.toString()).doesNotContain("native access");
  }

  @Test
  void theSystemdUnitVerifies() throws IOException {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
    Path dir = Files.createTempDirectory("peon-unit-it");
    try {
      // the unit names /opt/peon-orchestrator; verify it against this checkout
      String unit =
          Files.readString(Path.of("packaging/peon.service"))
              .replace("/opt/peon-orchestrator", Path.of("").toAbsolutePath().toString());
      Path file = dir.resolve("peon.service");
      Files.writeString(file, unit);
      Result r =
          Commands.run(
              Duration.ofMinutes(2), Map.of(), analyze.toString(), "verify", file.toString());
      assertThat(r.code()).as(r.output()).isZero();
      assertThat(r.output().lines().filter(l -> l.contains("peon.service")).toList())
          .as(r.output())
          .isEmpty();
    } finally {
      FileTrees.deleteTree(dir);
    }
  }
}
