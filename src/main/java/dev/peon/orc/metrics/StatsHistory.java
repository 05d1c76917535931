package dev.peon.orc.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A short CPU and memory history per server, in memory and bounded: the last {@value #RECENT}
 * samples as taken (one per sampling round, every 15 s: one hour), and {@value #LONG_TERM} averages
 * of five-minute buckets (24 hours). A server that leaves the feed loses its history.
 */
public final class StatsHistory {
  static final int RECENT = 240;
  static final int LONG_TERM = 288;
  static final Duration BUCKET = Duration.ofMinutes(5);

  /** One point: at a sample's time, or at a bucket's start for the long-term averages. */
  public record Point(Instant at, double cpuPercent, long memoryBytes) {}

  /** A server's history, oldest point first. */
  public record Series(List<Point> recent, List<Point> longTerm) {}

  private final Clock clock;
  private final Map<String, Rings> servers = new ConcurrentHashMap<>();

  public StatsHistory(Clock clock) {
    this.clock = clock;
  }

  /** Adds one sampling round; servers missing from it are forgotten. */
  public void record(Collection<ServerSample> round) {
    Instant now = clock.instant();
    Set<String> present = ConcurrentHashMap.newKeySet();
    for (ServerSample s : round) {
      present.add(s.server());
      servers.computeIfAbsent(s.server(), k -> new Rings()).add(now, s);
    }
    servers.keySet().retainAll(present);
  }

  /** The history of a server ({@code game.name}), empty when it has none yet. */
  public Optional<Series> of(String server) {
    Rings r = servers.get(server);
    return r == null ? Optional.empty() : Optional.of(r.snapshot());
  }

  private static final class Rings {
    private final ArrayDeque<Point> recent = new ArrayDeque<>(RECENT);
    private final ArrayDeque<Point> longTerm = new ArrayDeque<>(LONG_TERM);
    private Instant bucket;
    private double cpuSum;
    private long memorySum;
    private int count;

    synchronized void add(Instant at, ServerSample s) {
      boolean running = "running".equals(s.state());
      double cpu = running ? s.cpuPercent() : 0;
      long memory = running ? s.memoryBytes() : 0;
      push(recent, new Point(at, cpu, memory), RECENT);
      Instant start =
          Instant.ofEpochSecond(
              at.getEpochSecond() - Math.floorMod(at.getEpochSecond(), BUCKET.toSeconds()));
      if (bucket != null && !bucket.equals(start)) {
        flush();
      }
      bucket = start;
      cpuSum += cpu;
      memorySum += memory;
      count++;
    }

    private void flush() {
      if (count > 0) {
        push(longTerm, new Point(bucket, cpuSum / count, memorySum / count), LONG_TERM);
      }
      cpuSum = 0;
      memorySum = 0;
      count = 0;
    }

    private static void push(ArrayDeque<Point> ring, Point p, int capacity) {
      if (ring.size() == capacity) {
        ring.removeFirst();
      }
      ring.addLast(p);
    }

    /** The long-term series includes the bucket being filled, as its average so far. */
    synchronized Series snapshot() {
      List<Point> lt = new ArrayList<>(longTerm);
      if (count > 0) {
        if (lt.size() == LONG_TERM) {
          lt.remove(0);
        }
        lt.add(new Point(bucket, cpuSum / count, memorySum / count));
      }
      return new Series(List.copyOf(recent), List.copyOf(lt));
    }
  }
}
