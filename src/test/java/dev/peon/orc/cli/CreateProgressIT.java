package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peon.orc.app.Application;
import dev.peon.orc.compat.V1Client;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.LocalRegistry;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.ThrottlingProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A create whose image must be downloaded, end to end: a local registry (/usr/bin/docker-registry)
 * reached by dockerd through a proxy that serves it slowly, a real orchestrator, and the real
 * {@code peon servers create --start} in-process. The CLI shows the download's progress and the
 * server ends up running; a v1 create of such an image still answers only once the server exists.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CreateProgressIT {
  private static final String KEY = "create-it-key-" + Long.toHexString(System.nanoTime());
  private static final String NONCE = Long.toHexString(System.nanoTime());
  private static final int LAYER = 6 * 1024 * 1024;

  private Path root;
  private LocalRegistry registry;
  private ThrottlingProxy slow;
  private Application app;
  private DockerContainerRuntime docker;
  private String url;
  private int port;
  private final List<String> images = new ArrayList<>();

  @BeforeAll
  void start() throws IOException {
    root = Files.createTempDirectory("peon-create-it");
    docker = new DockerContainerRuntime(TestDocker.host());
    registry = LocalRegistry.start(root.resolve("registry"));
    // about 1 MiB/s: the 6 MiB layer takes several seconds, enough for many progress reports
    slow = ThrottlingProxy.start(Integer.parseInt(registry.address().split(":")[1]), 1 << 20);
    String cliImage = pushedThroughSlowProxy("cli");
    String v1Image = pushedThroughSlowProxy("v1");
    Path plans = root.resolve("plans");
    writePlan(plans, "slowcli", cliImage);
    writePlan(plans, "slowvone", v1Image);
    Files.writeString(
        plans.resolve("plans.json"),
        """
        [{"title": "Slow CLI", "game_uid": "slowcli", "plan_url": "local"},
         {"title": "Slow v1", "game_uid": "slowvone", "plan_url": "local"}]
        """);
    app =
        Application.start(
            new ConfigLoader()
                .load(
                    null,
                    Map.of(),
                    Map.of(
                        "listen.host",
                        "127.0.0.1",
                        "listen.port",
                        "0",
                        "data.dir",
                        root.resolve("data").toString(),
                        "plans.source",
                        plans.toString(),
                        "api.key",
                        KEY,
                        "stop.timeout",
                        "5s",
                        "network.subnet.pool",
                        "10.219.64.0/20",
                        "docker.host",
                        TestDocker.host())),
            Clock.systemUTC());
    port = app.port();
    url = "http://127.0.0.1:" + port;
  }

  /**
   * Builds an image with a random layer, pushes it to the registry and removes it locally, so that
   * creating a server of it must download that layer; answers its name through the slow proxy.
   */
  private String pushedThroughSlowProxy(String what) {
    String local = TestImages.withRandomLayer("peon-test/slowpull:" + what + "-" + NONCE, LAYER);
    images.add(local);
    String pushed = TestImages.tagAndPush(local, registry, "peon/slowpull", what + "-" + NONCE);
    TestImages.removeImage(pushed);
    TestImages.removeImage(local);
    String viaProxy = slow.address() + "/peon/slowpull:" + what + "-" + NONCE;
    images.add(viaProxy);
    return viaProxy;
  }

  private static void writePlan(Path plans, String game, String image) throws IOException {
    Path dir = Files.createDirectories(plans.resolve(game));
    Files.writeString(
        dir.resolve("plan.json"),
        """
        {
          "metadata": {"game_uid": "%s", "version": "1.0.0", "description": "slow download",
            "mode": "steamcmd", "image": "%s"},
          "ports": [],
          "environment": {"STEAM_ID": "896660", "SERVER_NAME": "slow"},
          "volumes": {"~!/data": "/home/steam/steamcmd/data", "~!/config": "/home/steam/config"}
        }
        """
            .formatted(game, image));
  }

  @AfterAll
  void cleanUp() throws IOException {
    if (app != null) {
      app.close();
    }
    for (ContainerInfo c : docker.list(Map.of("dev.peon.managed", "true"))) {
      if (c.name().contains(".slowcli.") || c.name().contains(".slowvone.")) {
        docker.remove(c.name());
      }
    }
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith("slowcli_") || n.startsWith("slowvone_")) {
        docker.removeNetwork(n);
      }
    }
    images.forEach(TestImages::removeImage);
    docker.close();
    if (slow != null) {
      slow.close();
    }
    if (registry != null) {
      registry.close();
    }
    FileTrees.deleteTree(root);
  }

  @Test
  void createShowsTheDownloadAsItGoesThenStartsTheServer() {
    CliRun r =
        CliRun.of("servers", "create", "slowcli", "one", "--start", "--url", url, "--api-key", KEY);

    assertThat(r.code()).as(r.toString()).isZero();
    List<String> downloads =
        r.err().lines().filter(l -> l.contains("pull ") && l.contains(" MiB ")).toList();
    assertThat(downloads)
        .as("progress lines with bytes\n" + r)
        .hasSizeGreaterThanOrEqualTo(3)
        .anyMatch(l -> l.contains("layers"))
        .anyMatch(l -> l.contains("MiB"));
    assertThat(downloads.stream().distinct().count()).as(r.toString()).isGreaterThanOrEqualTo(3);
    // the later steps are quick and polled every 250 ms: the start is proven below, not by a line
    assertThat(r.out()).startsWith("created and started slowcli.one\n");
    assertThat(docker.inspect("peon.warcamp.slowcli.one").orElseThrow().state())
        .isEqualTo(ContainerState.RUNNING);

    CliRun ops =
        CliRun.of("operations", "list", "--server", "slowcli.one", "--url", url, "--api-key", KEY);
    assertThat(ops.out()).contains("server.create").contains("succeeded");
  }

  @Test
  void aV1CreateStillAnswersOnlyOnceTheServerExists() {
    V1Client v1 = new V1Client(port, KEY);

    V1Client.Response created =
        v1.put("/api/v1/server/create/slowvone.one", "{\"start_later\": true}");

    assertThat(created.status()).as(created.body()).isEqualTo(200);
    assertThat(created.json().path("status").asText()).isEqualTo("success");
    // nothing to wait for: the image is here and the server is listed the moment v1 answers
    assertThat(docker.inspectImage(images.get(3))).isPresent();
    JsonNode server = v1.get("/api/v2/servers/slowvone.one").json();
    assertThat(server.path("state").asText()).isEqualTo("created");
    assertThat(v1.get("/api/v2/operations?server=slowvone.one").json().path("items")).isEmpty();
  }
}
