package dev.peon.orc.runtime;

/**
 * What a container may use at most; 0 means no limit for that resource.
 *
 * @param memoryBytes memory (and memory + swap: no extra swap) in bytes
 * @param nanoCpus CPU time in billionths of a CPU (1.5 CPUs = 1_500_000_000)
 * @param pids the number of processes and threads
 */
public record ResourceLimits(long memoryBytes, long nanoCpus, long pids) {
  public static final ResourceLimits NONE = new ResourceLimits(0, 0, 0);

  public ResourceLimits {
    if (memoryBytes < 0 || nanoCpus < 0 || pids < 0) {
      throw new IllegalArgumentException("limits cannot be negative");
    }
  }
}
