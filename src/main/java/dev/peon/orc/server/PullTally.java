package dev.peon.orc.server;

import dev.peon.orc.operation.Operation;
import dev.peon.orc.runtime.PullProgress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Sums an image pull's per-layer reports into one download: bytes done and known so far, layers
 * finished of those announced, and the rate over the last few seconds (measured with the injected
 * clock). The percentage is the downloaded share of the known bytes, null until a size is known,
 * and never 100 before the pull has really ended.
 */
final class PullTally {
  /** Statuses Docker sends for a layer (the other messages carry a tag or no id). */
  private static final Set<String> LAYER_STATUSES =
      Set.of(
          "Pulling fs layer",
          "Waiting",
          "Downloading",
          "Verifying Checksum",
          "Download complete",
          "Extracting",
          "Pull complete",
          "Already exists");

  static final java.time.Duration RATE_WINDOW = java.time.Duration.ofSeconds(5);

  /** One layer: downloaded and total bytes (total 0 while unknown), finished or not. */
  private static final class Layer {
    long done;
    long total;
    boolean finished;
  }

  private record Sample(Instant at, long bytes) {}

  private final Clock clock;
  private final Map<String, Layer> layers = new LinkedHashMap<>();
  private final Deque<Sample> samples = new ArrayDeque<>();

  PullTally(Clock clock) {
    this.clock = clock;
  }

  /** Takes one report in; answers the download as it stands now. */
  synchronized Operation.Download add(PullProgress p) {
    if (p.layer() != null && p.status() != null && isLayerStatus(p.status())) {
      Layer l = layers.computeIfAbsent(p.layer(), k -> new Layer());
      String status = p.status();
      if (status.startsWith("Downloading")) {
        if (p.total() > 0) {
          l.total = p.total();
        }
        l.done = Math.max(l.done, l.total > 0 ? Math.min(p.current(), l.total) : p.current());
      } else if (status.equals("Verifying Checksum")
          || status.equals("Download complete")
          || status.startsWith("Extracting")) {
        l.done = Math.max(l.done, l.total); // fully downloaded; extracting bytes are not download
      } else if (status.equals("Pull complete") || status.equals("Already exists")) {
        l.done = Math.max(l.done, l.total);
        l.finished = true;
      }
    }
    return now();
  }

  private static boolean isLayerStatus(String status) {
    // "Downloading" and "Extracting" may carry a progress bar after the word in older engines
    return LAYER_STATUSES.contains(status)
        || status.startsWith("Downloading")
        || status.startsWith("Extracting");
  }

  private Operation.Download now() {
    long done = 0;
    long total = 0;
    int finished = 0;
    for (Layer l : layers.values()) {
      done += l.done;
      total += l.total;
      finished += l.finished ? 1 : 0;
    }
    return new Operation.Download(done, total, finished, layers.size(), rate(done));
  }

  /** Bytes per second over the last {@link #RATE_WINDOW}; 0 until two samples span some time. */
  private long rate(long done) {
    Instant at = clock.instant();
    if (samples.isEmpty() || samples.peekLast().bytes() != done) {
      samples.addLast(new Sample(at, done));
    }
    while (samples.size() > 2 && samples.peekFirst().at().isBefore(at.minus(RATE_WINDOW))) {
      samples.removeFirst();
    }
    Sample first = samples.peekFirst();
    long millis = java.time.Duration.between(first.at(), at).toMillis();
    return millis <= 0 ? 0 : (done - first.bytes()) * 1000 / millis;
  }

  /** The downloaded share of the known bytes, at most 99; null while no size is known. */
  static Integer percent(Operation.Download d) {
    return d.bytesTotal() == 0 ? null : (int) Math.min(99, d.bytesDone() * 100 / d.bytesTotal());
  }

  /** {@code 12.3 MiB of 40.0 MiB, 2/5 layers, 1.2 MiB/s} (the known parts only). */
  static String describe(Operation.Download d) {
    StringBuilder b = new StringBuilder();
    if (d.bytesTotal() > 0) {
      b.append(bytes(d.bytesDone())).append(" of ").append(bytes(d.bytesTotal()));
    }
    if (d.layersTotal() > 0) {
      b.append(b.isEmpty() ? "" : ", ")
          .append(d.layersDone())
          .append('/')
          .append(d.layersTotal())
          .append(" layers");
    }
    if (d.bytesPerSecond() > 0) {
      b.append(b.isEmpty() ? "" : ", ").append(bytes(d.bytesPerSecond())).append("/s");
    }
    return b.toString();
  }

  /** Binary units, one decimal, as the CLI shows sizes: {@code 512 B}, {@code 12.3 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
