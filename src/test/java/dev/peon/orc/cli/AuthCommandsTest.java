package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** users, keys, audit and me against a scripted fake API. */
class AuthCommandsTest {
  private static final String KEY = "test-key-123456";
  private static final String USERS =
      """
      {"items":[{"id":1,"name":"owner","role":"owner","enabled":true,\
      "createdAt":"2026-11-01T08:00:00Z","grants":{}},\
      {"id":2,"name":"alice","role":"operator","enabled":true,"createdAt":"2026-11-20T09:00:00Z",\
      "grants":{"valheim.camp1":["server.console","server.power"]}}]}""";
  private static final String ALICE =
      """
      {"id":2,"name":"alice","role":"operator","enabled":true,"createdAt":"2026-11-20T09:00:00Z",\
      "grants":{"valheim.camp1":["server.console","server.power"]}}""";
  private static final String ENTRY =
      """
      {"id":%d,"at":"2026-11-26T10:15:02Z","actor":"user:alice","keyId":null,\
      "source":"127.0.0.1","requestId":"r1","action":"server.power","target":"valheim.camp1",\
      "outcome":"%s","params":{},"prevHash":"0","hash":"1"}""";

  @TempDir Path tmp;
  private FakeApi api;
  private InputStream stdin;

  @BeforeEach
  void start() throws IOException {
    api = new FakeApi();
    stdin = System.in;
  }

  @AfterEach
  void stop() {
    api.close();
    System.setIn(stdin);
    KeysCommand.clock = Clock.systemUTC();
    AuditCommand.pollEvery = Duration.ofSeconds(1);
  }

