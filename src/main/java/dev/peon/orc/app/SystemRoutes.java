package dev.peon.orc.app;

import dev.peon.orc.http.Routes;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.ServerView;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/** {@code GET /api/v2/system}: version, Docker, counts and data folder usage. */
final class SystemRoutes implements Routes {
  private static final Duration USAGE_TTL = Duration.ofMinutes(1);
  private final String version;
  private final ContainerRuntime runtime;
  private final ServerService servers;
  private final PlanCatalog plans;
  private final OperationService operations;
  private final LongSupplier scheduleCount;
  private final Path dataDir;
  private final Clock clock;
  private volatile long usedBytes = -1;
  private volatile Instant usageAt = Instant.EPOCH;
  private final AtomicBoolean measuring = new AtomicBoolean();

  SystemRoutes(
      String version,
      ContainerRuntime runtime,
      ServerService servers,
      PlanCatalog plans,
      OperationService operations,
      LongSupplier scheduleCount,
      Path dataDir,
      Clock clock) {
    this.version = version;
    this.runtime = runtime;
    this.servers = servers;
    this.plans = plans;
    this.operations = operations;
    this.scheduleCount = scheduleCount;
    this.dataDir = dataDir;
    this.clock = clock;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/system", this::system);
  }

  private void system(Context ctx) {
    Map<String, Object> docker = new LinkedHashMap<>();
    try {
      docker.put("reachable", true);
      docker.put("version", runtime.engineVersion());
    } catch (RuntimeFailure e) {
      docker.put("reachable", false);
      docker.put("version", null);
    }
    var list = servers.list();
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("servers", list.size());
    counts.put("running", list.stream().filter(ServerView::running).count());
    counts.put("plans", plans.plans().size());
    counts.put("schedules", scheduleCount.getAsLong());
    counts.put("operationsRunning", operations.countRunning());
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("usedBytes", usedBytes());
    long free;
    try {
      free = Files.getFileStore(dataDir).getUsableSpace();
    } catch (IOException e) {
      free = -1;
    }
    data.put("freeBytes", free);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", version);
    m.put("docker", docker);
    m.put("counts", counts);
    m.put("data", data);
    ctx.json(m);
  }

  /** Folder size, measured in the background at most once a minute (null until known). */
  private Long usedBytes() {
    if (Duration.between(usageAt, clock.instant()).compareTo(USAGE_TTL) > 0
        && measuring.compareAndSet(false, true)) {
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  usedBytes = measure();
                  usageAt = clock.instant();
                } finally {
                  measuring.set(false);
                }
              });
    }
    return usedBytes < 0 ? null : usedBytes;
  }

  private long measure() {
    long[] total = {0};
    try {
      Files.walkFileTree(
          dataDir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              total[0] += attrs.size();
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      return -1;
    }
    return total[0];
  }
}
