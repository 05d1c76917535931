package dev.peon.orc.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Loads the configuration: defaults, then a properties file, then {@code PEON_*} environment
 * variables (plus PEON's {@code API_KEY} and {@code HOST_DIR}), then flags. Every problem is
 * collected and reported at once.
 */
public final class ConfigLoader {

  /** Upstream PEON plans repository. */
  public static final String DEFAULT_PLAN_SOURCE =
      "https://github.com/the-peon-project/peon-warplans";

  /** Every key with its default (null = none). Order is the documentation order. */
  public static final Map<String, String> DEFAULTS = defaults();

  private static final Pattern USER = Pattern.compile("[0-9]{1,10}(:[0-9]{1,10})?");
  private static final Pattern LOG_SIZE = Pattern.compile("[1-9][0-9]{0,9}[kmg]");
  private static final Pattern CIDR =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("listen.host", "0.0.0.0");
    d.put("listen.port", "5000");
    d.put("data.dir", "data");
    d.put("docker.host", "unix:///var/run/docker.sock");
    d.put("plans.source", DEFAULT_PLAN_SOURCE);
    d.put("plans.branch", "");
    d.put("host.data.dir", "");
    d.put("container.user", "1000:1000");
    d.put("stop.timeout", "30s");
    d.put("api.key", "");
    d.put("cors.origins", "*");
    d.put("expose.secrets", "false");
    d.put("network.subnet.pool", "10.213.0.0/16");
    d.put("network.subnet.prefix", "28");
    d.put("v1.key.role", "admin");
    d.put("owner.name", "owner");
    d.put("owner.password", "");
    d.put("backup.dir", "");
    d.put("limits.memory", "auto");
    d.put("limits.cpus", "0");
    d.put("limits.pids", "2048");
    d.put("container.hardening", "true");
    d.put("container.capabilities", ContainerPolicy.DEFAULT_CAPABILITIES);
    d.put("instance.id", "");
    d.put("ports.range", "20000-39999");
    d.put("supervision.backoff.initial", "5s");
    d.put("supervision.backoff.max", "5m");
    d.put("supervision.crashloop.crashes", "5");
    d.put("supervision.crashloop.window", "10m");
    d.put("supervision.autostart.parallel", "2");
    d.put("docker.call.timeout", "30s");
    d.put("docker.stream.connections", "1000");
    d.put("docker.pull.stall.timeout", "5m");
    d.put("docker.log.max.size", "20m");
    d.put("docker.log.max.files", "3");
    d.put("backup.reserve", "1g");
    d.put("backup.reserve.percent", "5");
    d.put("backup.pre-restore.keep.days", "7");
    d.put("http.trusted.proxies", "");
    d.put("runtime", "docker");
    d.put("cluster.failover", "restore");
    d.put("cluster.watch.interval", "1s");
    d.put("cluster.failover.after", "30s");
    return java.util.Collections.unmodifiableMap(d);
  }

  /** The env var name of a key: {@code listen.port} -> {@code PEON_LISTEN_PORT}. */
  public static String envName(String key) {
    return "PEON_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /**
   * @param file a properties file, or null
   * @param env the process environment
   * @param flags key -> value from the command line
   */
  public OrchestratorConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
    List<String> problems = new ArrayList<>();
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    if (file != null) {
      Properties props = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        props.load(r);
        for (String k : props.stringPropertyNames()) {
          if (!DEFAULTS.containsKey(k)) {
            problems.add("config file: unknown key '" + k + "'");
          } else {
            values.put(k, props.getProperty(k).trim());
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        problems.add("config file " + file + ": cannot be read (" + e.getMessage() + ")");
      }
    }
    if (env.get("API_KEY") != null) {
      values.put("api.key", env.get("API_KEY"));
    }
    if (env.get("HOST_DIR") != null) {
      values.put("host.data.dir", env.get("HOST_DIR"));
    }
    for (String k : DEFAULTS.keySet()) {
      String v = env.get(envName(k));
      if (v != null) {
        values.put(k, v.trim());
      }
    }
    for (Map.Entry<String, String> f : flags.entrySet()) {
      if (!DEFAULTS.containsKey(f.getKey())) {
        problems.add("flag: unknown key '" + f.getKey() + "'");
      } else {
        values.put(f.getKey(), f.getValue().trim());
      }
    }
    return validate(values, problems);
  }

  private OrchestratorConfig validate(Map<String, String> v, List<String> problems) {
    String host = v.get("listen.host");
    if (host.isBlank()) {
      problems.add("listen.host: must not be empty");
    }
    int port = intIn(v, "listen.port", 0, 65535, problems);
    Path dataDir = path(v, "data.dir", problems);
    String dockerHost = v.get("docker.host");
    if (!(dockerHost.startsWith("unix://") || dockerHost.startsWith("tcp://"))) {
      problems.add("docker.host: '" + dockerHost + "' must start with unix:// or tcp://");
    }
    String planSource = v.get("plans.source");
    if (planSource.isBlank()) {
      problems.add("plans.source: must be a git URL or a folder");
    }
    String branch = v.get("plans.branch");
    if (!branch.isEmpty() && !branch.matches("[A-Za-z0-9._/-]{1,100}")) {
      problems.add("plans.branch: '" + branch + "' is not a valid branch name");
    }
    Path hostDataDir = null;
    if (!v.get("host.data.dir").isEmpty()) {
      hostDataDir = path(v, "host.data.dir", problems);
      if (hostDataDir != null && !hostDataDir.isAbsolute()) {
        problems.add("host.data.dir: '" + v.get("host.data.dir") + "' must be an absolute path");
      }
    }
    String user = v.get("container.user");
    if (!USER.matcher(user).matches()) {
      problems.add("container.user: '" + user + "' must be UID or UID:GID (numbers)");
    }
    Duration stopTimeout = duration(v, "stop.timeout", problems);
    Secret apiKey = null;
    String key = v.get("api.key");
    if (!key.isEmpty()) {
      if (key.length() < 8) {
        problems.add("api.key: must be at least 8 characters (value not shown)");
      } else {
        apiKey = new Secret(key);
      }
    }
    List<String> cors =
        Arrays.stream(v.get("cors.origins").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    boolean expose = bool(v, "expose.secrets", problems);
    String pool = v.get("network.subnet.pool");
    int poolPrefix = -1;
    var m = CIDR.matcher(pool);
    if (!m.matches()) {
      problems.add(
          "network.subnet.pool: '" + pool + "' must be an IPv4 CIDR such as 10.213.0.0/16");
    } else {
      for (int i = 1; i <= 4; i++) {
        if (Integer.parseInt(m.group(i)) > 255) {
          problems.add("network.subnet.pool: '" + pool + "' is not an IPv4 address");
          break;
        }
      }
      poolPrefix = Integer.parseInt(m.group(5));
      if (poolPrefix < 8 || poolPrefix > 28) {
        problems.add("network.subnet.pool: prefix /" + poolPrefix + " must be between /8 and /28");
      }
    }
    int prefix = intIn(v, "network.subnet.prefix", 16, 29, problems);
    if (poolPrefix > 0 && prefix > 0 && prefix < poolPrefix) {
      problems.add("network.subnet.prefix: /" + prefix + " is larger than the pool /" + poolPrefix);
    }
    String v1Role = v.get("v1.key.role").toLowerCase(java.util.Locale.ROOT);
    if (!List.of("owner", "admin", "operator", "viewer").contains(v1Role)) {
      problems.add(
          "v1.key.role: '" + v.get("v1.key.role") + "' must be owner, admin, operator or viewer");
    }
    String ownerName = v.get("owner.name");
    if (!ownerName.matches("[a-z0-9][a-z0-9_.-]{0,31}")) {
      problems.add("owner.name: '" + ownerName + "' must be 1-32 of a-z, 0-9, _ . -");
    }
    Secret ownerPassword = null;
    String op = v.get("owner.password");
    if (!op.isEmpty()) {
      if (op.length() < 10) {
        problems.add("owner.password: must be at least 10 characters (value not shown)");
      } else {
        ownerPassword = new Secret(op);
      }
    }
    Path backupDir = null;
    if (!v.get("backup.dir").isEmpty()) {
      backupDir = path(v, "backup.dir", problems);
    }
    ContainerPolicy containers = containerPolicy(v, problems);
    PortRange portRange = null;
    if (!v.get("ports.range").isEmpty()) {
      try {
        portRange = PortRange.parse(v.get("ports.range"));
      } catch (IllegalArgumentException e) {
        problems.add("ports.range: '" + v.get("ports.range") + "' " + e.getMessage());
      }
    }
    Duration backoffInitial = duration(v, "supervision.backoff.initial", problems);
    Duration backoffMax = duration(v, "supervision.backoff.max", problems);
    if (backoffInitial.isZero()) {
      problems.add("supervision.backoff.initial: must be at least 1s");
    }
    if (backoffMax.compareTo(backoffInitial) < 0) {
      problems.add(
          "supervision.backoff.max: '"
              + v.get("supervision.backoff.max")
              + "' must not be shorter than supervision.backoff.initial");
    }
    int loopCrashes = intIn(v, "supervision.crashloop.crashes", 1, 1000, problems);
    Duration loopWindow = duration(v, "supervision.crashloop.window", problems);
    if (loopWindow.isZero()) {
      problems.add("supervision.crashloop.window: must be at least 1s");
    }
    int autostartParallel = intIn(v, "supervision.autostart.parallel", 1, 64, problems);
    Duration callTimeout = duration(v, "docker.call.timeout", problems);
    if (callTimeout.isZero()) {
      problems.add("docker.call.timeout: must be more than 0");
    }
    int streamConnections = intIn(v, "docker.stream.connections", 16, 100_000, problems);
    Duration pullStall = duration(v, "docker.pull.stall.timeout", problems);
    if (pullStall.isZero()) {
      problems.add("docker.pull.stall.timeout: must be more than 0");
    }
    String logMaxSize = v.get("docker.log.max.size").toLowerCase(Locale.ROOT);
    if (!LOG_SIZE.matcher(logMaxSize).matches()) {
      problems.add(
          "docker.log.max.size: '"
              + v.get("docker.log.max.size")
              + "' must be a size such as 512k, 20m or 1g");
    }
    int logMaxFiles = intIn(v, "docker.log.max.files", 1, 100, problems);
    long backupReserve = size(v, "backup.reserve", problems);
    int backupReservePercent = intIn(v, "backup.reserve.percent", 0, 50, problems);
    int preRestoreKeepDays = intIn(v, "backup.pre-restore.keep.days", 0, 3650, problems);
    List<AddressRange> trustedProxies = new java.util.ArrayList<>();
    for (String p : v.get("http.trusted.proxies").split(",")) {
      if (!p.isBlank()) {
        try {
          trustedProxies.add(AddressRange.parse(p));
        } catch (IllegalArgumentException e) {
          problems.add(
              "http.trusted.proxies: "
                  + e.getMessage()
                  + "; use addresses or CIDRs, comma-separated");
        }
      }
    }
    ClusterPolicy.Runtime runtime = null;
    String runtimeName = v.get("runtime").trim().toLowerCase(Locale.ROOT);
    for (ClusterPolicy.Runtime r : ClusterPolicy.Runtime.values()) {
      if (r.wire().equals(runtimeName)) {
        runtime = r;
      }
    }
    if (runtime == null) {
      problems.add("runtime: '" + v.get("runtime") + "' must be docker or swarm");
    }
    String failover = v.get("cluster.failover").trim().toLowerCase(Locale.ROOT);
    if (!failover.equals("restore") && !failover.equals("none")) {
      problems.add("cluster.failover: '" + v.get("cluster.failover") + "' must be restore or none");
    }
    Duration watchInterval = duration(v, "cluster.watch.interval", problems);
    if (watchInterval != null
        && (watchInterval.compareTo(Duration.ofSeconds(1)) < 0
            || watchInterval.compareTo(Duration.ofMinutes(5)) > 0)) {
      problems.add("cluster.watch.interval: must be between 1s and 5m");
    }
    Duration failoverAfter = duration(v, "cluster.failover.after", problems);
    if (failoverAfter.compareTo(Duration.ofHours(1)) > 0) {
      problems.add("cluster.failover.after: must be at most 1h");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    if (backupDir == null) {
      backupDir = dataDir.resolve("backups");
    }
    return new OrchestratorConfig(
        host,
        port,
        dataDir.toAbsolutePath().normalize(),
        dockerHost,
        planSource,
        branch,
        hostDataDir,
        user,
        stopTimeout,
        apiKey,
        cors,
        expose,
        pool,
        prefix,
        v1Role,
        ownerName,
        ownerPassword,
        backupDir.toAbsolutePath().normalize(),
        containers,
        portRange,
        backoffInitial,
        backoffMax,
        loopCrashes,
        loopWindow,
        autostartParallel,
        callTimeout,
        streamConnections,
        pullStall,
        logMaxSize,
        logMaxFiles,
        backupReserve,
        backupReservePercent,
        preRestoreKeepDays,
        trustedProxies,
        new ClusterPolicy(runtime, failover, watchInterval, failoverAfter));
  }

  /** A size such as {@code 0}, {@code 512m} or {@code 1g}, in bytes. */
  private static long size(Map<String, String> v, String k, List<String> p) {
    Long bytes = bytesOf(v.get(k));
    if (bytes == null) {
      p.add(k + ": '" + v.get(k) + "' must be a size such as 0, 512m or 1g");
      return 0;
    }
    return bytes;
  }

  /** {@code 512m}, {@code 4g}, {@code 1536MiB} or plain bytes; null when it is not a size. */
  private static Long bytesOf(String text) {
    var m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return null;
    }
    int shift =
        switch (m.group(2) == null ? "" : m.group(2)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    return Long.parseLong(m.group(1)) << shift;
  }

  private static ContainerPolicy containerPolicy(Map<String, String> v, List<String> problems) {
    long memory = 0;
    String mem = v.get("limits.memory").trim().toLowerCase(Locale.ROOT);
    if (mem.equals("auto")) {
      memory = autoMemory();
    } else if (!mem.equals("0") && !mem.equals("none")) {
      Long bytes = bytesOf(mem);
      if (bytes == null) {
        problems.add("limits.memory: '" + mem + "' must be auto, none or a size such as 4g");
      } else {
        memory = bytes;
        if (memory < 6L << 20) {
          problems.add("limits.memory: '" + mem + "' is below the engine's minimum of 6m");
        }
      }
    }
    double cpus = 0;
    try {
      cpus = Double.parseDouble(v.get("limits.cpus").trim());
      if (cpus < 0 || cpus > 1024 || Double.isNaN(cpus)) {
        problems.add("limits.cpus: " + cpus + " must be between 0 (none) and 1024");
      }
    } catch (NumberFormatException e) {
      problems.add("limits.cpus: '" + v.get("limits.cpus") + "' is not a number");
    }
    long pids = 0;
    try {
      pids = Long.parseLong(v.get("limits.pids").trim());
      if (pids != 0 && (pids < 16 || pids > 4_194_304)) {
        problems.add("limits.pids: " + pids + " must be 0 (none) or between 16 and 4194304");
      }
    } catch (NumberFormatException e) {
      problems.add("limits.pids: '" + v.get("limits.pids") + "' is not a whole number");
    }
    boolean hardened = bool(v, "container.hardening", problems);
    List<String> caps =
        Arrays.stream(v.get("container.capabilities").split(","))
            .map(c -> c.trim().toUpperCase(Locale.ROOT))
            .map(c -> c.startsWith("CAP_") ? c.substring(4) : c)
            .filter(c -> !c.isEmpty())
            .distinct()
            .toList();
    for (String c : caps) {
      if (!ContainerPolicy.KNOWN_CAPABILITIES.contains(c)) {
        problems.add("container.capabilities: '" + c + "' is not a Linux capability");
      }
    }
    String instance = v.get("instance.id").trim();
    if (!instance.isEmpty() && !instance.matches("[a-z0-9][a-z0-9-]{0,62}")) {
      problems.add("instance.id: '" + instance + "' must be 1-63 of a-z, 0-9 and -");
    }
    return new ContainerPolicy(memory, cpus, pids, hardened, caps, instance);
  }

  /** Three quarters of the machine's memory: a leaking game cannot take the host down with it. */
  private static long autoMemory() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long total = os.getTotalMemorySize();
      return total > 0 ? total / 4 * 3 : 0;
    }
    return 0;
  }

  private static final Pattern SIZE = Pattern.compile("([0-9]{1,7})\\s*([kmgt])?(?:i?b)?");

  private static int intIn(Map<String, String> v, String k, int min, int max, List<String> p) {
    try {
      int i = Integer.parseInt(v.get(k));
      if (i < min || i > max) {
        p.add(k + ": " + i + " must be between " + min + " and " + max);
      }
      return i;
    } catch (NumberFormatException e) {
      p.add(k + ": '" + v.get(k) + "' is not a number");
      return -1;
    }
  }

  private static Path path(Map<String, String> v, String k, List<String> p) {
    try {
      String s = v.get(k);
      if (s.isBlank()) {
        p.add(k + ": must not be empty");
        return Path.of(".");
      }
      return Path.of(s);
    } catch (InvalidPathException e) {
      p.add(k + ": '" + v.get(k) + "' is not a valid path");
      return Path.of(".");
    }
  }

  private static boolean bool(Map<String, String> v, String k, List<String> p) {
    String s = v.get(k).toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    p.add(k + ": '" + v.get(k) + "' must be true or false");
    return false;
  }

  /** Parses {@code 30s}, {@code 2m}, {@code 1h} or plain seconds. */
  private static Duration duration(Map<String, String> v, String k, List<String> p) {
    String s = v.get(k).trim().toLowerCase(Locale.ROOT);
    var m = Pattern.compile("(\\d{1,6})([smh]?)").matcher(s);
    if (!m.matches()) {
      p.add(k + ": '" + v.get(k) + "' must be a duration such as 30s, 2m or 1h");
      return Duration.ofSeconds(30);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }
}
