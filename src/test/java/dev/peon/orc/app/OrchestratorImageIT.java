package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.compat.V1Client;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.Commands;
import dev.peon.orc.testing.Commands.Result;
import dev.peon.orc.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The orchestrator's own container image, as README "Run it as a service" builds and runs it:
 * {@code packaging/build-image} makes it from the jar with no registry, and the container, given
 * the Docker socket and the data folder at the same path, creates and starts a game server on the
 * real dockerd, then stops cleanly on {@code docker stop}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrchestratorImageIT {
  private static final String GAME = "imagegame";
  private static final String SUFFIX = Long.toHexString(System.nanoTime());
  private static final String IMAGE = "peon-orchestrator:it-" + SUFFIX;
  private static final String CONTAINER = "peon-orchestrator-it-" + SUFFIX;
  private static final String KEY = "image-it-key-" + SUFFIX;
  private static final String SERVER = GAME + ".c" + SUFFIX;

  private Path root;
  private int port;

  @BeforeAll
  void build() throws IOException {
    root = Files.createTempDirectory("peon-image-it");
    port = FreePorts.any();
    Path jar = Path.of("target/peon-orchestrator.jar");
    assertThat(jar).as("the packaged jar (failsafe runs after package)").exists();
    Result built = Commands.run(Duration.ofMinutes(5), "packaging/build-image", "--tag", IMAGE);
    assertThat(built.code()).as(built.output()).isZero();
    assertThat(built.output()).contains("built " + IMAGE);
  }

  @AfterAll
  void cleanUp() throws IOException {
    Commands.run(Duration.ofMinutes(1), "docker", "rm", "-f", CONTAINER);
    Result left =
        Commands.run(
            Duration.ofMinutes(1),
            "docker",
            "ps",
            "-aq",
            "--filter",
            "label=dev.peon.server=" + SERVER);
    for (String id : left.output().split("\\s+")) {
      if (!id.isBlank()) {
        Commands.run(Duration.ofMinutes(1), "docker", "rm", "-f", id);
      }
    }
    Commands.run(Duration.ofMinutes(1), "docker", "network", "rm", SERVER.replace('.', '_'));
    Commands.run(Duration.ofMinutes(1), "docker", "rmi", IMAGE);
    FileTrees.deleteTree(root);
  }

  @Test
  void theImageRunsTheOrchestratorWhichRunsAGameServer() throws IOException {
    Result version =
        Commands.run(Duration.ofMinutes(1), "docker", "run", "--rm", IMAGE, "--version");
    assertThat(version.output()).contains("PEON Orchestrator");

    Path data = root.resolve("data");
    Path plans = root.resolve("plans");
    Files.createDirectories(data);
    writePlan(plans, TestImages.fakeGame(), FreePorts.any());
    Result started =
        Commands.run(
            Duration.ofMinutes(1),
            "docker",
            "run",
            "-d",
            "--name",
            CONTAINER,
            "--network",
            "host",
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock",
            "-v",
            root + ":" + root,
            "-e",
            "PEON_DATA_DIR=" + data,
            "-e",
            "PEON_PLANS_SOURCE=" + plans,
            "-e",
            "PEON_LISTEN_PORT=" + port,
            "-e",
            "PEON_API_KEY=" + KEY,
            "-e",
            "PEON_NETWORK_SUBNET_POOL=10.217.0.0/24",
            IMAGE);
    assertThat(started.code()).as(started.output()).isZero();
    V1Client api = new V1Client(port, KEY);
    Await.until(
        Duration.ofSeconds(90),
        () -> {
          try {
            return api.get("/readyz").status() == 200;
          } catch (UncheckedIOException e) {
            return false;
          }
        });

    V1Client.Response created =
        api.put(
            "/api/v1/server/create/" + SERVER,
            "{\"SERVER_NAME\":\"Camp\",\"WORLD_NAME\":\"camp\"}");
    assertThat(created.status()).as(created.body() + logs()).isEqualTo(200);
    Await.until(
        Duration.ofSeconds(60),
        () ->
            api.get("/api/v1/server/get/" + SERVER)
                .body()
                .contains("\"container_state\":\"running\""));
    // the server folder is where the orchestrator in the container put it, on the host
    assertThat(data.resolve("servers").resolve(GAME).resolve("c" + SUFFIX).resolve("config.json"))
        .exists();

    V1Client.Response deleted = api.delete("/api/v1/server/destroy/" + SERVER, null);
    assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);

    Result stopped = Commands.run(Duration.ofMinutes(2), "docker", "stop", "-t", "60", CONTAINER);
    assertThat(stopped.code()).as(stopped.output()).isZero();
    assertThat(logs()).contains("PEON Orchestrator stopped");
  }

  private String logs() {
    return Commands.run(Duration.ofMinutes(1), "docker", "logs", CONTAINER).output();
  }

  private static void writePlan(Path plans, String image, int gamePort) throws IOException {
    Path plan = plans.resolve(GAME);
    Files.createDirectories(plan.resolve("actions"));
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {
          "metadata": {"game_uid": "%s", "warcamp": "default", "version": "1.0.0",
            "description": "A fake game for the image test", "mode": "steamcmd",
            "hostname": "peon.warcamp.%s", "image": "%s"},
          "ports": [ [ {"PORT": ["%d", "udp"]} ] ],
          "environment": {"STEAM_ID": "896660", "SERVER_NAME": null, "WORLD_NAME": null},
          "volumes": {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
            "~!/config": "/home/steam/config", "~!/user": "/home/steam/user"}
        }
        """
            .formatted(GAME, GAME, image, gamePort));
    Files.writeString(
        plans.resolve("plans.json"),
        """
        [{"title": "Image Game", "game_uid": "%s", "plan_url": "local"}]
        """
            .formatted(GAME));
  }
}
