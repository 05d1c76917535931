package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Operations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The orchestrator, run as a child process, is killed with SIGKILL in the middle of a backup and in
 * the middle of a restore; the next start must list no half backup, leave no temporary files, keep
 * the server folder whole and bring the server back to running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupCrashIT {
  private static final String GAME = "backupcrash";
  private static final String SERVER = GAME + ".crash1";
  private static final String KEY = "crash-key-" + Long.toHexString(System.nanoTime());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BLOB_MIB = 384;
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private Path data;
  private Path backupDir;
  private Path serverDir;
  private Path log;
  private int port;
  private String base;
  private Process child;
  private DockerContainerRuntime docker;
  private String blobSha;

  @BeforeAll
  void setUp() throws Exception {
    root = Files.createTempDirectory("peon-backup-crash");
    data = root.resolve("data");
    backupDir = root.resolve("backups");
    log = root.resolve("child.log");
    docker = new DockerContainerRuntime(TestDocker.host());
    BackupIT.writePlan(root.resolve("plans"), GAME, TestImages.fakeGame(), BackupIT.freePort());
    port = BackupIT.freePort();
    base = "http://127.0.0.1:" + port;
    serverDir = data.resolve("servers").resolve(GAME).resolve("crash1");
    startChild();
  }

  @AfterAll
  void tearDown() throws IOException {
    if (child != null) {
      child.destroyForcibly();
    }
    for (ContainerInfo c : docker.list(Map.of("dev.peon.game", GAME))) {
      docker.remove(c.name());
    }
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith(GAME + "_")) {
        docker.removeNetwork(n);
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  private void startChild() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.peon.orc.app.Main");
    cmd.addAll(
        List.of(
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            "--data-dir",
            data.toString(),
            "--plans",
            root.resolve("plans").toString(),
            "--set",
            "api.key=" + KEY,
            "--set",
            "stop.timeout=5s",
            "--set",
            "network.subnet.pool=10.221.4.0/22",
            "--set",
            "backup.dir=" + backupDir,
            "--set",
            "docker.host=" + TestDocker.host()));
    child =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    BackupIT.await(
        "the orchestrator to answer (log: " + log + ")",
        () -> {
          if (!child.isAlive()) {
            throw new AssertionError("the orchestrator exited; see " + log);
          }
          try {
            return call("GET", "/api/v2/servers", null).status() == 200;
          } catch (UncheckedIOException e) {
            return false;
          }
        });
  }

  private void killChild() throws InterruptedException {
    child.destroyForcibly();
    child.waitFor();
  }

  @Test
  @Order(1)
  void serverRunsWithABigInstall() throws Exception {
    BackupIT.Res created =
        call("POST", "/api/v2/servers", "{\"game\": \"" + GAME + "\", \"name\": \"crash1\"}");
    assertThat(created.status()).isEqualTo(202);
    Operations.awaitResult(p -> call("GET", p, null).json(), created.json());
    Files.createDirectories(serverDir.resolve("data/install"));
    var md = BackupArchive.sha256();
    byte[] chunk = new byte[1 << 20];
    Random r = new Random(11);
    try (var out = Files.newOutputStream(serverDir.resolve("data/install/blob.bin"))) {
      for (int i = 0; i < BLOB_MIB; i++) {
        r.nextBytes(chunk);
        md.update(chunk);
        out.write(chunk);
      }
    }
    blobSha = BackupArchive.hex(md.digest());
    awaitOperation(call("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\": \"start\"}"));
    BackupIT.await("the world to be written", () -> BackupIT.index(serverDir) > 20);
  }

  @Test
  @Order(2)
  void killedMidBackupLeavesNoHalfBackupAndTheServerRunsAgain() throws Exception {
    call("PUT", "/api/v2/servers/" + SERVER + "/backup-policy", "{\"mode\": \"stop\"}");
    JsonNode op = call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}").json();
    awaitProgress(op.get("id").asText(), "archiving", 10);
    killChild();
    assertThat(state())
        .as("the crash left the server stopped")
        .isNotEqualTo(ContainerState.RUNNING);
    assertThat(partials()).as("the crash left a partial archive").isNotEmpty();

    startChild();
    assertThat(call("GET", "/api/v2/servers/" + SERVER + "/backups", null).json().get("items"))
        .isEmpty();
    assertThat(partials()).isEmpty();
    BackupIT.await("the server to run again", () -> state() == ContainerState.RUNNING);
    long i = BackupIT.index(serverDir);
    BackupIT.await("the world to move on", () -> BackupIT.index(serverDir) > i + 5);
  }

  @Test
  @Order(3)
  void killedMidPauseBackupLeavesTheServerFrozenUntilTheNextStartThaws() throws Exception {
    call("PUT", "/api/v2/servers/" + SERVER + "/backup-policy", "{\"mode\": \"pause\"}");
    JsonNode op = call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}").json();
    awaitProgress(op.get("id").asText(), "archiving", 10);
    killChild();
    assertThat(state()).isEqualTo(ContainerState.PAUSED);

    startChild();
    BackupIT.await("the server to be thawed", () -> state() == ContainerState.RUNNING);
    assertThat(call("GET", "/api/v2/servers/" + SERVER + "/backups", null).json().get("items"))
        .isEmpty();
    assertThat(partials()).isEmpty();
    call("PUT", "/api/v2/servers/" + SERVER + "/backup-policy", "{\"mode\": \"stop\"}");
  }

  @Test
  @Order(4)
  void killedMidRestoreKeepsTheFolderWholeAndTheServerRunsAgain() throws Exception {
    JsonNode done = awaitOperation(call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}"));
    assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("succeeded");
    String id = done.get("result").get("id").asText();
    JsonNode op =
        call("POST", "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore", "{}").json();
    awaitProgress(op.get("id").asText(), "extracting", 40);
    killChild();
    assertThat(state()).isNotEqualTo(ContainerState.RUNNING);

    startChild();
    BackupIT.await("the server to run again", () -> state() == ContainerState.RUNNING);
    try (Stream<Path> s = Files.list(serverDir.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("crash1");
    }
    assertThat(BackupArchive.hex(sha256(serverDir.resolve("data/install/blob.bin"))))
        .isEqualTo(blobSha);
    BackupIT.assertWorldReadable(serverDir.resolve("user"), false);
    assertThat(partials()).isEmpty();
    JsonNode items =
        call("GET", "/api/v2/servers/" + SERVER + "/backups", null).json().get("items");
    assertThat(items.findValuesAsText("id")).contains(id);
    // the restore can be run again to its end
    JsonNode again =
        awaitOperation(
            call("POST", "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore", "{}"));
    assertThat(again.get("status").asText()).as(again.toString()).isEqualTo("succeeded");
    assertThat(state()).isEqualTo(ContainerState.RUNNING);
  }

  // ------------------------------------------------------------------ helpers

  private static byte[] sha256(Path p) throws IOException {
    var md = BackupArchive.sha256();
    try (var in = Files.newInputStream(p)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return md.digest();
  }

  private List<Path> partials() throws IOException {
    if (!Files.isDirectory(backupDir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(backupDir)) {
      return s.filter(p -> p.toString().endsWith(".partial")).toList();
    }
  }

  private ContainerState state() {
    return docker.inspect("peon.warcamp." + SERVER).map(ContainerInfo::state).orElse(null);
  }

  private void awaitProgress(String op, String message, int percent) {
    BackupIT.await(
        "operation " + op + " to reach " + message + " " + percent + "%",
        () -> {
          JsonNode o = call("GET", "/api/v2/operations/" + op, null).json();
          if (o.get("status").asText().equals("failed")
              || o.get("status").asText().equals("succeeded")) {
            throw new AssertionError("finished before the kill: " + o);
          }
          JsonNode p = o.get("progress");
          return p.get("message").asText().startsWith(message)
              && p.hasNonNull("percent")
              && p.get("percent").asInt() >= percent;
        });
  }

  private JsonNode awaitOperation(BackupIT.Res accepted) {
    assertThat(accepted.status()).as(accepted.json().toString()).isEqualTo(202);
    String op = accepted.json().get("id").asText();
    JsonNode[] last = new JsonNode[1];
    BackupIT.await(
        "operation " + op,
        () -> {
          last[0] = call("GET", "/api/v2/operations/" + op, null).json();
          String s = last[0].get("status").asText();
          return s.equals("succeeded") || s.equals("failed");
        });
    return last[0];
  }

  private BackupIT.Res call(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("X-Api-Key", KEY)
            .header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
      return new BackupIT.Res(r.statusCode(), json, r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
