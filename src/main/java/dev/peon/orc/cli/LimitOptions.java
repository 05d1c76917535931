package dev.peon.orc.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --memory}, {@code --cpus}, {@code --pids}: a server's own limits; {@code default} resets.
 */
final class LimitOptions {
  static final String RESET = "default";

  @Option(
      names = "--memory",
      paramLabel = "SIZE",
      description = "Memory limit such as 4g or 512m (`default`: the orchestrator's default).")
  String memory;

  @Option(
      names = "--cpus",
      paramLabel = "N",
      description = "CPU limit such as 1.5 (`default`: the orchestrator's default).")
  String cpus;

  @Option(
      names = "--pids",
      paramLabel = "N",
      description = "Limit of processes and threads (`default`: the orchestrator's default).")
  String pids;

  boolean any() {
    return memory != null || cpus != null || pids != null;
  }

  /** The {@code limits} object of a create or change: numbers as numbers, a reset as null. */
  Map<String, Object> body() {
    Map<String, Object> m = new LinkedHashMap<>();
    put(m, "memory", memory, false);
    put(m, "cpus", cpus, true);
    put(m, "pids", pids, true);
    return m;
  }

  private static void put(Map<String, Object> m, String key, String value, boolean numeric) {
    if (value == null) {
      return;
    }
    if (value.equalsIgnoreCase(RESET)) {
      m.put(key, null);
    } else if (numeric && value.matches("[0-9]+")) {
      m.put(key, Long.parseLong(value));
    } else if (numeric && value.matches("[0-9]*\\.[0-9]+")) {
      m.put(key, Double.parseDouble(value));
    } else {
      m.put(key, value); // the orchestrator names what is wrong with it
    }
  }
}
