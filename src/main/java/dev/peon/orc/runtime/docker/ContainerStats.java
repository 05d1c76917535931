package dev.peon.orc.runtime.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.CpuStatsConfig;
import com.github.dockerjava.api.model.MemoryStatsConfig;
import com.github.dockerjava.api.model.StatisticNetworksConfig;
import com.github.dockerjava.api.model.Statistics;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.StatsSample;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Takes one non-streaming stats sample and derives the numbers {@code docker stats} shows. */
final class ContainerStats {
  /** The engine needs about a second to fill in the previous CPU reading of a one-off sample. */
  private static final Duration TIMEOUT = Duration.ofMillis(2500);

  /**
   * How long a caller waits for one of the stats connections. docker-java runs each stats call on a
   * platform thread of its own: waiting here, on the caller's (virtual) thread, keeps hundreds of
   * background samples from becoming hundreds of parked platform threads.
   */
  private static final Duration TURN = Duration.ofSeconds(10);

  private final DockerClient docker;
  private final java.util.concurrent.Semaphore turns;
  private final ObjectMapper json = new ObjectMapper();

  ContainerStats(DockerClient docker, int connections) {
    this.docker = docker;
    this.turns = new java.util.concurrent.Semaphore(connections);
  }

  Optional<StatsSample> sample(String name) {
    var first = new CompletableFuture<Statistics>();
    var callback =
        new ResultCallback.Adapter<Statistics>() {
          @Override
          public void onNext(Statistics statistics) {
            first.complete(statistics);
          }

          @Override
          public void onError(Throwable throwable) {
            first.completeExceptionally(throwable);
          }

          @Override
          public void onComplete() {
            first.completeExceptionally(
                new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "no stats for " + name));
          }
        };
    try {
      if (!turns.tryAcquire(TURN.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new RuntimeFailure(
            RuntimeFailure.Kind.TIMEOUT, "stats of " + name + " not taken: the engine is busy");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "stats interrupted: " + name, e);
    }
    try {
      docker.statsCmd(name).withNoStream(true).exec(callback);
      return Optional.of(toSample(first.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "stats interrupted: " + name, e);
    } catch (TimeoutException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.TIMEOUT, "stats timed out: " + name, e);
    } catch (ExecutionException e) {
      throw Failures.classify(Failures.Operation.CALL, "stats " + name, e.getCause());
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "stats " + name, e);
    } finally {
      DockerContainerRuntime.closeQuietly(callback);
      turns.release();
    }
  }

  @SuppressWarnings("unchecked")
  private StatsSample toSample(Statistics stats) {
    Map<String, Object> raw = json.convertValue(stats, Map.class);
    CpuStatsConfig cpu = stats.getCpuStats();
    CpuStatsConfig pre = stats.getPreCpuStats();
    double cpuPercent =
        StatsMath.cpuPercent(
            totalUsage(cpu),
            totalUsage(pre),
            cpu == null ? 0 : orZero(cpu.getSystemCpuUsage()),
            pre == null ? 0 : orZero(pre.getSystemCpuUsage()),
            cpu == null ? 0 : orZero(cpu.getOnlineCpus()),
            perCpuCount(cpu));
    MemoryStatsConfig memory = stats.getMemoryStats();
    long usage = memory == null ? 0 : orZero(memory.getUsage());
    var details = memory == null ? null : memory.getStats();
    long memoryBytes =
        StatsMath.memoryWithoutCache(
            usage,
            details == null ? null : details.getInactiveFile(),
            details == null ? null : details.getTotalInactiveFile(),
            details == null ? null : details.getCache());
    long limit = memory == null ? 0 : orZero(memory.getLimit());
    long rx = 0;
    long tx = 0;
    if (stats.getNetworks() != null) {
      for (StatisticNetworksConfig network : stats.getNetworks().values()) {
        rx += orZero(network.getRxBytes());
        tx += orZero(network.getTxBytes());
      }
    }
    return new StatsSample(
        raw,
        cpuPercent,
        StatsMath.memoryPercent(memoryBytes, limit),
        memoryBytes,
        rx,
        tx,
        readTime(stats.getRead()));
  }

  private static long totalUsage(CpuStatsConfig cpu) {
    return cpu == null || cpu.getCpuUsage() == null ? 0 : orZero(cpu.getCpuUsage().getTotalUsage());
  }

  private static int perCpuCount(CpuStatsConfig cpu) {
    return cpu == null || cpu.getCpuUsage() == null || cpu.getCpuUsage().getPercpuUsage() == null
        ? 0
        : cpu.getCpuUsage().getPercpuUsage().size();
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static Instant readTime(String read) {
    try {
      return read == null ? Instant.now() : Instant.parse(read);
    } catch (java.time.format.DateTimeParseException e) {
      return Instant.now();
    }
  }
}
