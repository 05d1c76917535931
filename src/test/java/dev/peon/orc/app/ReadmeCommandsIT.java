package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.compat.V1Client;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.LocalRegistry;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.Commands;
import dev.peon.orc.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's shell examples, as written, against a real orchestrator started with {@code
 * ./peon serve} on the real dockerd, so that an example that does not work fails the build.
 *
 * <p>Every {@code ```sh} block of README.md carries a marker comment right above it: {@code <!--
 * readme-test: run NAME [after=OTHER] -->} runs it (after block OTHER, on the same orchestrator),
 * {@code <!-- readme-test: skip REASON -->} says why it is not run here. The {@code valheim} plan
 * of the examples is a local plan of the same shape (settings {@code SERVER_NAME}, {@code
 * WORLD_NAME}, {@code PASSWORD}) running the fake game image. What the harness changes, and only
 * that: {@code localhost:5000} becomes the test's port; {@code ./peon serve …} is the harness's own
 * start; a 4xx or 5xx answer fails {@code curl}; commands that follow forever ({@code events},
 * {@code console}, {@code audit --follow}, {@code logs -f}) are stopped after a few seconds; and
 * commands that ask at the terminal get their answers typed on a pseudo-terminal.
 */
class ReadmeCommandsIT {
  private static final Pattern MARKER =
      Pattern.compile(
          "<!-- readme-test: (run|skip) ?(.*?) -->\\s*\\n```sh\\n(.*?)\\n```", Pattern.DOTALL);
  private static final Pattern ANY_SH_BLOCK = Pattern.compile("(?m)^```sh$");
  private static final String GAME = "valheim";

  /** Lines (by prefix) that follow forever: stopped after a few seconds, which is a success. */
  private static final List<String> FOLLOWERS =
      List.of("./peon events", "./peon console", "./peon audit --follow");

  /** Lines (by prefix) that ask at the terminal, and what a user types there. */
  private static final Map<String, String> TYPED =
      Map.of(
          "./peon users add alice", "alice-password-1\nalice-password-1\n",
          "./peon servers delete valheim.camp1 --delete-files", "valheim.camp1\n");

  record Block(String name, String after, String body) {}

  static List<Block> runnableBlocks(String readme) {
    int marked = 0;
    List<Block> blocks = new ArrayList<>();
    Matcher m = MARKER.matcher(readme);
    while (m.find()) {
      marked++;
      if (m.group(1).equals("run")) {
        String[] words = m.group(2).trim().split("\\s+");
        String after = null;
        for (int i = 1; i < words.length; i++) {
          if (words[i].startsWith("after=")) {
            after = words[i].substring("after=".length());
          }
        }
        blocks.add(new Block(words[0], after, m.group(3)));
      } else {
        assertThat(m.group(2).trim()).as("a skipped block says why").isNotEmpty();
      }
    }
    long all = ANY_SH_BLOCK.matcher(readme).results().count();
    assertThat(marked)
        .as("every ```sh block of README.md has a readme-test marker right above it")
        .isEqualTo((int) all);
    return blocks;
  }

  @Test
  void everyRunnableReadmeBlockWorks() throws Exception {
    Path registryDir = Files.createTempDirectory("peon-readme-registry");
    try (LocalRegistry registry = LocalRegistry.start(registryDir)) {
      // served by a registry, so that `servers update --mode image` really pulls
      image = registry.address() + "/peon-test/fakegame:readme";
      for (String[] step :
          List.of(
              new String[] {"docker", "tag", TestImages.fakeGame(), image},
              new String[] {"docker", "push", image})) {
        Commands.Result r = Commands.run(Duration.ofMinutes(2), step);
        assertThat(r.code()).as(r.output()).isZero();
      }
      runAll();
    } finally {
      Commands.run(Duration.ofMinutes(1), "docker", "rmi", image);
      FileTrees.deleteTree(registryDir);
    }
  }

  private String image;

  private void runAll() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    List<Block> blocks = runnableBlocks(readme);
    assertThat(blocks).extracting(Block::name).contains("quickstart", "cli");
    Map<String, Block> byName = new LinkedHashMap<>();
    blocks.forEach(b -> byName.put(b.name(), b));
    for (Block b : blocks) {
      List<Block> chain = new ArrayList<>();
      for (Block c = b; c != null; c = c.after() == null ? null : byName.get(c.after())) {
        chain.add(0, c);
      }
      runOnAFreshOrchestrator(chain);
    }
  }

  private void runOnAFreshOrchestrator(List<Block> chain) throws Exception {
    Path work = Files.createTempDirectory("peon-readme-it");
    int port = FreePorts.any();
    Process daemon = null;
    String name = chain.get(chain.size() - 1).name();
    try {
      Path launcher = work.resolve("peon");
      Files.writeString(
          launcher,
          "#!/usr/bin/env bash\nPEON_NO_BUILD=1 exec "
              + Path.of("peon").toAbsolutePath()
              + " \"$@\"\n");
      Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
      writePlan(work.resolve("plans"));
      Files.writeString(work.resolve("bot-password.txt"), "bot-password-1\n");
      ProcessBuilder b =
          new ProcessBuilder(
                  launcher.toString(),
                  "serve",
                  "--plans",
                  work.resolve("plans").toString(),
                  "--port",
                  Integer.toString(port),
                  "--set",
                  "network.subnet.pool=10.218.0.0/24",
                  "--set",
                  "stop.timeout=5s")
              .directory(work.toFile())
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("daemon.log").toFile());
      daemon = b.start();
      V1Client probe = new V1Client(port, "none");
      Process d = daemon;
      Await.until(
          Duration.ofSeconds(60),
          () -> {
            assertThat(d.isAlive()).as("daemon alive: " + log(work)).isTrue();
            try {
              return probe.get("/readyz").status() == 200;
            } catch (UncheckedIOException e) {
              return false;
            }
          });
      for (Block block : chain) {
        Path script = work.resolve(block.name() + ".sh");
        Files.writeString(script, script(block.body(), port));
        Commands.Result r =
            Commands.run(
                Duration.ofMinutes(5),
                Map.of("PEON_URL", "http://127.0.0.1:" + port, "HOME", work.toString()),
                "bash",
                "-c",
                "cd " + work + " && bash " + script);
        assertThat(r.code())
            .as(
                "README block '%s' (run for '%s') failed; its trace:\n%s\n---- daemon log:\n%s",
                block.name(), name, r.output(), log(work))
            .isZero();
      }
    } finally {
      if (daemon != null) {
        daemon.destroy();
        daemon.waitFor();
      }
      removeServers();
      FileTrees.deleteTree(work);
    }
  }

  /** The block as a bash script, with the harness's changes (see the class comment). */
  static String script(String body, int port) {
    StringBuilder s = new StringBuilder();
    s.append("set -euo pipefail\n")
        .append("curl() { command curl --fail-with-body \"$@\"; }\n")
        .append("set -x\n");
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : body.split("\n", -1)) {
      current.append(line);
      if (line.endsWith("\\")) {
        current.append('\n');
        continue;
      }
      lines.add(current.toString());
      current.setLength(0);
    }
    for (String line : lines) {
      String cmd = line.replace("localhost:5000", "localhost:" + port);
      String bare = cmd.strip();
      if (bare.startsWith("./peon serve ")) {
        s.append("# started by the harness: ").append(bare.replace("\n", " ")).append('\n');
        continue;
      }
      String typed = null;
      for (Map.Entry<String, String> e : TYPED.entrySet()) {
        if (bare.startsWith(e.getKey())) {
          typed = e.getValue();
        }
      }
      if (typed != null) {
        String noComment = bare.replaceAll("\\s+#.*$", "");
        s.append("printf '%b' ")
            .append(shellQuote(typed.replace("\n", "\\n")))
            .append(" | script -qefc ")
            .append(shellQuote(noComment))
            .append(" /dev/null\n");
      } else if (FOLLOWERS.stream().anyMatch(bare::startsWith)
          || bare.matches("\\./peon logs .* -f( .*)?")) {
        String noComment = bare.replaceAll("\\s+#.*$", "");
        s.append("timeout -s INT 4 ")
            .append(noComment)
            .append(" < /dev/null || { rc=$?; [ $rc -eq 124 ] || [ $rc -eq 130 ]; }\n");
      } else {
        s.append(cmd).append('\n');
      }
    }
    return s.toString();
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String log(Path work) {
    try {
      Path f = work.resolve("daemon.log");
      if (!Files.exists(f)) {
        return "";
      }
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static void removeServers() {
    try (DockerContainerRuntime docker = new DockerContainerRuntime(TestDocker.host())) {
      for (ContainerInfo c : docker.list(Map.of("dev.peon.game", GAME))) {
        docker.remove(c.name());
      }
      for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
        if (n.startsWith(GAME + "_")) {
          docker.removeNetwork(n);
        }
      }
    }
  }

  /** A plan shaped like upstream's valheim (its settings and port group), on the fake game. */
  private void writePlan(Path plans) throws IOException {
    Path plan = plans.resolve(GAME);
    Files.createDirectories(plan.resolve("actions"));
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {
          "metadata": {"game_uid": "valheim", "warcamp": "default", "version": "1.0.0",
            "description": "Valheim (a fake game of the same shape)", "mode": "steamcmd",
            "hostname": "peon.warcamp.valheim", "image": "%s"},
          "ports": [ [ {"PORT": ["2456", "udp"]}, {"QUERY_PORT": ["2457", "udp"]} ] ],
          "environment": {"STEAM_ID": "896660", "SERVER_NAME": null, "WORLD_NAME": null,
            "PASSWORD": null},
          "volumes": {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
            "~!/config": "/home/steam/config", "~!/user": "/home/steam/user"}
        }
        """
            .formatted(image));
    Files.writeString(
        plans.resolve("plans.json"),
        """
        [{"title": "Valheim", "game_uid": "valheim", "plan_url": "local"}]
        """);
  }
}
