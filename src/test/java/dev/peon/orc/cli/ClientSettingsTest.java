package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientSettingsTest {
  @TempDir Path tmp;
  private Path work;
  private Path home;

  @BeforeEach
  void folders() throws IOException {
    work = Files.createDirectories(tmp.resolve("work"));
    home = Files.createDirectories(tmp.resolve("home"));
  }

  private static ClientSettings.Flags none() {
    return new ClientSettings.Flags(null, null, null, null);
  }

  private void homeConfig(String text) throws IOException {
    Path cfg = home.resolve(".config/peon/cli.properties");
    Files.createDirectories(cfg.getParent());
    Files.writeString(cfg, text);
  }

  @Test
  void usesTheLocalDefaultsWhenNothingIsGiven() {
    ClientSettings s = ClientSettings.resolve(none(), Map.of(), work, home);
    assertThat(s.url()).hasToString("http://127.0.0.1:5000");
    assertThat(s.apiKey()).isNull();
  }

  @Test
  void takesTheKeyFromDataApiKeyInTheWorkingFolderAsTheLastResort() throws IOException {
    Files.createDirectories(work.resolve("data"));
    Files.writeString(work.resolve("data/api-key"), "generated-key\n");
    assertThat(ClientSettings.resolve(none(), Map.of(), work, home).apiKey().value())
        .isEqualTo("generated-key");
    homeConfig("api-key=from-config\n");
    assertThat(ClientSettings.resolve(none(), Map.of(), work, home).apiKey().value())
        .isEqualTo("from-config");
  }

  @Test
  void configFileBeatsDefaultsEnvBeatsConfigFlagsBeatEnv() throws IOException {
    homeConfig("url=http://config:1\napi-key=config-key\n");
    ClientSettings fromFile = ClientSettings.resolve(none(), Map.of(), work, home);
    assertThat(fromFile.url()).hasToString("http://config:1");
    assertThat(fromFile.apiKey().value()).isEqualTo("config-key");

    Map<String, String> env = Map.of("PEON_URL", "http://env:2/", "PEON_API_KEY", "env-key");
    ClientSettings fromEnv = ClientSettings.resolve(none(), env, work, home);
    assertThat(fromEnv.url()).hasToString("http://env:2");
    assertThat(fromEnv.apiKey().value()).isEqualTo("env-key");

    ClientSettings fromFlags =
        ClientSettings.resolve(
            new ClientSettings.Flags("https://flag:3", "flag-key", null, null), env, work, home);
    assertThat(fromFlags.url()).hasToString("https://flag:3");
    assertThat(fromFlags.apiKey().value()).isEqualTo("flag-key");
  }

  @Test
  void keyFileFlagBeatsEnvButNotTheKeyFlag() throws IOException {
    Path keyFile = Files.writeString(tmp.resolve("key"), "  file-key \n");
    Map<String, String> env = Map.of("PEON_API_KEY", "env-key");
    assertThat(
            ClientSettings.resolve(
                    new ClientSettings.Flags(null, null, keyFile, null), env, work, home)
                .apiKey()
                .value())
        .isEqualTo("file-key");
    assertThat(
            ClientSettings.resolve(
                    new ClientSettings.Flags(null, "flag-key", keyFile, null), env, work, home)
                .apiKey()
                .value())
        .isEqualTo("flag-key");
  }

  @Test
  void readsAnExplicitConfigFileInsteadOfTheOneInHome() throws IOException {
    homeConfig("url=http://home:1\n");
    Path other = Files.writeString(tmp.resolve("other.properties"), "url=http://other:9\n");
    assertThat(
            ClientSettings.resolve(
                    new ClientSettings.Flags(null, null, null, other), Map.of(), work, home)
                .url())
        .hasToString("http://other:9");
  }

  @Test
  void refusesAMissingExplicitConfigFileOrKeyFileAndABadUrlWithUsageExitCode() {
    assertThatThrownBy(
            () ->
                ClientSettings.resolve(
                    new ClientSettings.Flags(null, null, null, tmp.resolve("nope")),
                    Map.of(),
                    work,
                    home))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE));
    assertThatThrownBy(
            () ->
                ClientSettings.resolve(
                    new ClientSettings.Flags(null, null, tmp.resolve("nokey"), null),
                    Map.of(),
                    work,
                    home))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE));
    assertThatThrownBy(
            () ->
                ClientSettings.resolve(
                    new ClientSettings.Flags("ftp://x", null, null, null), Map.of(), work, home))
        .isInstanceOfSatisfying(
            CliException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCodes.USAGE));
  }

  @Test
  void neverShowsTheKeyInItsStringForm() {
    ClientSettings s =
        ClientSettings.resolve(
            new ClientSettings.Flags(null, "very-secret-key", null, null), Map.of(), work, home);
    assertThat(s.toString()).doesNotContain("very-secret-key");
  }
}
