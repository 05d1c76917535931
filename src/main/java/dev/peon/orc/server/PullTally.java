package dev.peon.orc.server;

import dev.peon.orc.runtime.PullProgress;
import java.util.HashMap;
import java.util.Map;

/** Sums per-layer pull progress into one percentage (null until sizes are known). */
final class PullTally {
  private final Map<String, long[]> layers = new HashMap<>();

  synchronized Integer add(PullProgress p) {
    if (p.layer() != null && p.total() > 0) {
      layers.put(p.layer(), new long[] {Math.min(p.current(), p.total()), p.total()});
    }
    long cur = 0;
    long total = 0;
    for (long[] l : layers.values()) {
      cur += l[0];
      total += l[1];
    }
    return total == 0 ? null : (int) Math.min(99, cur * 100 / total);
  }
}