  private CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", api.url(), "--api-key", KEY, "--utc"));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static void stdin(String text) {
    System.setIn(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void listsUsersWithTheirGrants() {
    api.on("GET /api/v2/users", 200, USERS);
    CliRun r = run("users", "list");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            NAME   ROLE      ENABLED  CREATED                  GRANTS
            owner  owner     yes      2026-11-01 08:00:00 UTC  -
            alice  operator  yes      2026-11-20 09:00:00 UTC  valheim.camp1: server.console,server.power
            """);
  }

  @Test
  void addsAUserWithThePasswordFromStdinAndNeverPrintsIt() {
    api.on("POST /api/v2/users", 201, ALICE);
    stdin("a-long-secret-pw\n");
    CliRun r = run("users", "add", "alice", "--role", "operator", "--password-stdin");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("created user alice (operator)\n");
    assertThat(api.requests.get(0).body())
        .isEqualTo("{\"name\":\"alice\",\"password\":\"a-long-secret-pw\",\"role\":\"operator\"}");
    assertThat(r.out() + r.err()).doesNotContain("a-long-secret-pw");
  }

  @Test
  void refusesToAddAUserWithoutAPasswordWhenNotInteractive() {
    CliRun r = run("users", "add", "alice", "--role", "viewer");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--password-stdin");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void hasNoPasswordFlagTakingAValue() {
    CliRun r = run("users", "add", "alice", "--role", "viewer", "--password", "hunter2hunter2");
    assertThat(r.code()).isEqualTo(2);
    assertThat(api.requests).isEmpty();
  }

  @Test
  void changesAUserResolvedByName() {
    api.on("GET /api/v2/users", 200, USERS);
    api.on("PATCH /api/v2/users/2", 200, ALICE.replace("operator", "viewer"));
    CliRun r = run("users", "set", "alice", "--role", "viewer", "--disable");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("changed role, enabled of user alice\n");
    assertThat(api.requests.get(1).body()).isEqualTo("{\"role\":\"viewer\",\"enabled\":false}");
  }

  @Test
  void setWithNothingToChangeIsAUsageError() {
    CliRun r = run("users", "set", "alice");
    assertThat(r.code()).isEqualTo(2);
    assertThat(api.requests).isEmpty();
  }

  @Test
  void unknownUserIsNotFound() {
    api.on("GET /api/v2/users", 200, USERS);
    CliRun r = run("users", "show", "bob");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("no user named bob");
  }

  @Test
  void removesOnlyWithYesWhenNotInteractive() {
    api.on("GET /api/v2/users", 200, USERS);
    api.on("DELETE /api/v2/users/2", 204, "");
    CliRun refused = run("users", "remove", "alice");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(api.requests).noneMatch(q -> q.method().equals("DELETE"));
    CliRun r = run("users", "remove", "alice", "--yes");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("deleted user alice\n");
  }

  @Test
  void grantsPermissionsOnAServer() {
    api.on("GET /api/v2/users", 200, USERS);
    api.on("PUT /api/v2/users/2/grants/valheim.camp1", 200, ALICE);
    CliRun r = run("users", "grant", "alice", "valheim.camp1", "server.power", "server.console");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(1).body())
        .isEqualTo("{\"permissions\":[\"server.power\",\"server.console\"]}");
    assertThat(r.out()).contains("granted server.power, server.console on valheim.camp1 to alice");
  }

  @Test
  void createsAKeyPrintingOnlyTheSecretOnStdout() {
    KeysCommand.clock = Clock.fixed(Instant.parse("2026-11-26T10:00:00.500Z"), ZoneOffset.UTC);
    String secret = "peon_3fa2c81d9b04_q3Zr8m1XvB0c7yPz5T2nKd4sW9hJ6gLf0aQeRtYuIoU";
    api.on(
        "POST /api/v2/keys",
        201,
        "{\"id\":\"3fa2c81d9b04\",\"user\":\"alice\",\"name\":\"ci\",\"scope\":[\"server.read\"],"
            + "\"expiresAt\":\"2026-12-26T10:00:00Z\",\"createdAt\":\"2026-11-26T10:00:00Z\","
            + "\"lastUsedAt\":null,\"revokedAt\":null,\"secret\":\""
            + secret
            + "\"}");
    CliRun r =
        run(
            "keys",
            "create",
            "ci",
            "--scope",
            "server.read,server.power",
            "--expires",
            "30d",
            "--user",
            "alice");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo(secret + "\n");
    assertThat(r.err()).contains("created key 3fa2c81d9b04 for alice").contains("not shown again");
    assertThat(api.requests.get(0).body())
        .isEqualTo(
            "{\"name\":\"ci\",\"scope\":[\"server.read\",\"server.power\"],"
                + "\"expiresAt\":\"2026-12-26T10:00:00Z\",\"user\":\"alice\"}");
  }

  @Test
  void expiryTakesRfc3339WithAnyOffsetAndRefusesNonsense() {
    assertThat(KeysCommand.expiresAt("2027-01-01T01:00:00+01:00"))
        .isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    CliRun r = run("keys", "create", "ci", "--expires", "soon");
    assertThat(r.code()).isEqualTo(2);
    assertThat(api.requests).isEmpty();
  }

  @Test
  void listsEveryKeyAndRevokesOne() {
    api.on(
        "GET /api/v2/keys?all=true",
        200,
        "{\"items\":[{\"id\":\"3fa2c81d9b04\",\"user\":\"alice\",\"name\":\"ci\",\"scope\":null,"
            + "\"expiresAt\":null,\"createdAt\":\"2026-11-26T10:00:00Z\",\"lastUsedAt\":null,"
            + "\"revokedAt\":\"2026-11-26T11:00:00Z\"}]}");
    api.on("DELETE /api/v2/keys/3fa2c81d9b04", 204, "");
    CliRun list = run("keys", "list", "--all");
    assertThat(list.code()).as(list.toString()).isZero();
    assertThat(list.out())
        .contains("ID            NAME  USER   SCOPE  EXPIRES  LAST USED  STATUS")
        .contains("3fa2c81d9b04  ci    alice  (all)  -        -          revoked");
    CliRun revoke = run("keys", "revoke", "3fa2c81d9b04");
    assertThat(revoke.code()).isZero();
    assertThat(revoke.out()).isEqualTo("revoked key 3fa2c81d9b04\n");
  }

  @Test
  void forbiddenIsExitCode5() {
    api.on(
        "GET /api/v2/users",
        403,
        FakeApi.problem(
            "forbidden", 403, "Forbidden", "You do not have the permission for this action."));
    CliRun r = run("users", "list");
    assertThat(r.code()).isEqualTo(5);
    assertThat(r.err()).contains("Forbidden: You do not have the permission for this action.");
  }

  @Test
  void readsTheAuditLogWithFilters() {
    api.on(
        "GET /api/v2/audit?actor=user%3Aalice&outcome=denied&limit=1",
        200, "{\"items\":[" + ENTRY.formatted(7, "denied") + "],\"next\":7}");
    CliRun r = run("audit", "--actor", "user:alice", "--outcome", "denied", "--limit", "1");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            ID  AT                       ACTOR       ACTION        TARGET         OUTCOME  SOURCE
            7   2026-11-26 10:15:02 UTC  user:alice  server.power  valheim.camp1  denied   127.0.0.1
            """);
    assertThat(r.err()).contains("more entries: add --after 7");
  }

