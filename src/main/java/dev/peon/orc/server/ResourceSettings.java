package dev.peon.orc.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.runtime.ResourceLimits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server's own resource limits, from the {@code limits} object of its {@code config.json} (a plan
 * may carry one as a hint; it is copied at create). A null value means "the orchestrator's
 * default".
 *
 * @param memoryBytes memory limit in bytes
 * @param cpus CPUs (1.5 = one and a half)
 * @param pids processes and threads
 */
public record ResourceSettings(Long memoryBytes, Double cpus, Long pids) {
  public static final ResourceSettings DEFAULTS = new ResourceSettings(null, null, null);

  static final long MIN_MEMORY = 6L * 1024 * 1024; // the engine refuses less
  static final long MAX_MEMORY = 1L << 40;
  static final double MAX_CPUS = 1024;
  static final long MIN_PIDS = 16;
  static final long MAX_PIDS = 4_194_304;
  private static final Pattern SIZE =
      Pattern.compile("([0-9]{1,13})(?:\\s*([kmgt])(?:i?b)?|\\s*b)?", Pattern.CASE_INSENSITIVE);

  public ResourceSettings {
    List<String> problems = problems(memoryBytes, cpus, pids);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
  }

  private static List<String> problems(Long memoryBytes, Double cpus, Long pids) {
    List<String> out = new ArrayList<>();
    if (memoryBytes != null && (memoryBytes < MIN_MEMORY || memoryBytes > MAX_MEMORY)) {
      out.add("limits.memory must be between 6m and 1t");
    }
    if (cpus != null && (cpus.isNaN() || cpus < 0.01 || cpus > MAX_CPUS)) {
      out.add("limits.cpus must be between 0.01 and 1024");
    }
    if (pids != null && (pids < MIN_PIDS || pids > MAX_PIDS)) {
      out.add("limits.pids must be between 16 and 4194304");
    }
    return out;
  }

  /** The limits to run with: this server's values where set, else {@code defaults}. */
  public ResourceLimits effective(ResourceLimits defaults) {
    return new ResourceLimits(
        memoryBytes != null ? memoryBytes : defaults.memoryBytes(),
        cpus != null ? Math.round(cpus * 1e9) : defaults.nanoCpus(),
        pids != null ? pids : defaults.pids());
  }

  /** This with the values of {@code change} that are set; an explicit JSON null resets one. */
  ResourceSettings merge(JsonNode change) {
    Long mem = memoryBytes;
    Double cpu = cpus;
    Long pid = pids;
    if (change.has("memory")) {
      mem = change.get("memory").isNull() ? null : parseMemory(change.get("memory"));
    }
    if (change.has("cpus")) {
      cpu = change.get("cpus").isNull() ? null : parseCpus(change.get("cpus"));
    }
    if (change.has("pids")) {
      pid = change.get("pids").isNull() ? null : parsePids(change.get("pids"));
    }
    return new ResourceSettings(mem, cpu, pid);
  }

  /**
   * Reads the {@code limits} object of a config.json; throws {@link IllegalArgumentException}
   * naming the bad field. An absent or null node means defaults.
   */
  static ResourceSettings read(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return DEFAULTS;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("limits must be an object");
    }
    List<String> unknown = new ArrayList<>();
    node.fieldNames()
        .forEachRemaining(
            f -> {
              if (!List.of("memory", "cpus", "pids").contains(f)) {
                unknown.add("limits." + f + " is not a limit (memory, cpus, pids)");
              }
            });
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", unknown));
    }
    return DEFAULTS.merge(node);
  }

  /** Writes this into a config.json tree ({@code limits}; removed when all are defaults). */
  void writeTo(ObjectNode cfg) {
    if (equals(DEFAULTS)) {
      cfg.remove("limits");
      return;
    }
    ObjectNode l = cfg.putObject("limits");
    if (memoryBytes != null) {
      l.put("memory", memoryBytes);
    }
    if (cpus != null) {
      l.put("cpus", cpus);
    }
    if (pids != null) {
      l.put("pids", pids);
    }
  }

  /** The API view: each limit with the value in force and whether it is this server's own. */
  static Map<String, Object> json(ResourceSettings own, ResourceLimits effective) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("memory", effective.memoryBytes() == 0 ? null : effective.memoryBytes());
    m.put("cpus", effective.nanoCpus() == 0 ? null : effective.nanoCpus() / 1e9);
    m.put("pids", effective.pids() == 0 ? null : effective.pids());
    List<String> fromServer = new ArrayList<>();
    if (own.memoryBytes() != null) {
      fromServer.add("memory");
    }
    if (own.cpus() != null) {
      fromServer.add("cpus");
    }
    if (own.pids() != null) {
      fromServer.add("pids");
    }
    m.put("serverOwn", fromServer);
    return m;
  }

  /** {@code 2g}, {@code 512m}, {@code 1536MiB} or a number of bytes. */
  public static long parseMemory(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("limits.memory must be a size such as 2g or 512m");
    }
    return parseMemory(v.asText());
  }

  public static long parseMemory(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "limits.memory: '" + text + "' is not a size such as 2g or 512m");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    int shift =
        switch (unit) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("limits.memory: '" + text + "' is too large");
    }
    return n << shift;
  }

  private static double parseCpus(JsonNode v) {
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      try {
        return Double.parseDouble(v.asText().trim());
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    throw new IllegalArgumentException("limits.cpus must be a number such as 1.5");
  }

  private static long parsePids(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    if (v.isTextual() && v.asText().trim().matches("[0-9]{1,9}")) {
      return Long.parseLong(v.asText().trim());
    }
    throw new IllegalArgumentException("limits.pids must be a whole number");
  }
}
