package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code peon login} and {@code logout} against a scripted API, with a config file in a temp dir.
 */
class LoginCommandTest {
  private static final String SECRET = "peon_0123456789ab_s3cr3tS3cr3tS3cr3t";

  @TempDir Path tmp;
  private FakeApi api;
  private InputStream stdin;
  private Path config;

  @BeforeEach
  void start() throws IOException {
    api = new FakeApi();
    stdin = System.in;
    config = tmp.resolve("home/.config/peon/cli.properties");
  }

  @AfterEach
  void stop() {
    api.close();
    System.setIn(stdin);
  }

  private void stdin(String text) {
    System.setIn(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** {@code peon login} as alice with the password on stdin, plus {@code extra}. */
  private CliRun login(String... extra) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "login",
                "--url",
                api.url(),
                "--config",
                config.toString(),
                "--name",
                "alice",
                "--password-stdin"));
    args.addAll(java.util.List.of(extra));
    return CliRun.of(args.toArray(String[]::new));
  }

  private void scriptLogin() {
    api.onBytes(
        "POST /api/v2/login",
        "application/json",
        "{\"user\":{\"name\":\"alice\"},\"csrfToken\":\"csrf-1\",\"expiresAt\":\"x\"}"
            .getBytes(StandardCharsets.UTF_8),
        Map.of("Set-Cookie", "peon_session=sess-1; Path=/; HttpOnly; SameSite=Strict"));
    api.on(
        "POST /api/v2/keys",
        201,
        "{\"id\":\"0123456789ab\",\"name\":\"laptop\",\"user\":\"alice\",\"secret\":\""
            + SECRET
            + "\"}");
    api.on("POST /api/v2/logout", 204, "");
  }

  @Test
  void signsInMakesAKeyThroughTheSessionAndSavesItOwnerOnly() throws IOException {
    scriptLogin();
    stdin("correct horse\n");
    CliRun r = login("--key-name", "laptop");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("signed in as alice").doesNotContain(SECRET);
    assertThat(r.err()).doesNotContain("correct horse");

    FakeApi.Request login = api.requests.get(0);
    assertThat(login.body()).isEqualTo("{\"name\":\"alice\",\"password\":\"correct horse\"}");
    FakeApi.Request key = api.requests.get(1);
    assertThat(key.uri()).isEqualTo("/api/v2/keys");
    assertThat(key.header("Cookie")).isEqualTo("peon_session=sess-1");
    assertThat(key.header("X-CSRF-Token")).isEqualTo("csrf-1");
    assertThat(key.header("X-Api-Key")).isNull();
    assertThat(key.body()).isEqualTo("{\"name\":\"laptop\"}");
    assertThat(api.requests.get(2).uri()).isEqualTo("/api/v2/logout");

    assertThat(Files.getPosixFilePermissions(config))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(config.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(Files.readString(config))
        .contains("api-key=" + SECRET)
        .contains("api-key-id=0123456789ab");

    // later commands find the URL and the key in the config file
    api.on("GET /api/v2/me", 200, "{\"name\":\"alice\",\"role\":\"operator\"}");
    CliRun me = CliRun.of("me", "--config", config.toString());
    assertThat(me.code()).as(me.toString()).isZero();
    assertThat(api.requests.get(3).header("X-Api-Key")).isEqualTo(SECRET);
  }

  @Test
  void aSecondLoginRevokesTheKeyItReplaces() throws IOException {
    ClientSettings.store(
        config, Map.of("api-key", "peon_old000000000_x", "api-key-id", "old000000000"));
    scriptLogin();
    api.on("DELETE /api/v2/keys/old000000000", 204, "");
    stdin("pw\n");
    CliRun r = login();
    assertThat(r.code()).as(r.toString()).isZero();
    FakeApi.Request revoke = api.requests.get(api.requests.size() - 1);
    assertThat(revoke.method() + " " + revoke.uri()).isEqualTo("DELETE /api/v2/keys/old000000000");
    assertThat(revoke.header("X-Api-Key")).isEqualTo("peon_old000000000_x");
    assertThat(Files.readString(config)).contains("api-key=" + SECRET).doesNotContain("old0");
  }

  @Test
  void printsTheKeyOnlyWhenAsked() {
    scriptLogin();
    stdin("pw\n");
    CliRun r = login("--print-key");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo(SECRET + "\n");
  }

  @Test
  void aWrongPasswordSavesNothing() {
    api.on(
        "POST /api/v2/login",
        401,
        FakeApi.problem("unauthorized", 401, "Unauthorized", "Wrong name or password."));
    stdin("nope\n");
    CliRun r = login();
    assertThat(r.code()).isEqualTo(5);
    assertThat(r.err()).contains("Wrong name or password.");
    assertThat(config).doesNotExist();
  }

  @Test
  void refusesToAskForANameWithoutATerminal() {
    CliRun r = CliRun.of("login", "--url", api.url(), "--config", config.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--name");
    assertThat(api.requests).isEmpty();
  }

  @Test
  void logoutRevokesTheSavedKeyAndForgetsItKeepingOtherSettings() throws IOException {
    ClientSettings.store(
        config,
        Map.of("url", api.url(), "api-key", SECRET, "api-key-id", "0123456789ab", "x", "y"));
    api.on("DELETE /api/v2/keys/0123456789ab", 204, "");
    CliRun r = CliRun.of("logout", "--config", config.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).contains("revoked key 0123456789ab");
    assertThat(api.requests.get(0).header("X-Api-Key")).isEqualTo(SECRET);
    String left = Files.readString(config);
    assertThat(left).doesNotContain(SECRET).doesNotContain("api-key").contains("x=y");
    assertThat(left).contains("url=");
    CliRun again = CliRun.of("logout", "--config", config.toString());
    assertThat(again.code()).isZero();
    assertThat(again.err()).contains("not logged in");
  }
}
