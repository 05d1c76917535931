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
 * @param portRange host ports handed out when every port group of a plan is taken ({@code
 *     ports.range}); null when the range is switched off (plan groups only, as in PEON)
 * @param restartBackoffInitial the wait before the first restart after a crash; doubles per crash
 * @param restartBackoffMax the longest wait between restarts after crashes
 * @param crashLoopCrashes this many crashes within {@code crashLoopWindow} stop the restarts
 * @param crashLoopWindow the window in which crashes count towards a crash loop
 * @param autostartParallel how many servers autostart at once at boot
 * @param dockerCallTimeout how long a short engine call (and the wait for a connection) may take
 * @param dockerStreamConnections engine connections for long-lived streams (events, log follows,
 *     stdin attaches, pulls)
 * @param dockerPullStallTimeout a pull without progress for this long is cancelled
 * @param dockerLogMaxSize size of a container's log file before rotation ({@code 20m})
 * @param dockerLogMaxFiles log files kept per container
 * @param backupReserveBytes the least free space a backup, upload or restore leaves on its disk
 * @param backupReservePercent the same as a share of the disk; the larger of the two applies
 * @param backupPreRestoreKeepDays how long pre-restore backups are exempt from retention
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
    PortRange portRange,
    Duration restartBackoffInitial,
    Duration restartBackoffMax,
    int crashLoopCrashes,
    Duration crashLoopWindow,
    int autostartParallel,
    Duration dockerCallTimeout,
    int dockerStreamConnections,
    Duration dockerPullStallTimeout,
    String dockerLogMaxSize,
    int dockerLogMaxFiles,
    long backupReserveBytes,
    int backupReservePercent,
    int backupPreRestoreKeepDays,
    List<AddressRange> trustedProxies,
    ClusterPolicy cluster) {

  public OrchestratorConfig {
    cluster = cluster == null ? ClusterPolicy.SINGLE_ENGINE : cluster;
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
