package dev.peon.orc.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String KEY = "s3cr3t-api-key-value";

  @TempDir Path dir;
  private final ConfigLoader loader = new ConfigLoader();

  private Path file(String content) throws IOException {
    Path f = dir.resolve("peon.properties");
    Files.writeString(f, content);
    return f;
  }

  @Test
  void usesDefaultsWhenNothingIsGiven() {
    OrchestratorConfig c = loader.load(null, Map.of(), Map.of());

    assertThat(c.listenHost()).isEqualTo("0.0.0.0");
    assertThat(c.listenPort()).isEqualTo(5000);
    assertThat(c.dataDir()).isEqualTo(Path.of("data").toAbsolutePath().normalize());
    assertThat(c.dockerHost()).isEqualTo("unix:///var/run/docker.sock");
    assertThat(c.planSource()).isEqualTo(ConfigLoader.DEFAULT_PLAN_SOURCE);
    assertThat(c.planSourceIsGit()).isTrue();
    assertThat(c.planBranch()).isEmpty();
    assertThat(c.hostDataDir()).isNull();
    assertThat(c.bindSourceRoot()).isEqualTo(c.dataDir());
    assertThat(c.containerUser()).isEqualTo("1000:1000");
    assertThat(c.stopTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.apiKey()).isNull();
    assertThat(c.corsOrigins()).containsExactly("*");
    assertThat(c.exposeSecrets()).isFalse();
    assertThat(c.subnetPool()).isEqualTo("10.213.0.0/16");
    assertThat(c.subnetPrefix()).isEqualTo(28);
  }

  @Test
  void fileOverridesDefaults() throws IOException {
    OrchestratorConfig c =
        loader.load(file("listen.port=6000\ncontainer.user=1001\n"), Map.of(), Map.of());

    assertThat(c.listenPort()).isEqualTo(6000);
    assertThat(c.containerUser()).isEqualTo("1001");
    assertThat(c.listenHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void environmentOverridesFileAndFlagsOverrideEnvironment() throws IOException {
    Path f = file("listen.port=6000\nlisten.host=10.0.0.1\nstop.timeout=5s\n");
    Map<String, String> env =
        Map.of("PEON_LISTEN_PORT", "7000", "PEON_STOP_TIMEOUT", "2m", "UNRELATED", "x");

    OrchestratorConfig c = loader.load(f, env, Map.of("listen.port", "8000"));

    assertThat(c.listenPort()).isEqualTo(8000);
    assertThat(c.stopTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.listenHost()).isEqualTo("10.0.0.1");
  }

  @Test
  void backupReserveAndPreRestoreKeepHaveDefaultsAndAreValidated() {
    OrchestratorConfig d = loader.load(null, Map.of(), Map.of());
    assertThat(d.backupReserveBytes()).isEqualTo(1L << 30);
    assertThat(d.backupReservePercent()).isEqualTo(5);
    assertThat(d.backupPreRestoreKeepDays()).isEqualTo(7);
    OrchestratorConfig c =
        loader.load(
            null,
            Map.of("PEON_BACKUP_RESERVE", "512m"),
            Map.of("backup.reserve.percent", "0", "backup.pre-restore.keep.days", "30"));
    assertThat(c.backupReserveBytes()).isEqualTo(512L << 20);
    assertThat(c.backupReservePercent()).isZero();
    assertThat(c.backupPreRestoreKeepDays()).isEqualTo(30);
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                loader.load(
                    null,
                    Map.of(),
                    Map.of(
                        "backup.reserve", "lots",
                        "backup.reserve.percent", "90",
                        "backup.pre-restore.keep.days", "-1")));
    assertThat(e.getMessage())
        .contains("backup.reserve:")
        .contains("backup.reserve.percent")
        .contains("backup.pre-restore.keep.days");
  }

  @Test
  void namesEnvironmentVariablesAfterKeys() {
    assertThat(ConfigLoader.envName("listen.port")).isEqualTo("PEON_LISTEN_PORT");
    assertThat(ConfigLoader.envName("network.subnet.pool")).isEqualTo("PEON_NETWORK_SUBNET_POOL");
  }

  @Test
  void readsPeonApiKeyAndHostDir() {
    OrchestratorConfig c =
        loader.load(null, Map.of("API_KEY", KEY, "HOST_DIR", "/srv/peon"), Map.of());

    assertThat(c.apiKey().matches(KEY)).isTrue();
    assertThat(c.hostDataDir()).isEqualTo(Path.of("/srv/peon"));
    assertThat(c.bindSourceRoot()).isEqualTo(Path.of("/srv/peon"));
  }

  @Test
  void ownEnvironmentVariablesWinOverPeonOnes() {
    OrchestratorConfig c =
        loader.load(
            null,
            Map.of("API_KEY", "peon-key-1234", "PEON_API_KEY", KEY, "HOST_DIR", "/a"),
            Map.of("host.data.dir", "/b"));

    assertThat(c.apiKey().matches(KEY)).isTrue();
    assertThat(c.hostDataDir()).isEqualTo(Path.of("/b"));
  }

  @Test
  void listsEveryProblemAtOnce() throws IOException {
    Path f = file("listen.port=70000\nbogus.key=1\n");
    Map<String, String> env = Map.of("PEON_CONTAINER_USER", "steam", "PEON_STOP_TIMEOUT", "soon");
    Map<String, String> flags =
        Map.of("network.subnet.pool", "10.300.0.0/16", "nonsense", "x", "expose.secrets", "yes");

    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> loader.load(f, env, flags));

    assertThat(e.problems())
        .anySatisfy(p -> assertThat(p).contains("listen.port").contains("70000"))
        .anySatisfy(p -> assertThat(p).contains("bogus.key"))
        .anySatisfy(p -> assertThat(p).contains("nonsense"))
        .anySatisfy(p -> assertThat(p).contains("container.user").contains("steam"))
        .anySatisfy(p -> assertThat(p).contains("stop.timeout").contains("soon"))
        .anySatisfy(p -> assertThat(p).contains("network.subnet.pool").contains("10.300.0.0/16"))
        .anySatisfy(p -> assertThat(p).contains("expose.secrets").contains("yes"))
        .hasSize(7);
    assertThat(e.getMessage()).contains("listen.port").contains("container.user");
  }

  @Test
  void rejectsAPortThatIsNotANumber() {
    assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("listen.port", "http")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listen.port: 'http' is not a number");
  }

  @Test
  void rejectsMalformedCidrs() {
    for (String bad : List.of("10.213.0.0", "10.213.0.0/33", "not-a-cidr", "10.213.0/16")) {
      assertThatThrownBy(() -> loader.load(null, Map.of(), Map.of("network.subnet.pool", bad)))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("network.subnet.pool");
    }
  }

  @Test
  void rejectsASubnetLargerThanThePool() {
    assertThatThrownBy(
            () ->
                loader.load(
                    null,
                    Map.of(),
                    Map.of("network.subnet.pool", "10.213.0.0/24", "network.subnet.prefix", "20")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("network.subnet.prefix");
  }

  @Test
  void rejectsRelativeHostDirAndBadDockerHost() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                loader.load(
                    null,
                    Map.of("HOST_DIR", "relative/dir"),
                    Map.of("docker.host", "/var/run/docker.sock")));

    assertThat(e.problems())
        .anySatisfy(p -> assertThat(p).contains("host.data.dir"))
        .anySatisfy(p -> assertThat(p).contains("docker.host"));
  }

  @Test
  void parsesDurations() {
    assertThat(loader.load(null, Map.of(), Map.of("stop.timeout", "45")).stopTimeout())
        .isEqualTo(Duration.ofSeconds(45));
    assertThat(loader.load(null, Map.of(), Map.of("stop.timeout", "1h")).stopTimeout())
        .isEqualTo(Duration.ofHours(1));
    assertThat(loader.load(null, Map.of(), Map.of("stop.timeout", "90S")).stopTimeout())
        .isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void readsEngineBoundsAndLogRotation() {
    OrchestratorConfig defaults = loader.load(null, Map.of(), Map.of());
    assertThat(defaults.dockerCallTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.dockerStreamConnections()).isEqualTo(1000);
    assertThat(defaults.dockerPullStallTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(defaults.dockerLogMaxSize()).isEqualTo("20m");
    assertThat(defaults.dockerLogMaxFiles()).isEqualTo(3);

    OrchestratorConfig c =
        loader.load(
            null,
            Map.of("PEON_DOCKER_LOG_MAX_SIZE", "512K", "PEON_DOCKER_PULL_STALL_TIMEOUT", "90s"),
            Map.of("docker.stream.connections", "64", "docker.log.max.files", "5"));
    assertThat(c.dockerLogMaxSize()).isEqualTo("512k");
    assertThat(c.dockerPullStallTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.dockerStreamConnections()).isEqualTo(64);
    assertThat(c.dockerLogMaxFiles()).isEqualTo(5);
  }

  @Test
  void rejectsBadEngineBoundsAndLogRotation() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () ->
                loader.load(
                    null,
                    Map.of(),
                    Map.of(
                        "docker.log.max.size", "20 MB",
                        "docker.log.max.files", "0",
                        "docker.call.timeout", "0s",
                        "docker.stream.connections", "2")));
    assertThat(e.problems())
        .anyMatch(p -> p.startsWith("docker.log.max.size: '20 MB'"))
        .anyMatch(p -> p.startsWith("docker.log.max.files: 0"))
        .anyMatch(p -> p.startsWith("docker.call.timeout"))
        .anyMatch(p -> p.startsWith("docker.stream.connections: 2"));
  }

  @Test
  void splitsCorsOrigins() {
    OrchestratorConfig c =
        loader.load(null, Map.of(), Map.of("cors.origins", " https://a.example , https://b ,"));

    assertThat(c.corsOrigins()).containsExactly("https://a.example", "https://b");
  }

  @Test
  void neverShowsTheApiKeyInToString() {
    OrchestratorConfig c = loader.load(null, Map.of("API_KEY", KEY), Map.of());

    assertThat(c.toString()).doesNotContain(KEY).contains("********");
    assertThat(c.apiKey().toString()).doesNotContain(KEY);
  }

  @Test
  void neverShowsATooShortApiKeyInTheProblem() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class, () -> loader.load(null, Map.of("API_KEY", "abc12"), Map.of()));

    assertThat(e.problems()).singleElement().asString().contains("api.key").doesNotContain("abc12");
    assertThat(e.getMessage()).doesNotContain("abc12");
  }

  @Test
  void reportsAnUnreadableFile() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class,
            () -> loader.load(dir.resolve("missing.properties"), Map.of(), Map.of()));

    assertThat(e.problems()).singleElement().asString().contains("cannot be read");
  }

  @Test
  void allocatesFromTwentyThousandToThirtyNineThousandNineHundredNinetyNineByDefault() {
    OrchestratorConfig c = loader.load(null, Map.of(), Map.of());

    assertThat(c.portRange()).isEqualTo(new PortRange(20000, 39999));
    assertThat(c.portRange().size()).isEqualTo(20000);
  }

  @Test
  void readsThePortRangeFromTheEnvironmentAndSwitchesItOffWhenEmpty() {
    assertThat(loader.load(null, Map.of("PEON_PORTS_RANGE", "41000 - 41009"), Map.of()).portRange())
        .isEqualTo(new PortRange(41000, 41009));
    assertThat(loader.load(null, Map.of(), Map.of("ports.range", "27015")).portRange())
        .isEqualTo(new PortRange(27015, 27015));
    assertThat(loader.load(null, Map.of(), Map.of("ports.range", "")).portRange()).isNull();
  }

  @Test
  void refusesABadPortRangeNamingTheValue() {
    for (String bad : List.of("30000-20000", "0-10", "20000-70000", "abc", "1-2-3")) {
      ConfigException e =
          catchThrowableOfType(
              ConfigException.class, () -> loader.load(null, Map.of(), Map.of("ports.range", bad)));

      assertThat(e.problems()).as(bad).singleElement().asString().startsWith("ports.range: '");
    }
  }

  @Test
  void readsTrustedProxiesAndNamesTheBadOnes() {
    assertThat(loader.load(null, Map.of(), Map.of()).trustedProxies()).isEmpty();
    OrchestratorConfig c =
        loader.load(
            null, Map.of("PEON_HTTP_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1,fd00::/8"), Map.of());
    assertThat(c.trustedProxies())
        .containsExactly(
            AddressRange.parse("10.0.0.0/8"),
            AddressRange.parse("192.0.2.1/32"),
            AddressRange.parse("fd00::/8"));
    assertThatThrownBy(
            () -> loader.load(null, Map.of(), Map.of("http.trusted.proxies", "10.0.0.1,nginx")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.trusted.proxies")
        .hasMessageContaining("nginx");
  }
}
