package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.FreePorts;
import dev.peon.orc.testing.Operations;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Backups end to end against a real dockerd, through the HTTP API: a fake game server keeps writing
 * its world (numbered chunks, each replaced atomically, and an index) while backups run in each
 * consistency mode; restores, dry runs, partial restores, uploads of damaged and hostile archives,
 * a full disk (a 64 MiB tmpfs as the backup folder) and a power action racing a backup.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupIT {
  static final String GAME = "backupgame";
  static final String SERVER = GAME + ".world1";
  static final int CHUNK_LINES = 200;
  private static final String KEY = "backup-key-" + Long.toHexString(System.nanoTime());
  private static final String OWNER_PASSWORD = "owner-pw-" + Long.toHexString(System.nanoTime());
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private Path root;
  private Path data;
  private Path backupDir;
  private Path serverDir;
  private Application app;
  private String base;
  private DockerContainerRuntime docker;
  private final List<String> backupIds = new ArrayList<>();

  record Res(int status, JsonNode json, HttpResponse<String> raw) {}

  /** The world writer: numbered chunks replaced atomically (write tmp + mv), then the index. */
  static final String WORLD_WRITER =
      """
      #!/bin/sh
      W=/home/steam/world
      mkdir -p "$W/chunks"
      i=0
      [ -f "$W/index" ] && i=$(cat "$W/index")
      while true; do
        i=$((i+1))
        c=$((i %% 20))
        yes "$i" | head -n %d > "$W/chunks/.c$c.tmp"
        mv "$W/chunks/.c$c.tmp" "$W/chunks/c$c.txt"
        echo "$i" > "$W/.index.tmp"
        mv "$W/.index.tmp" "$W/index"
        usleep 3000
      done
      """
          .formatted(CHUNK_LINES);

  static Path writePlan(Path plans, String game, String image, int port) throws IOException {
    return writePlan(plans, game, image, port, WORLD_WRITER);
  }

  static Path writePlan(Path plans, String game, String image, int port, String serverStart)
      throws IOException {
    Path plan = plans.resolve(game);
    Files.createDirectories(plan.resolve("actions"));
    Files.createDirectories(plan.resolve("data"));
    Files.writeString(
        plan.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s", "description": "backup test game"},
         "ports": [[{"PORT": ["%d", "tcp"]}]],
         "environment": {"SERVER_NAME": "world"},
         "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                     "~!/actions": "/actions", "~!/user": "/home/steam/world"}}
        """
            .formatted(game, image, port));
    Files.writeString(plan.resolve("actions/server_start"), serverStart);
    Files.writeString(plan.resolve("data/readme.txt"), "install files\n");
    return plan;
  }

  @BeforeAll
  void start() throws Exception {
    root = Files.createTempDirectory("peon-backup-it");
    data = root.resolve("data");
    backupDir = root.resolve("backups");
    Files.createDirectories(backupDir);
    run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", backupDir.toString());
    docker = new DockerContainerRuntime(TestDocker.host());
    writePlan(root.resolve("plans"), GAME, TestImages.fakeGame(), freePort());
    app =
        Application.start(
            new ConfigLoader()
                .load(
                    null,
                    Map.of(),
                    flags(
                        "listen.host",
                        "127.0.0.1",
                        "listen.port",
                        "0",
                        "data.dir",
                        data.toString(),
                        "backup.dir",
                        backupDir.toString(),
                        "plans.source",
                        root.resolve("plans").toString(),
                        "api.key",
                        KEY,
                        "stop.timeout",
                        "5s",
                        "network.subnet.pool",
                        "10.221.0.0/22",
                        "docker.host",
                        TestDocker.host(),
                        "owner.password",
                        OWNER_PASSWORD,
                        // the backup folder is a 64 MiB tmpfs: a small reserve
                        "backup.reserve",
                        "1m",
                        "backup.reserve.percent",
                        "0")),
            Clock.systemUTC());
    base = "http://127.0.0.1:" + app.port();
    serverDir = data.resolve("servers").resolve(GAME).resolve("world1");
  }

  @AfterAll
  void stop() throws IOException {
    if (app != null) {
      app.close();
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
    run("umount", backupDir.toString());
    FileTrees.deleteTree(root);
  }

  @Test
  @Order(1)
  void serverRunsAndWritesItsWorld() {
    Res created =
        call("POST", "/api/v2/servers", "{\"game\": \"" + GAME + "\", \"name\": \"world1\"}");
    assertThat(created.status()).as(created.json().toString()).isEqualTo(202);
    Operations.awaitResult(p -> call("GET", p, null).json(), created.json());
    awaitOperation(call("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\": \"start\"}"));
    await("the world to be written", () -> index(serverDir) > 50);
  }

  @Test
  @Order(2)
  void backupsInEachModeWhileTheWorldIsWrittenAreWholeAndConsistent() throws Exception {
    for (String mode : List.of("stop", "pause", "live")) {
      Res policy =
          call(
              "PUT",
              "/api/v2/servers/" + SERVER + "/backup-policy",
              "{\"mode\": \"" + mode + "\", \"excludes\": [\"data/install\"]}");
      assertThat(policy.status()).as(policy.json().toString()).isEqualTo(200);
      long before = index(serverDir);
      JsonNode op = awaitOperation(call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}"));
      assertThat(op.get("status").asText()).as(op.toString()).isEqualTo("succeeded");
      String id = op.get("result").get("id").asText();
      backupIds.add(id);
      assertThat(state())
          .as("server running after a %s backup", mode)
          .isEqualTo(ContainerState.RUNNING);
      await(
          "the world to move on after the " + mode + " backup",
          () -> index(serverDir) > before + 5);

      JsonNode b = get("/api/v2/servers/" + SERVER + "/backups/" + id).json();
      assertThat(b.get("consistency").asText()).isEqualTo(mode);
      assertThat(b.get("origin").asText()).isEqualTo("manual");
      byte[] archive = download(id, b.get("sha256").asText());
      assertThat((long) archive.length).isEqualTo(b.get("size").asLong());
      Path out = Files.createTempDirectory(root, "check-" + mode);
      BackupArchive.Read read =
          new BackupArchive(3, 0).read(new ByteArrayInputStream(archive), out, p -> true);
      assertThat(read.digest().sha256()).isEqualTo(b.get("sha256").asText());
      assertThat(read.manifest().config().path("metadata").path("game_uid").asText())
          .isEqualTo(GAME);
      assertWorldReadable(out.resolve("user"), !mode.equals("live"));
      JsonNode manifest = get("/api/v2/servers/" + SERVER + "/backups/" + id + "/manifest").json();
      assertThat(manifest.get("archive").get("sha256").asText())
          .isEqualTo(b.get("sha256").asText());
      assertThat(manifest.get("orchestratorVersion").asText()).isNotBlank();
    }
    assertThat(get("/api/v2/servers/" + SERVER + "/backups").json().get("items").size())
        .isEqualTo(3);
  }

  @Test
  @Order(3)
  void powerWhileABackupRunsIsRefusedAsBusy() {
    call(
        "PUT",
        "/api/v2/servers/" + SERVER + "/backup-policy",
        "{\"mode\": \"stop\", \"excludes\": [\"data/install\"]}");
    Res backup = call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}");
    assertThat(backup.status()).isEqualTo(202);
    Res power = call("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\": \"restart\"}");
    assertThat(power.status()).isEqualTo(409);
    assertThat(power.json().get("type").asText()).endsWith("/busy");
    assertThat(power.json().get("operationId").asText())
        .isEqualTo(backup.json().get("id").asText());
    Res second = call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}");
    assertThat(second.status()).isEqualTo(409);
    JsonNode op = awaitOperation(backup);
    assertThat(op.get("status").asText()).isEqualTo("succeeded");
    backupIds.add(op.get("result").get("id").asText());
    assertThat(state()).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  @Order(4)
  void dryRunListsChangesAndChangesNothing() {
    String id = backupIds.get(0);
    Res dry =
        call(
            "POST",
            "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore",
            "{\"dryRun\": true, \"paths\": [\"user\"]}");
    assertThat(dry.status()).as(dry.json().toString()).isEqualTo(200);
    assertThat(dry.json().get("changes").findValuesAsText("path")).contains("user/index");
    assertThat(dry.json().get("changes").findValuesAsText("path"))
        .allMatch(p -> p.startsWith("user"));
    Res bad =
        call(
            "POST",
            "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore",
            "{\"paths\": [\"../etc\"]}");
    assertThat(bad.status()).isEqualTo(400);
    Res missing =
        call(
            "POST",
            "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore",
            "{\"paths\": [\"nothing/here\"]}");
    assertThat(missing.status()).isEqualTo(400);
  }

  @Test
  @Order(5)
  void partialRestoreOfARunningServerReplacesOnlyThatPathAndRunsItAgain() throws Exception {
    String id = backupIds.get(0);
    Files.writeString(serverDir.resolve("config/marker"), "kept");
    int before = backupCount();
    JsonNode op =
        awaitOperation(
            call(
                "POST",
                "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore",
                "{\"paths\": [\"user/chunks\"]}"));
    assertThat(op.get("status").asText()).as(op.toString()).isEqualTo("succeeded");
    assertThat(state()).isEqualTo(ContainerState.RUNNING);
    assertThat(serverDir.resolve("config/marker")).hasContent("kept");
    assertThat(backupCount()).isEqualTo(before + 1);
    JsonNode pre =
        get("/api/v2/servers/"
                + SERVER
                + "/backups/"
                + op.get("result").get("preRestoreBackup").asText())
            .json();
    assertThat(pre.get("origin").asText()).isEqualTo("pre-restore");
  }

  @Test
  @Order(6)
  void fullRestoreOfAStoppedServerMatchesTheManifestAndKeepsExcludedFiles() throws Exception {
    awaitOperation(call("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\": \"stop\"}"));
    Files.createDirectories(serverDir.resolve("data/install"));
    Files.writeString(serverDir.resolve("data/install/game.bin"), "big install");
    Files.writeString(serverDir.resolve("user/added-later"), "gone after restore");
    String id = backupIds.get(0);
    JsonNode op =
        awaitOperation(
            call("POST", "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore", "{}"));
    assertThat(op.get("status").asText()).as(op.toString()).isEqualTo("succeeded");
    assertThat(state()).isNotEqualTo(ContainerState.RUNNING);
    Manifest m =
        Manifest.parse(
            get("/api/v2/servers/" + SERVER + "/backups/" + id + "/manifest")
                .raw()
                .body()
                .getBytes());
    assertFolderMatches(serverDir, m);
    assertThat(serverDir.resolve("data/install/game.bin")).hasContent("big install");
    assertThat(serverDir.resolve("user/added-later")).doesNotExist();
    try (Stream<Path> s = Files.list(serverDir.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("world1");
    }
    awaitOperation(call("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\": \"start\"}"));
    assertThat(state()).isEqualTo(ContainerState.RUNNING);
    long i = index(serverDir);
    await("the restored world to be written again", () -> index(serverDir) > i + 5);
  }

  @Test
  @Order(7)
  void uploadsAreVerifiedAndDamagedOrHostileArchivesAreRefused() throws Exception {
    String id = backupIds.get(0);
    String sha = get("/api/v2/servers/" + SERVER + "/backups/" + id).json().get("sha256").asText();
    byte[] good = download(id, sha);
    int before = backupCount();

    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 100);
    Res r1 = upload(truncated);
    assertThat(r1.status()).as(r1.json().toString()).isEqualTo(422);
    assertThat(r1.json().get("detail").asText()).contains("Damaged archive");

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x10;
    Res r2 = upload(flipped);
    assertThat(r2.status()).isEqualTo(422);

    byte[] slip = new CraftedArchive().file("user/ok", "1").file("../../../escaped", "x").finish();
    Res r3 = upload(slip);
    assertThat(r3.status()).isEqualTo(422);
    assertThat(r3.json().get("detail").asText()).contains("Refused archive");
    byte[] link = new CraftedArchive().symlink("user/l", "/etc").file("user/l/x", "x").finish();
    assertThat(upload(link).status()).isEqualTo(422);

    assertThat(backupCount()).isEqualTo(before);
    assertNoPartials();

    Res ok = upload(good);
    assertThat(ok.status()).as(ok.json().toString()).isEqualTo(201);
    assertThat(ok.json().get("origin").asText()).isEqualTo("upload");
    assertThat(ok.json().get("sha256").asText()).isEqualTo(sha);
    assertThat(backupCount()).isEqualTo(before + 1);
  }

  @Test
  @Order(8)
  void lockedBackupsCannotBeDeletedAndRetentionPrunesWithEvents() {
    String id = backupIds.get(0);
    assertThat(call("POST", "/api/v2/servers/" + SERVER + "/backups/" + id + "/lock", "").status())
        .isEqualTo(200);
    Res del = call("DELETE", "/api/v2/servers/" + SERVER + "/backups/" + id, null);
    assertThat(del.status()).isEqualTo(409);
    Res policy =
        call(
            "PUT",
            "/api/v2/servers/" + SERVER + "/backup-policy",
            "{\"mode\": \"stop\", \"excludes\": [\"data/install\"], \"retention\": {\"keepLast\": 2}}");
    assertThat(policy.status()).as(policy.json().toString()).isEqualTo(200);
    JsonNode items = get("/api/v2/servers/" + SERVER + "/backups").json().get("items");
    // the two newest, the locked one, and the two recent pre-restore backups (exempt)
    assertThat(items.size()).isEqualTo(5);
    assertThat(items.findValuesAsText("id")).contains(id);
    assertThat(items.findValuesAsText("origin").stream().filter("pre-restore"::equals)).hasSize(2);
    Res bad =
        call(
            "PUT",
            "/api/v2/servers/" + SERVER + "/backup-policy",
            "{\"mode\": \"freeze\", \"excludes\": [\"../x\"], \"retention\": {\"keepLast\": 0, \"x\": 1}}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("errors").findValuesAsText("field"))
        .contains("mode", "excludes[0]", "retention.keepLast", "retention.x");
    assertThat(
            call("POST", "/api/v2/servers/" + SERVER + "/backups/" + id + "/unlock", "").status())
        .isEqualTo(200);
  }

  @Test
  @Order(9)
  void restoringADamagedStoredArchiveFailsClearlyAndLeavesTheServerAsItWas() throws Exception {
    JsonNode items = get("/api/v2/servers/" + SERVER + "/backups").json().get("items");
    String id = items.get(items.size() - 1).get("id").asText();
    Path file = backupDir.resolve(GAME).resolve("world1").resolve(id + ".tar.zst");
    byte[] good = Files.readAllBytes(file);
    Files.writeString(serverDir.resolve("config/marker"), "kept");
    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x01;
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 10);
    for (byte[] damaged : List.of(flipped, truncated)) {
      Files.write(file, damaged);
      JsonNode op =
          awaitOperation(
              call("POST", "/api/v2/servers/" + SERVER + "/backups/" + id + "/restore", "{}"));
      assertThat(op.get("status").asText()).isEqualTo("failed");
      assertThat(op.get("error").get("type").asText()).endsWith("/invalid-archive");
      assertThat(op.get("error").get("detail").asText()).contains("Damaged archive");
      assertThat(state()).isEqualTo(ContainerState.RUNNING);
      assertThat(serverDir.resolve("config/marker")).hasContent("kept");
      try (Stream<Path> s = Files.list(serverDir.getParent())) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactly("world1");
      }
      long i = index(serverDir);
      await("the world to be written after the failed restore", () -> index(serverDir) > i + 5);
    }
    Files.write(file, good);
    assertNoPartials();
  }

  @Test
  @Order(10)
  void aFullDiskFailsClearlyListsNothingHalfAndLeavesTheServerRunning() throws Exception {
    // 96 MiB of incompressible install, no excludes: cannot fit the 64 MiB backup folder
    Files.createDirectories(serverDir.resolve("data/install"));
    byte[] chunk = new byte[1 << 20];
    Random r = new Random(7);
    try (var out = Files.newOutputStream(serverDir.resolve("data/install/blob.bin"))) {
      for (int i = 0; i < 96; i++) {
        r.nextBytes(chunk);
        out.write(chunk);
      }
    }
    call("PUT", "/api/v2/servers/" + SERVER + "/backup-policy", "{\"mode\": \"stop\"}");
    int before = backupCount();
    JsonNode op = awaitOperation(call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}"));
    assertThat(op.get("status").asText()).isEqualTo("failed");
    assertThat(op.get("error").get("type").asText()).endsWith("/insufficient-storage");
    assertThat(op.get("error").get("detail").asText()).contains("full");
    assertThat(backupCount()).isEqualTo(before);
    assertNoPartials();
    assertThat(state()).isEqualTo(ContainerState.RUNNING);
    long i = index(serverDir);
    await("the world to be written after the failed backup", () -> index(serverDir) > i + 5);
  }

  @Test
  @Order(11)
  void anOperatorCanNeitherPlantALinkChainNorRewriteTheDefinitionNorProbeSecrets()
      throws Exception {
    Files.deleteIfExists(serverDir.resolve("data/install/blob.bin"));
    String op = operatorKey();
    String restore = "/api/v2/servers/" + SERVER + "/backups/%s/restore";
    // C1: the chain through a symlink is refused at upload
    byte[] chain =
        new CraftedArchive()
            .excludes("data/pwn-sec.txt")
            .dir("p")
            .dir("p/q")
            .dir("p/q/r")
            .dir("p/q/r/s")
            .symlink("p/q/r/s/L", "../../../..")
            .symlink("data", "p/q/r/s/L/../../../../outside")
            .withManifest()
            .finish();
    Res refused = upload(chain, op);
    assertThat(refused.status()).as(refused.json().toString()).isEqualTo(422);
    assertThat(refused.json().get("detail").asText()).contains("Refused archive", "data");
    // H1: an uploaded config.json is not restored for a caller without server.settings
    byte[] live = Files.readAllBytes(serverDir.resolve("config.json"));
    com.fasterxml.jackson.databind.node.ObjectNode cfg =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(live);
    cfg.putObject("environment").put("SERVER_NAME", "world").put("OPERATOR_ADDED", "1");
    Res up =
        upload(
            new CraftedArchive()
                .file("config.json", JSON.writeValueAsString(cfg))
                .withManifest()
                .finish(),
            op);
    assertThat(up.status()).as(up.json().toString()).isEqualTo(201);
    String uid = up.json().get("id").asText();
    Map<String, String> asOperator = Map.of("X-Api-Key", op);
    for (String body : List.of("{\"paths\": [\"config.json\"]}", "{\"definition\": true}")) {
      Res r = call("POST", restore.formatted(uid), body, asOperator);
      assertThat(r.status()).as(body + " " + r.json()).isEqualTo(403);
      assertThat(r.json().get("type").asText()).endsWith("/forbidden");
    }
    Res dry = call("POST", restore.formatted(uid), "{\"dryRun\": true}", asOperator);
    assertThat(dry.status()).as(dry.json().toString()).isEqualTo(200);
    assertThat(dry.json().get("changes").findValuesAsText("path")).doesNotContain("config.json");
    assertThat(Files.readAllBytes(serverDir.resolve("config.json"))).isEqualTo(live);
    // M7: a dry run tells an operator nothing about a secret file's contents
    Files.writeString(serverDir.resolve("config/marker"), "kept");
    Map<String, List<String>> seen = new java.util.LinkedHashMap<>();
    for (String guess : List.of("wrong", "kept")) {
      Res g =
          upload(
              new CraftedArchive()
                  .dir("config")
                  .file("config/marker", guess)
                  .withManifest()
                  .finish(),
              op);
      assertThat(g.status()).isEqualTo(201);
      String gid = g.json().get("id").asText();
      String body = "{\"dryRun\": true, \"paths\": [\"config/marker\"]}";
      seen.put(
          "operator " + guess,
          call("POST", restore.formatted(gid), body, asOperator)
              .json()
              .get("changes")
              .findValuesAsText("change"));
      Res asAdmin = call("POST", restore.formatted(gid), body);
      assertThat(asAdmin.status()).as(asAdmin.json().toString()).isEqualTo(200);
      seen.put("admin " + guess, asAdmin.json().get("changes").findValuesAsText("change"));
    }
    assertThat(seen.get("operator wrong")).containsExactly("unchecked");
    assertThat(seen.get("operator kept")).containsExactly("unchecked");
    assertThat(seen.get("admin wrong")).containsExactly("modified");
    assertThat(seen.get("admin kept")).isEmpty();
  }

  /** An operator user granted backup.read, .create and .restore on the server; its key. */
  private String operatorKey() {
    Res login =
        call(
            "POST",
            "/api/v2/login",
            "{\"name\": \"owner\", \"password\": \"" + OWNER_PASSWORD + "\"}",
            Map.of());
    assertThat(login.status()).as(login.json().toString()).isEqualTo(200);
    String setCookie = login.raw().headers().firstValue("Set-Cookie").orElseThrow();
    Map<String, String> owner =
        Map.of(
            "Cookie",
            setCookie.substring(0, setCookie.indexOf(';')),
            dev.peon.orc.auth.AuthGuard.CSRF_HEADER,
            login.json().get("csrfToken").asText());
    Res user =
        call(
            "POST",
            "/api/v2/users",
            "{\"name\": \"ops\", \"password\": \"ops-password-1\", \"role\": \"operator\"}",
            owner);
    assertThat(user.status()).as(user.json().toString()).isEqualTo(201);
    Res grant =
        call(
            "PUT",
            "/api/v2/users/" + user.json().get("id").asLong() + "/grants/" + SERVER,
            "{\"permissions\": [\"backup.read\", \"backup.create\", \"backup.restore\"]}",
            owner);
    assertThat(grant.status()).as(grant.json().toString()).isEqualTo(200);
    Res key = call("POST", "/api/v2/keys", "{\"name\": \"ops\", \"user\": \"ops\"}", owner);
    assertThat(key.status()).as(key.json().toString()).isEqualTo(201);
    return key.json().get("secret").asText();
  }

  // ------------------------------------------------------------------ checks

  static long index(Path serverDir) {
    try {
      return Long.parseLong(Files.readString(serverDir.resolve("user/index")).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Every chunk is whole (one value repeated); with {@code consistent}, the chunks also agree with
   * the index, as in a world captured at one instant (the writer replaces a chunk, then the index,
   * so one chunk may be one step ahead).
   */
  static void assertWorldReadable(Path world, boolean consistent) throws IOException {
    long n = Long.parseLong(Files.readString(world.resolve("index")).trim());
    assertThat(n).isPositive();
    try (Stream<Path> s = Files.list(world.resolve("chunks"))) {
      for (Path c : s.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
        List<String> lines = Files.readAllLines(c);
        assertThat(lines).as("chunk %s is whole", c.getFileName()).hasSize(CHUNK_LINES);
        long v = Long.parseLong(lines.get(0));
        assertThat(lines).allMatch(l -> l.equals(lines.get(0)));
        assertThat(c.getFileName().toString()).isEqualTo("c" + (v % 20) + ".txt");
        if (consistent) {
          // the writer replaces a chunk, then the index: only the step in flight may be ahead
          assertThat(v)
              .as("chunk %s at most one step ahead of the index", c.getFileName())
              .isLessThanOrEqualTo(n + 1);
          assertThat(v).isGreaterThan(n - 20);
        }
      }
    }
    if (consistent) {
      List<String> last = Files.readAllLines(world.resolve("chunks/c" + (n % 20) + ".txt"));
      assertThat(last.get(0)).isEqualTo(Long.toString(n));
    }
  }

  /** Every manifest entry is in the folder with the same content. */
  static void assertFolderMatches(Path dir, Manifest m) throws IOException {
    for (Manifest.Entry e : m.entries()) {
      Path p = dir.resolve(e.path());
      assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).as(e.path()).isTrue();
      if (e.type() == Manifest.Type.FILE) {
        assertThat(BackupArchive.hex(BackupArchive.sha256().digest(Files.readAllBytes(p))))
            .as(e.path())
            .isEqualTo(e.sha256());
      }
    }
  }

  private void assertNoPartials() throws IOException {
    try (Stream<Path> s = Files.walk(backupDir)) {
      assertThat(s.map(Path::toString))
          .noneMatch(p -> p.endsWith(".partial") || p.endsWith(".tmp"));
    }
  }

  private ContainerState state() {
    return docker.inspect("peon.warcamp." + SERVER).map(ContainerInfo::state).orElse(null);
  }

  private int backupCount() {
    return get("/api/v2/servers/" + SERVER + "/backups").json().get("items").size();
  }

  // ------------------------------------------------------------------ HTTP

  private byte[] download(String id, String sha) {
    try {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          base + "/api/v2/servers/" + SERVER + "/backups/" + id + "/download"))
                  .header("X-Api-Key", KEY)
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).contains("application/zstd");
      assertThat(r.headers().firstValue("X-Archive-Sha256")).contains(sha);
      assertThat(BackupArchive.hex(BackupArchive.sha256().digest(r.body()))).isEqualTo(sha);
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private Res upload(byte[] body) {
    return upload(body, KEY);
  }

  private Res upload(byte[] body, String key) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(base + "/api/v2/servers/" + SERVER + "/backups/upload"))
                  .header("X-Api-Key", key)
                  .header("Content-Type", "application/zstd")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Res(r.statusCode(), JSON.readTree(r.body()), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private JsonNode awaitOperation(Res accepted) {
    assertThat(accepted.status()).as(accepted.json().toString()).isEqualTo(202);
    String op = accepted.json().get("id").asText();
    JsonNode[] last = new JsonNode[1];
    await(
        "operation " + op,
        () -> {
          last[0] = get("/api/v2/operations/" + op).json();
          String s = last[0].get("status").asText();
          return s.equals("succeeded") || s.equals("failed");
        });
    return last[0];
  }

  private Res get(String path) {
    return call("GET", path, null);
  }

  private Res call(String method, String path, String body) {
    return call(method, path, body, Map.of("X-Api-Key", KEY));
  }

  private Res call(String method, String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json");
    headers.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
      return new Res(r.statusCode(), json, r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static void await(String what, BooleanSupplier condition) {
    Instant deadline = Instant.now().plusSeconds(60);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static Map<String, String> flags(String... keysAndValues) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  static void run(String... command) throws IOException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static int freePort() throws IOException {
    return FreePorts.any();
  }
}