  @Test
  void followsTheAuditLogPollingAfterTheLastId() {
    AuditCommand.pollEvery = Duration.ofMillis(10);
    api.on(
        "GET /api/v2/audit",
        200,
        "{\"items\":[" + ENTRY.formatted(1, "success") + "],\"next\":null}");
    api.on("GET /api/v2/audit?after=1", 200, "{\"items\":[],\"next\":null}");
    api.on(
        "GET /api/v2/audit?after=1",
        200,
        "{\"items\":[" + ENTRY.formatted(2, "failure") + "],\"next\":null}");
    CliRun r = run("audit", "--follow", "--count", "2");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out().lines()).hasSize(2);
    assertThat(r.out())
        .contains("1  2026-11-26 10:15:02 UTC")
        .contains("2  2026-11-26 10:15:02 UTC");
    assertThat(api.requests).extracting(FakeApi.Request::uri).contains("/api/v2/audit?after=1");
  }

  @Test
  void verifyExitsZeroWhenIntactAndOneWhenBroken() {
    api.on(
        "GET /api/v2/audit/verify",
        200,
        "{\"ok\":true,\"entries\":12,\"brokenAt\":null,\"reason\":null}");
    api.on(
        "GET /api/v2/audit/verify",
        409,
        "{\"ok\":false,\"entries\":5,\"brokenAt\":5,\"reason\":\"the entry was altered\"}");
    CliRun ok = run("audit", "--verify");
    assertThat(ok.code()).as(ok.toString()).isZero();
    assertThat(ok.out()).isEqualTo("audit log intact: 12 entries\n");
    CliRun broken = run("audit", "--verify");
    assertThat(broken.code()).isEqualTo(1);
    assertThat(broken.out()).contains("BROKEN at entry 5: the entry was altered");
  }

  @Test
  void exportsToAFile() throws IOException {
    String lines = ENTRY.formatted(1, "success") + "\n" + ENTRY.formatted(2, "success") + "\n";
    api.on("GET /api/v2/audit/export?action=server.*", 200, lines);
    Path file = tmp.resolve("audit.jsonl");
    CliRun r = run("audit", "--action", "server.*", "--export", file.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(Files.readString(file)).isEqualTo(lines);
    assertThat(r.err()).contains("exported 2 entries");
  }

  @Test
  void showsWhoIAm() {
    api.on(
        "GET /api/v2/me",
        200,
        "{\"name\":\"alice\",\"role\":\"operator\",\"keyId\":\"3fa2c81d9b04\","
            + "\"permissions\":[\"server.power\",\"server.read\"],"
            + "\"grants\":{\"valheim.camp1\":[\"server.power\"]}}");
    CliRun r = run("me");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            name                 alice
            role                 operator
            key                  3fa2c81d9b04
            permissions          server.power,server.read
            grant valheim.camp1  server.power
            """);
  }
}
