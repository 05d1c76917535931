package dev.peon.orc.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The whole validated configuration. Built only by {@link ConfigLoader}; {@code toString()} never
 * shows the API key.
 *
 * @param apiKey the PEON v1 key from configuration, or null to use (or generate) the stored one
 * @param hostDataDir the data folder as the Docker host sees it, when running inside a container
 * @param planBranch branch of a git plan source; empty means the remote's default branch
 * @param v1KeyRole the role of the PEON v1 key ({@code owner}, {@code admin}, {@code operator},
 *     {@code viewer})
 * @param ownerPassword the first owner's password, or null to generate one at first start
 * @param backupDir where local backups are kept ({@code <data>/backups} unless configured)
 * @param containers limits, hardening and the instance label of game containers
 * @param trustedProxies reverse proxies whose {@code X-Forwarded-For} names the client (empty: the
 *     socket address is the client)
 */
public record OrchestratorConfig(
    String listenHost,
    int listenPort,
    Path dataDir,
    String dockerHost,
    String planSource,
    String planBranch,
    Path hostDataDir,
    String containerUser,
    Duration stopTimeout,
    Secret apiKey,
    List<String> corsOrigins,
    boolean exposeSecrets,
    String subnetPool,
    int subnetPrefix,
    String v1KeyRole,
    String ownerName,
    Secret ownerPassword,
    Path backupDir,
    ContainerPolicy containers,
    List<AddressRange> trustedProxies) {

  public OrchestratorConfig {
    corsOrigins = List.copyOf(corsOrigins);
    trustedProxies = List.copyOf(trustedProxies);
  }

  /** The data folder path to use as a bind-mount source. */
  public Path bindSourceRoot() {
    return hostDataDir != null ? hostDataDir : dataDir;
  }

  public boolean planSourceIsGit() {
    String s = planSource;
    return s.startsWith("https://")
        || s.startsWith("http://")
        || s.startsWith("git@")
        || s.startsWith("ssh://")
        || s.startsWith("git://")
        || s.startsWith("file://")
        || s.endsWith(".git");
  }
}
