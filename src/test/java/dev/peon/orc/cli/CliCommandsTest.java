package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The commands against a scripted fake API: requests sent, output printed, exit codes. */
class CliCommandsTest {
  private static final String KEY = "test-key-123456";
  private static final String SERVER =
      """
      {"id":"fakegame.one","game":"fakegame","name":"one","description":"First","state":"exited",\
      "image":"img:1","ports":[{"name":"PORT","port":30001,"protocol":"udp"}],\
      "settings":{"SERVER_NAME":"x"},"startedAt":null,"pendingRecreate":false,"nextSchedule":null}""";

  private FakeApi api;

  @BeforeEach
  void start() throws IOException {
    api = new FakeApi();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", api.url(), "--api-key", KEY));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static String op(String status, Integer percent, String message, String extra) {
    return "{\"id\":\"op_0123456789abcdef\",\"kind\":\"power.start\",\"server\":\"fakegame.one\","
        + "\"status\":\""
        + status
        + "\",\"progress\":{\"percent\":"
        + percent
        + ",\"message\":"
        + (message == null ? "null" : "\"" + message + "\"")
        + "},"
        + extra
        + "}";
  }

  @Test
  void listsServersAsAnAlignedTableAndSendsTheKeyAndFilters() {
    api.on("GET /api/v2/servers?game=fakegame", 200, "{\"items\":[" + SERVER + "]}");
    CliRun r = run("servers", "list", "--game", "fakegame");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            ID            STATE   PORTS      STARTED  DESCRIPTION
            fakegame.one  exited  30001/udp  -        First
            """);
    assertThat(api.requests.get(0).header("X-Api-Key")).isEqualTo(KEY);
    assertThat(r.out() + r.err()).doesNotContain(KEY);
  }

  @Test
  void printsTheApiJsonUnchangedWithJson() {
    String body = "{\"items\":[" + SERVER + "]}";
    api.on("GET /api/v2/servers", 200, body);
    CliRun r = run("servers", "list", "--json");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo(body + "\n");
  }

  @Test
  void mapsNotFoundToExitCode3AndPrintsTitleAndDetail() {
    api.on(
        "GET /api/v2/servers/fakegame.none",
        404,
        FakeApi.problem("not-found", 404, "Not found", "There is no server fakegame.none."));
    CliRun r = run("servers", "show", "fakegame.none");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("Not found: There is no server fakegame.none.");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void mapsValidationToExitCode2WithEveryFieldError() {
    api.on(
        "POST /api/v2/servers",
        400,
        """
        {"type":"https://peon.dev/problems/invalid-request","title":"Invalid request","status":400,\
        "detail":"2 invalid fields","errors":[{"field":"settings.A","message":"is required"},\
        {"field":"name","message":"must be a server name"}]}""");
    CliRun r = run("servers", "create", "fakegame", "Bad Name", "--set", "B=1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("Invalid request: 2 invalid fields")
        .contains("settings.A: is required")
        .contains("name: must be a server name");
    assertThat(api.requests.get(0).body())
        .isEqualTo("{\"game\":\"fakegame\",\"name\":\"Bad Name\",\"settings\":{\"B\":\"1\"}}");
  }

  @Test
  void sendsExplicitPortsByNameAndShowsAPortConflictWithExitCode4() {
    api.on(
        "POST /api/v2/servers",
        409,
        """
        {"type":"https://peon.dev/problems/ports-used","title":"Ports in use","status":409,\
        "detail":"Port 27016/udp (PORT) asked for [fakegame.two] is reserved by server\
         [fakegame.one]; choose another port","holder":"fakegame.one","port":27016}""");
    CliRun r =
        run(
            "servers",
            "create",
            "fakegame",
            "two",
            "--port",
            "PORT=27016",
            "-p",
            "QUERY_PORT=27017");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err()).contains("Ports in use: Port 27016/udp (PORT)").contains("[fakegame.one]");
    assertThat(api.requests.get(0).body())
        .isEqualTo(
            "{\"game\":\"fakegame\",\"name\":\"two\",\"settings\":{},"
                + "\"ports\":{\"PORT\":27016,\"QUERY_PORT\":27017}}");
  }

  @Test
  void refusesAPortThatIsNotANumberBeforeSendingAnything() {
    CliRun r = run("servers", "create", "fakegame", "two", "--port", "PORT=high");
    assertThat(r.code()).isEqualTo(2);
    assertThat(api.requests).isEmpty();
  }

  @Test
  void mapsConflictToExitCode4AndNamesTheRunningOperation() {
    api.on(
        "POST /api/v2/servers/fakegame.one/power",
        409,
        "{\"type\":\"https://peon.dev/problems/busy\",\"title\":\"Busy\",\"status\":409,"
            + "\"detail\":\"fakegame.one is busy\",\"operationId\":\"op_00000000000000aa\"}");
    CliRun r = run("servers", "stop", "fakegame.one");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err()).contains("Busy: fakegame.one is busy").contains("op_00000000000000aa");
  }

  @Test
  void mapsAuthFailuresAndRateLimitsToExitCode5() {
    api.on(
        "GET /api/v2/system", 401, FakeApi.problem("unauthorized", 401, "Unauthorized", "bad key"));
    assertThat(run("system").code()).isEqualTo(5);
    api.on(
        "GET /api/v2/plans", 429, FakeApi.problem("rate-limited", 429, "Too many requests", "x"));
    assertThat(run("plans", "list").code()).isEqualTo(5);
  }

  @Test
  void mapsServerErrorsToExitCode1() {
    api.on("GET /api/v2/plans", 502, FakeApi.problem("upstream-failure", 502, "Upstream", "boom"));
    CliRun r = run("plans", "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Upstream: boom");
  }

  @Test
  void mapsAnUnreachableOrchestratorToExitCode6() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    CliRun r = CliRun.of("servers", "list", "--url", "http://127.0.0.1:" + port);
    assertThat(r.code()).as(r.toString()).isEqualTo(6);
    assertThat(r.err()).contains("cannot connect to the orchestrator at http://127.0.0.1:" + port);
  }

  private static String createOp(String status, String progress, String result) {
    return "{\"id\":\"op_00000000000000c1\",\"kind\":\"server.create\","
        + "\"server\":\"fakegame.one\",\"status\":\""
        + status
        + "\",\"progress\":"
        + progress
        + ",\"error\":null,\"result\":"
        + result
        + "}";
  }

  @Test
  void createFollowsItsOperationShowingTheDownloadThenPrintsTheServer() {
    api.on("POST /api/v2/servers", 202, createOp("queued", "{\"percent\":null}", "null"));
    api.on(
        "GET /api/v2/operations/op_00000000000000c1",
        200,
        createOp(
            "running",
            "{\"percent\":25,\"message\":\"pulling img:1\",\"step\":\"pull\","
                + "\"download\":{\"bytesDone\":1048576,\"bytesTotal\":4194304,"
                + "\"layersDone\":1,\"layersTotal\":3,\"bytesPerSecond\":524288}}",
            "null"));
    api.on(
        "GET /api/v2/operations/op_00000000000000c1",
        200,
        createOp(
            "running",
            "{\"percent\":null,\"message\":\"starting the server\",\"step\":\"start\"}",
            "null"));
    api.on(
        "GET /api/v2/operations/op_00000000000000c1",
        200,
        createOp(
            "succeeded",
            "{\"percent\":100,\"message\":\"done\"}",
            SERVER.replace("\"exited\"", "\"running\"")));

    CliRun r = run("servers", "create", "fakegame", "one", "--start");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(0).body())
        .isEqualTo("{\"game\":\"fakegame\",\"name\":\"one\",\"settings\":{},\"start\":true}");
    assertThat(r.err())
        .contains("25% pull 1.0/4.0 MiB 1/3 layers 512.0 KiB/s\n")
        .contains("starting the server\n");
    assertThat(r.out()).startsWith("created and started fakegame.one\n").contains("running");
    assertThat(api.requests).noneMatch(q -> q.uri().endsWith("/power"));
  }

  @Test
  void createWithNoWaitPrintsTheOperationIdThatOperationsWaitFollows() {
    api.on("POST /api/v2/servers", 202, createOp("queued", "{\"percent\":null}", "null"));
    api.on(
        "GET /api/v2/operations/op_00000000000000c1",
        200,
        createOp("succeeded", "{\"percent\":100,\"message\":\"done\"}", SERVER));

    CliRun created = run("servers", "create", "fakegame", "one", "--no-wait");
    CliRun waited = run("operations", "wait", "op_00000000000000c1");
    CliRun shown = run("operations", "show", "op_00000000000000c1");

    assertThat(created.code()).as(created.toString()).isZero();
    assertThat(created.out()).isEqualTo("op_00000000000000c1\n");
    assertThat(waited.code()).as(waited.toString()).isZero();
    assertThat(waited.out()).contains("status").contains("succeeded").contains("fakegame.one");
    assertThat(shown.out()).contains("kind").contains("server.create");
  }

  @Test
  void listsOperationsWithTheirProgress() {
    api.on(
        "GET /api/v2/operations?status=running",
        200,
        "{\"items\":["
            + createOp(
                "running",
                "{\"percent\":50,\"message\":\"pulling img:1\",\"download\":{\"bytesDone\":"
                    + "2048,\"bytesTotal\":4096,\"layersDone\":0,\"layersTotal\":1,"
                    + "\"bytesPerSecond\":0}}",
                "null")
            + "]}");

    CliRun r = run("operations", "list", "--status", "running");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("op_00000000000000c1")
        .contains("server.create")
        .contains("50% pull 2.0/4.0 KiB 0/1 layers");
  }

  @Test
  void waitingForAFailedCreateExitsWith1AndTheReason() {
    api.on(
        "GET /api/v2/operations/op_00000000000000c1",
        200,
        createOp("failed", "{\"percent\":3,\"message\":\"pulling img:1\"}", "null")
            .replace(
                "\"error\":null",
                "\"error\":{\"type\":\"x\",\"title\":\"Upstream failure\","
                    + "\"detail\":\"Pull failed\"}"));

    CliRun r = run("operations", "wait", "op_00000000000000c1");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Upstream failure: Pull failed");
  }

  @Test
  void reportsARequestThatTimesOutAsATimeoutNotAsAnUnreachableOrchestrator() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      ApiClient api =
          new ApiClient(
              java.net.URI.create("http://127.0.0.1:" + silent.getLocalPort()),
              null,
              java.time.Duration.ofMillis(300));

      CliException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              CliException.class, () -> api.get("/api/v2/servers"));

      assertThat(e.exitCode()).isEqualTo(ExitCodes.TIMED_OUT);
      assertThat(String.join("\n", e.lines()))
          .contains("did not answer within 300 ms (request timed out)")
          .doesNotContain("cannot connect");
    }
  }

  @Test
  void mapsUsageErrorsToExitCode2() {
    assertThat(CliRun.of("servers", "start").code()).isEqualTo(2);
    assertThat(CliRun.of("servers", "frobnicate").code()).isEqualTo(2);
    assertThat(CliRun.of("schedules", "add", "a.b", "--action", "stop").code()).isEqualTo(2);
  }

  @Test
  void waitsForAnOperationShowingPlainProgressThenPrintsTheResult() {
    api.on(
        "POST /api/v2/servers/fakegame.one/power",
        202,
        op("queued", null, null, "\"error\":null,\"result\":null"));
    api.on(
        "GET /api/v2/operations/op_0123456789abcdef",
        200,
        op("running", 40, "pulling img:1", "\"error\":null,\"result\":null"));
    api.on(
        "GET /api/v2/operations/op_0123456789abcdef",
        200,
        op("succeeded", 100, "done", "\"error\":null,\"result\":{\"state\":\"running\"}"));
    CliRun r = run("servers", "start", "fakegame.one");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).contains("40% pulling img:1\n").contains("100% done\n");
    assertThat(r.out()).isEqualTo("fakegame.one: running\n");
    assertThat(api.requests.get(0).body()).isEqualTo("{\"action\":\"start\"}");
  }

  @Test
  void exitsWith1AndTheErrorWhenTheOperationFails() {
    api.on(
        "POST /api/v2/servers/fakegame.one/update",
        202,
        op(
            "failed",
            null,
            null,
            "\"error\":{\"type\":\"x\",\"title\":\"Upstream failure\",\"detail\":\"pull denied\"},"
                + "\"result\":null"));
    CliRun r = run("servers", "update", "fakegame.one", "--mode", "image");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("failed: Upstream failure: pull denied");
    assertThat(api.requests.get(0).body()).isEqualTo("{\"mode\":\"image\"}");
  }

  @Test
  void printsOnlyTheOperationIdWithNoWait() {
    api.on("POST /api/v2/plans/sync", 202, op("queued", null, null, "\"error\":null"));
    CliRun r = run("plans", "sync", "--no-wait");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("op_0123456789abcdef\n");
    assertThat(api.requests).hasSize(1);
  }

  @Test
  void refusesToDeleteFilesWithoutYesWhenNotInteractiveAndSendsNothing() {
    CliRun r = run("servers", "delete", "fakegame.one", "--delete-files");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("without --yes");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void deletesFilesWithYesRepeatingTheIdAsConfirmation() {
    api.on("DELETE /api/v2/servers/fakegame.one?deleteFiles=true&confirm=fakegame.one", 204, "");
    CliRun r = run("servers", "delete", "fakegame.one", "--delete-files", "--yes");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("deleted fakegame.one and its files");
  }

  @Test
  void setsRestartPolicyAndAutostartAndShowsTheSupervision() {
    String supervised =
        SERVER.replace(
            "\"nextSchedule\":null",
            "\"nextSchedule\":null,\"restartPolicy\":\"always\",\"autostart\":false,"
                + "\"desiredState\":\"running\",\"nextRestartAt\":\"2026-12-01T10:00:05Z\","
                + "\"lastCrash\":{\"at\":\"2026-12-01T10:00:00Z\",\"exitCode\":137,"
                + "\"oomKilled\":true}");
    api.on("PATCH /api/v2/servers/fakegame.one", 200, supervised);
    CliRun r =
        run("servers", "set", "fakegame.one", "--restart-policy", "always", "--autostart", "false");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(0).body())
        .isEqualTo("{\"restartPolicy\":\"always\",\"autostart\":false}");
    assertThat(r.out())
        .containsPattern("restart policy +always")
        .containsPattern("autostart +off")
        .containsPattern("desired state +running")
        .containsPattern("next restart +2026-12-01T10:00:05Z")
        .containsPattern("last crash +2026-12-01T10:00:00Z exit 137 \\(OOM-killed\\)");
  }

  @Test
  void setsAndShowsLimitsWithDefaultAsAReset() {
    String limited =
        SERVER.replace(
            "\"nextSchedule\":null",
            "\"nextSchedule\":null,\"limits\":{\"memory\":2147483648,\"cpus\":1.5,"
                + "\"pids\":2048,\"serverOwn\":[\"memory\",\"cpus\"]}");
    api.on("PATCH /api/v2/servers/fakegame.one", 200, limited);
    CliRun r =
        run(
            "servers",
            "set",
            "fakegame.one",
            "--memory",
            "2g",
            "--cpus",
            "1.5",
            "--pids",
            "default");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(0).body())
        .isEqualTo("{\"limits\":{\"memory\":\"2g\",\"cpus\":1.5,\"pids\":null}}");
    assertThat(r.out())
        .containsPattern("limits +memory 2.0 GiB \\(own\\), cpus 1.5 \\(own\\), pids 2048");
  }

  @Test
  void refusesASetWithNothingToChange() {
    CliRun r = run("servers", "set", "fakegame.one");
    assertThat(r.code()).isEqualTo(2);
    assertThat(api.requests).isEmpty();
  }

  @Test
  void createsWithARestartPolicy() {
    api.on(
        "POST /api/v2/servers",
        202,
        createOp("succeeded", "{\"percent\":100,\"message\":\"done\"}", SERVER));
    CliRun r =
        run(
            "servers",
            "create",
            "fakegame",
            "one",
            "--restart-policy",
            "no",
            "--autostart",
            "true");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(0).body())
        .isEqualTo(
            "{\"game\":\"fakegame\",\"name\":\"one\",\"settings\":{},"
                + "\"restartPolicy\":\"no\",\"autostart\":true}");
  }

  @Test
  void addsACronScheduleWithTheContractFields() {
    api.on(
        "POST /api/v2/servers/fakegame.one/schedules",
        201,
        """
        {"id":3,"server":"fakegame.one","action":"restart","cron":"0 4 * * *","at":null,\
        "timeZone":"Europe/Berlin","enabled":true,"misfire":"skip","updateMode":null,\
        "nextRun":"2026-11-27T03:00:00Z","lastRun":null,"lastResult":null}""");
    CliRun r =
        run(
            "schedules",
            "add",
            "fakegame.one",
            "--action",
            "restart",
            "--cron",
            "0 4 * * *",
            "--tz",
            "Europe/Berlin",
            "--misfire",
            "skip");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(0).body())
        .isEqualTo(
            "{\"action\":\"restart\",\"cron\":\"0 4 * * *\",\"timeZone\":\"Europe/Berlin\","
                + "\"misfire\":\"skip\"}");
    assertThat(r.out()).contains("added schedule 3: restart cron '0 4 * * *' (Europe/Berlin)");
  }

  @Test
  void listsAndRemovesSchedules() {
    api.on(
        "GET /api/v2/servers/fakegame.one/schedules",
        200,
        """
        {"items":[{"id":3,"server":"fakegame.one","action":"stop","cron":null,\
        "at":"2026-12-24T18:00:00Z","timeZone":"UTC","enabled":true,"misfire":"run-once",\
        "updateMode":null,"nextRun":"2026-12-24T18:00:00Z","lastRun":null,"lastResult":null}]}""");
    api.on("DELETE /api/v2/servers/fakegame.one/schedules/3", 204, "");
    CliRun list = run("schedules", "list", "fakegame.one");
    assertThat(list.out())
        .startsWith("ID  ACTION  WHEN")
        .contains("3   stop    at 2026-12-24T18:00:00Z  UTC");
    CliRun rm = run("schedules", "remove", "fakegame.one", "3");
    assertThat(rm.code()).isZero();
    assertThat(rm.out()).contains("removed schedule 3 of fakegame.one");
  }

  @Test
  void followsEventsAndReconnectsWithLastEventId() {
    api.onEvents(
        "GET /api/v2/events?server=fakegame.one",
        ": connected\n\nid: 5\nevent: server.state\ndata: {\"server\":\"fakegame.one\","
            + "\"from\":\"exited\",\"to\":\"running\",\"at\":\"2026-11-26T20:00:00Z\"}\n\n");
    api.onEvents(
        "GET /api/v2/events?server=fakegame.one",
        "id: 6\nevent: server.deleted\ndata: {\"server\":\"fakegame.one\",\"at\":\"t\"}\n\n");
    CliRun r = run("events", "--server", "fakegame.one", "--count", "2");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "2026-11-26T20:00:00Z server.state fakegame.one exited -> running\n"
                + "t server.deleted fakegame.one\n");
    assertThat(api.requests).hasSize(2);
    assertThat(api.requests.get(0).header("Last-Event-ID")).isNull();
    assertThat(api.requests.get(1).header("Last-Event-ID")).isEqualTo("5");
    assertThat(r.err()).contains("reconnect");
  }

  @Test
  void printsRawDataLinesOfEventsWithJson() {
    api.onEvents(
        "GET /api/v2/events",
        "id: 1\nevent: plans.synced\ndata: {\"added\":[\"x\"],\"at\":\"t\"}\n\n");
    CliRun r = run("events", "--json", "--count", "1");
    assertThat(r.out()).isEqualTo("{\"added\":[\"x\"],\"at\":\"t\"}\n");
  }

  @Test
  void documentsTheExitCodesInTheHelpFooterAndPrintsACompletionScript() {
    CliRun help = CliRun.of("--help");
    assertThat(help.out()).contains("Exit codes:").contains("6   cannot connect");
    CliRun completion = CliRun.of("completion");
    assertThat(completion.code()).isZero();
    assertThat(completion.out()).contains("complete -F").contains("servers").contains("schedules");
  }
}
