package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
import dev.peon.orc.app.PeonCommand;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import dev.peon.orc.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * The real {@code peon} commands against a real orchestrator started in-process (real dockerd, the
 * fake game image built locally, a local plans folder), run through {@link PeonCommand}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliIT {
  private static final String KEY = "cli-it-key-" + Long.toHexString(System.nanoTime());
  private static final String ID = "cligame.one";
  private static final String OWNER_PASSWORD = "owner-pw-" + Long.toHexString(System.nanoTime());

  private Path root;
  private Path data;
  private Application app;
  private DockerContainerRuntime docker;
  private String url;

  @BeforeAll
  void startOrchestrator() throws IOException {
    root = Files.createTempDirectory("peon-cli-it");
    data = root.resolve("data");
    Path plans = root.resolve("plans");
    docker = new DockerContainerRuntime(TestDocker.host());
    writePlans(plans, TestImages.fakeGame(), freePortRun(2));
    OrchestratorConfig cfg =
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
                    data.toString(),
                    "plans.source",
                    plans.toString(),
                    "api.key",
                    KEY,
                    "stop.timeout",
                    "5s",
                    "network.subnet.pool",
                    "10.218.0.0/20",
                    "owner.password",
                    OWNER_PASSWORD,
                    "docker.host",
                    TestDocker.host()));
    app = Application.start(cfg, Clock.systemUTC());
    url = "http://127.0.0.1:" + app.port();
  }

  @AfterAll
  void cleanUp() throws IOException {
    if (app != null) {
      app.close();
    }
    for (ContainerInfo c : docker.list(Map.of("dev.peon.managed", "true"))) {
      if (c.name().contains(".cligame.")) {
        docker.remove(c.name());
      }
    }
    for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
      if (n.startsWith("cligame_")) {
        docker.removeNetwork(n);
      }
    }
    docker.close();
    FileTrees.deleteTree(root);
  }

  private CliRun peon(String... args) {
    return peonAs(KEY, args);
  }

  private CliRun peonAs(String key, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url, "--api-key", key));
    return CliRun.of(all.toArray(String[]::new));
  }

  // ------------------------------------------------------------------ checks

  @Test
  @Order(1)
  void listsShowsAndSyncsPlans() {
    CliRun list = peon("plans", "list");
    assertThat(list.code()).as(list.toString()).isZero();
    assertThat(list.out()).startsWith("ID").contains("cligame  CLI Game");
    CliRun show = peon("plans", "show", "cligame");
    assertThat(show.code()).isZero();
    assertThat(show.out()).contains("SERVER_NAME").contains("MAX_PLAYERS  no        10");
    CliRun sync = peon("plans", "sync");
    assertThat(sync.code()).as(sync.toString()).isZero();
    assertThat(sync.out()).contains("plans synced; no new plans");
  }

  @Test
  @Order(2)
  void createsAServerWithSettings() {
    CliRun r =
        peon(
            "servers",
            "create",
            "cligame",
            "one",
            "--set",
            "SERVER_NAME=Cli Camp",
            "--set",
            "WORLD_NAME=w1",
            "--description",
            "made by the CLI");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("created " + ID).contains("setting SERVER_NAME  Cli Camp");
    assertThat(data.resolve("servers/cligame/one")).isDirectory();
    CliRun again =
        peon(
            "servers",
            "create",
            "cligame",
            "one",
            "--set",
            "SERVER_NAME=x",
            "--set",
            "WORLD_NAME=y");
    assertThat(again.code()).as(again.toString()).isEqualTo(4);
  }

  @Test
  @Order(3)
  void startsWaitingForTheOperation() {
    CliRun r = peon("servers", "start", ID);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo(ID + ": running\n");
  }

  @Test
  @Order(4)
  void listsAsTableAndAsJsonAndShowsOne() throws IOException {
    CliRun table = peon("servers", "list", "--game", "cligame");
    assertThat(table.code()).isZero();
    assertThat(table.out().lines().toList().get(0)).startsWith("ID").contains("STATE");
    assertThat(table.out()).containsPattern(ID.replace(".", "\\.") + " +running +\\d+/");
    CliRun json = peon("servers", "list", "--json");
    JsonNode items = new ObjectMapper().readTree(json.out()).get("items");
    assertThat(items.findValuesAsText("id")).contains(ID);
    CliRun show = peon("servers", "show", ID);
    assertThat(show.out()).contains("state").contains("running").contains("made by the CLI");
    CliRun running = peon("servers", "list", "--state", "exited");
    assertThat(running.out()).doesNotContain(ID);
  }

  @Test
  @Order(4)
  void aCommandScheduleTypesItsStepsIntoTheRunningServer() {
    String at =
        java.time.Instant.now()
            .plusSeconds(3)
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .toString();
    CliRun add =
        peon(
            "schedules",
            "add",
            ID,
            "--at",
            at,
            "--action",
            "command",
            "--step",
            "hello from a schedule",
            "--step",
            "wait 1s",
            "--step",
            "send bye from a schedule");
    assertThat(add.code()).as(add.toString()).isZero();
    String sid = add.out().replaceAll("(?s)^added schedule (\\d+):.*", "$1");
    Await.until(() -> peon("logs", ID, "-n", "50").out().contains("echo: bye from a schedule"));
    String logs = peon("logs", ID, "-n", "50").out();
    assertThat(logs.indexOf("echo: hello from a schedule"))
        .isNotNegative()
        .isLessThan(logs.indexOf("echo: bye from a schedule"));
    Await.until(
        () ->
            peon("schedules", "list", ID, "--json")
                .out()
                .contains("\"lastResult\":{\"status\":\"succeeded\""));
    assertThat(peon("schedules", "remove", ID, sid).code()).isZero();
  }

  @Test
  @Order(4)
  void logsInAsTheOwnerUsesTheSavedKeyAndLogsOut() throws IOException {
    Path config = root.resolve("cli-home/.config/peon/cli.properties");
    InputStream stdin = System.in;
    CliRun login;
    try {
      System.setIn(
          new ByteArrayInputStream((OWNER_PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
      login =
          CliRun.of(
              "login",
              "--url",
              url,
              "--config",
              config.toString(),
              "--name",
              "owner",
              "--password-stdin");
    } finally {
      System.setIn(stdin);
    }
    assertThat(login.code()).as(login.toString()).isZero();
    assertThat(Files.getPosixFilePermissions(config))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    CliRun me = CliRun.of("me", "--config", config.toString());
    assertThat(me.code()).as(me.toString()).isZero();
    assertThat(me.out()).contains("owner");
    CliRun logout = CliRun.of("logout", "--config", config.toString());
    assertThat(logout.code()).as(logout.toString()).isZero();
    assertThat(logout.err()).contains("revoked key");
    assertThat(Files.readString(config)).doesNotContain("api-key");
  }

  @Test
  @Order(4)
  void sendsACommandAndReadsItBackInTheLogs() {
    CliRun cmd = peon("command", ID, "hello", "from", "cli");
    assertThat(cmd.code()).as(cmd.toString()).isZero();
    assertThat(cmd.out()).isEmpty();
    Await.until(() -> peon("logs", ID, "-n", "50").out().contains("echo: hello from cli"));
    CliRun logs = peon("logs", ID, "-n", "50", "--timestamps");
    assertThat(logs.code()).as(logs.toString()).isZero();
    assertThat(logs.out()).containsPattern("\\d{4}-\\d\\d-\\d\\dT\\S+ echo: hello from cli");
    CliRun missing = peon("command", "cligame.none", "save");
    assertThat(missing.code()).as(missing.toString()).isEqualTo(3);
  }

  @Test
  @Order(5)
  void followsEventsWhileTheServerStops() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Thread follower =
        Thread.ofPlatform()
            .start(
                () -> {
                  CommandLine cli = new CommandLine(new PeonCommand());
                  cli.setOut(new PrintWriter(out, true));
                  cli.setErr(new PrintWriter(err, true));
                  cli.execute("events", "--server", ID, "--url", url, "--api-key", KEY);
                });
    CliRun[] console = new CliRun[1];
    Thread watcher =
        Thread.ofPlatform().start(() -> console[0] = peon("console", ID, "--no-input", "-n", "5"));
    try {
      Await.until(() -> err.toString().contains("following events"));
      Thread.sleep(1000); // let the console connect; it ends by itself when the server stops
      CliRun stop = peon("servers", "stop", ID);
      assertThat(stop.code()).as(stop.toString()).isZero();
      assertThat(stop.out()).isEqualTo(ID + ": exited\n");
      Await.until(() -> out.toString().contains("server.state " + ID + " running -> exited"));
      assertThat(out.toString()).contains("operation op_").contains("power.stop " + ID);
    } finally {
      follower.interrupt();
      follower.join(10_000);
      watcher.join(20_000);
    }
    assertThat(follower.isAlive()).isFalse();
    assertThat(watcher.isAlive()).isFalse();
    assertThat(console[0].code()).as(console[0].toString()).isZero();
    assertThat(console[0].err()).contains("[peon] console closed: server stopped");
  }

  @Test
  @Order(6)
  void updatesTheServerInPlace() {
    CliRun r = peon("servers", "update", ID, "--mode", "server");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains(ID + ": updated (server)");
  }

  @Test
  @Order(7)
  void showsTheSystem() {
    CliRun r = peon("system");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("docker").contains("reachable, version").contains("servers");
    CliRun json = peon("system", "--json");
    assertThat(json.out()).contains("\"docker\"");
  }

  @Test
  @Order(7)
  void backsUpListsDownloadsAndPreviewsARestore() throws Exception {
    CliRun policy = peon("backups", "policy", ID, "--mode", "live", "--keep-last", "3");
    assertThat(policy.code()).as(policy.toString()).isZero();
    assertThat(policy.out()).contains("mode          live").contains("keep last     3");
    CliRun create = peon("backups", "create", ID);
    assertThat(create.code()).as(create.toString()).isZero();
    assertThat(create.out()).containsPattern(ID.replace(".", "\\.") + ": backup \\d{8}T\\d{6}Z-");
    String bid = create.out().replaceAll("(?s).*backup (\\S+) .*", "$1");
    CliRun list = peon("backups", "list", ID);
    assertThat(list.code()).as(list.toString()).isZero();
    assertThat(list.out()).startsWith("ID").contains(bid).contains("manual");
    Path file = root.resolve("dl.tar.zst");
    CliRun download = peon("backups", "download", ID, "latest", "-o", file.toString());
    assertThat(download.code()).as(download.toString()).isZero();
    assertThat(Files.size(file)).isPositive();
    CliRun dry = peon("backups", "restore", ID, bid.substring(0, 20), "--dry-run");
    assertThat(dry.code()).as(dry.toString()).isZero();
    CliRun lock = peon("backups", "lock", ID, bid);
    assertThat(lock.code()).as(lock.toString()).isZero();
    CliRun delete = peon("backups", "delete", ID, bid, "--yes");
    assertThat(delete.code()).as(delete.toString()).isEqualTo(4);
    assertThat(peon("backups", "unlock", ID, bid).code()).isZero();
    assertThat(peon("backups", "delete", ID, bid, "--yes").code()).isZero();
  }

  @Test
  @Order(8)
  void mapsFailuresToTheirExitCodes() throws IOException {
    CliRun badKey = CliRun.of("servers", "list", "--url", url, "--api-key", "wrong-key-1");
    assertThat(badKey.code()).as(badKey.toString()).isEqualTo(5);
    assertThat(badKey.err()).contains("Unauthorized");
    CliRun unknown = peon("servers", "show", "cligame.nosuch");
    assertThat(unknown.code()).isEqualTo(3);
    assertThat(unknown.err()).contains("Not found");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CliRun unreachable = CliRun.of("system", "--url", "http://127.0.0.1:" + port);
    assertThat(unreachable.code()).isEqualTo(6);
  }

  @Test
  @Order(9)
  void deletesTheServerWithItsFiles() {
    CliRun refused = peon("servers", "delete", ID, "--delete-files");
    assertThat(refused.code()).isEqualTo(2);
    CliRun r = peon("servers", "delete", ID, "--delete-files", "--yes");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(data.resolve("servers/cligame/one")).doesNotExist();
    assertThat(peon("servers", "show", ID).code()).isEqualTo(3);
  }

  // ------------------------------------------------------------------ users, keys, audit

  private String ownerKey;
  private String viewerKey;

  /** The README's bootstrap: log in as the owner with a session, create a key with CSRF. */
  @Test
  @Order(10)
  void ownerLogsInAndCreatesAKeyWithTheSession() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> login =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/api/v2/login"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"owner\",\"password\":\"" + OWNER_PASSWORD + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).contains("peon_session=").contains("HttpOnly").contains("SameSite=Strict");
    String session = cookie.substring(0, cookie.indexOf(';'));
    String csrf = new ObjectMapper().readTree(login.body()).path("csrfToken").asText();
    HttpRequest.Builder create =
        HttpRequest.newBuilder(URI.create(url + "/api/v2/keys"))
            .header("Content-Type", "application/json")
            .header("Cookie", session)
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"owner cli\"}"));
    HttpResponse<String> noCsrf = http.send(create.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(noCsrf.statusCode()).as(noCsrf.body()).isEqualTo(403);
    HttpResponse<String> created =
        http.send(
            create.header("X-CSRF-Token", csrf).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    ownerKey = new ObjectMapper().readTree(created.body()).path("secret").asText();
    assertThat(ownerKey).startsWith("peon_");
    CliRun me = peonAs(ownerKey, "me");
    assertThat(me.code()).as(me.toString()).isZero();
    assertThat(me.out()).contains("name         owner").contains("role         owner");
  }

  @Test
  @Order(11)
  void createsAViewerAndAKeyForIt() {
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("viewer-pw-12345\n".getBytes(StandardCharsets.UTF_8)));
      CliRun add =
          peonAs(ownerKey, "users", "add", "watcher", "--role", "viewer", "--password-stdin");
      assertThat(add.code()).as(add.toString()).isZero();
    } finally {
      System.setIn(stdin);
    }
    CliRun list = peonAs(ownerKey, "users", "list");
    assertThat(list.out()).containsPattern("watcher +viewer +yes");
    CliRun key =
        peonAs(ownerKey, "keys", "create", "watch key", "--user", "watcher", "--expires", "1d");
    assertThat(key.code()).as(key.toString()).isZero();
    viewerKey = key.out().strip();
    assertThat(viewerKey).matches("peon_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
    CliRun me = peonAs(viewerKey, "me");
    assertThat(me.code()).as(me.toString()).isZero();
    assertThat(me.out()).contains("watcher").contains("viewer").contains("server.read");
    assertThat(me.out()).doesNotContain("server.create");
  }

  @Test
  @Order(12)
  void forbiddenActionsExitWith5() {
    CliRun create =
        peonAs(
            viewerKey,
            "servers",
            "create",
            "cligame",
            "two",
            "--set",
            "SERVER_NAME=x",
            "--set",
            "WORLD_NAME=y");
    assertThat(create.code()).as(create.toString()).isEqualTo(5);
    assertThat(create.err()).contains("Forbidden");
    assertThat(peonAs(viewerKey, "users", "list").code()).isEqualTo(5);
    // the v1 key (role admin) may not mint a key that carries the owner's user.admin
    CliRun escalate = peon("keys", "create", "sneaky", "--user", "owner");
    assertThat(escalate.code()).as(escalate.toString()).isEqualTo(5);
  }

  @Test
  @Order(13)
  void auditRecordsTheseAndItsChainVerifies() {
    CliRun denied = peonAs(ownerKey, "audit", "--outcome", "denied", "--action", "server.create");
    assertThat(denied.code()).as(denied.toString()).isZero();
    assertThat(denied.out()).contains("user:watcher").contains("server.create");
    CliRun created = peonAs(ownerKey, "audit", "--action", "user.create");
    assertThat(created.out()).contains("user:owner").contains("success");
    CliRun verify = peonAs(ownerKey, "audit", "--verify");
    assertThat(verify.code()).as(verify.toString()).isZero();
    assertThat(verify.out()).startsWith("audit log intact: ");
  }

  @Test
  @Order(14)
  void aRevokedKeyStopsWorkingAtOnce() throws IOException {
    CliRun keys = peonAs(ownerKey, "keys", "list", "--all", "--json");
    String id = null;
    for (JsonNode k : new ObjectMapper().readTree(keys.out()).path("items")) {
      if (k.path("name").asText().equals("watch key")) {
        id = k.path("id").asText();
      }
    }
    assertThat(id).isNotNull();
    assertThat(peonAs(ownerKey, "keys", "revoke", id).code()).isZero();
    assertThat(peonAs(viewerKey, "me").code()).isEqualTo(5);
  }

  // ------------------------------------------------------------------ helpers

  private static void writePlans(Path plans, String image, int[] ports) throws IOException {
    Path game = plans.resolve("cligame");
    Files.createDirectories(game);
    Files.writeString(
        game.resolve("plan.json"),
        """
        {
          "metadata": {"game_uid": "cligame", "version": "1.0.0",
            "description": "A fake game for CLI tests", "mode": "steamcmd", "image": "%s"},
          "ports": [ [ {"PORT": ["%d", "tcp/udp"]}, {"QUERY_PORT": ["%d", "udp"]} ] ],
          "environment": {"STEAM_ID": "896660", "SERVER_NAME": null, "WORLD_NAME": null,
            "MAX_PLAYERS": 10},
          "volumes": {"~!/data": "/home/steam/steamcmd/data",
            "~!/config": "/home/steam/config", "~!/user": "/home/steam/user"}
        }
        """
            .formatted(image, ports[0], ports[1]));
    Files.writeString(
        plans.resolve("plans.json"),
        """
        [{"title": "CLI Game", "game_uid": "cligame", "plan_url": "local"}]
        """);
  }

  private static int[] freePortRun(int n) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 40000 + (int) (Math.random() * 20000);
      boolean ok = true;
      for (int i = 0; i < n && ok; i++) {
        try (ServerSocket s = new ServerSocket(base + i)) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          ok = false;
        }
      }
      if (ok) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          out[i] = base + i;
        }
        return out;
      }
    }
    throw new IOException("no free port run");
  }
}
