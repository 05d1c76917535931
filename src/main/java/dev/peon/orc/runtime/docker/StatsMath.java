package dev.peon.orc.runtime.docker;

/** The arithmetic of {@code docker stats}, as pure functions over the engine's counters. */
final class StatsMath {
  private StatsMath() {}

  /**
   * CPU use in percent of one CPU, summed over CPUs: cpu delta / system delta * online cpus * 100.
   * {@code onlineCpus} of 0 falls back to {@code perCpuCount}, as the Docker CLI does.
   */
  static double cpuPercent(
      long totalUsage,
      long preTotalUsage,
      long systemUsage,
      long preSystemUsage,
      long onlineCpus,
      int perCpuCount) {
    long cpuDelta = totalUsage - preTotalUsage;
    long systemDelta = systemUsage - preSystemUsage;
    long cpus = onlineCpus > 0 ? onlineCpus : perCpuCount;
    if (cpuDelta <= 0 || systemDelta <= 0 || cpus <= 0) {
      return 0.0;
    }
    return (double) cpuDelta / systemDelta * cpus * 100.0;
  }

  /**
   * Memory in use without the page cache: usage minus inactive_file (cgroup v2), else
   * total_inactive_file or cache (cgroup v1), whichever is present first; null counts as absent.
   */
  static long memoryWithoutCache(
      long usage, Long inactiveFile, Long totalInactiveFile, Long cache) {
    Long reclaimable =
        inactiveFile != null ? inactiveFile : totalInactiveFile != null ? totalInactiveFile : cache;
    if (reclaimable == null || reclaimable > usage) {
      return usage;
    }
    return usage - reclaimable;
  }

  static double memoryPercent(long memoryBytes, long limit) {
    if (limit <= 0) {
      return 0.0;
    }
    return (double) memoryBytes / limit * 100.0;
  }
}
