package dev.peon.orc.operation;

import dev.peon.orc.event.EventBus;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs long actions in the background as {@link Operation}s: answers at once, reports progress as
 * events, keeps the last operations for reading. At most one exclusive operation per server runs at
 * a time; a second one is refused with the running one's id.
 */
public final class OperationService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationService.class);
  public static final int KEEP = 1000;

  /** The body of an operation. */
  @FunctionalInterface
  public interface Work {
    Object run(ProgressReporter progress) throws Exception;
  }

  /** Lets work report how far it is. */
  @FunctionalInterface
  public interface ProgressReporter {
    void report(Operation.Progress progress);

    default void report(Integer percent, String message) {
      report(new Operation.Progress(percent, message));
    }
  }

  private final EventBus bus;
  private final Clock clock;
  private final Function<Throwable, Operation.OperationError> classifier;
  private final ExecutorService executor;
  private final Map<String, Operation> byId = new ConcurrentHashMap<>();
  private final Deque<String> order = new ArrayDeque<>();
  private final Map<String, String> exclusiveByServer = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Operation>> completions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final java.time.Duration drain;

  public OperationService(
      EventBus bus, Clock clock, Function<Throwable, Operation.OperationError> classifier) {
    this(bus, clock, classifier, java.time.Duration.ofSeconds(5));
  }

  /**
   * @param drain how long {@link #close()} lets running operations finish (a stop with its grace
   *     period, an update's recreate) before interrupting them
   */
  public OperationService(
      EventBus bus,
      Clock clock,
      Function<Throwable, Operation.OperationError> classifier,
      java.time.Duration drain) {
    this.drain = drain;
    this.bus = bus;
    this.clock = clock;
    this.classifier = classifier;
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
  }

  /**
   * Starts an operation. With {@code exclusive}, throws {@link OperationBusyException} if another
   * exclusive operation of the same server has not finished.
   */
  public Operation submit(String kind, String server, boolean exclusive, Work work) {
    String id = "op_" + HexFormat.of().formatHex(bytes());
    if (exclusive && server != null) {
      String running = exclusiveByServer.putIfAbsent(server, id);
      if (running != null) {
        throw new OperationBusyException(server, running);
      }
    }
    Instant now = clock.instant();
    Operation op =
        new Operation(
            id,
            kind,
            server,
            Operation.Status.QUEUED,
            new Operation.Progress(null, "queued"),
            null,
            null,
            now,
            null,
            null);
    try {
      completions.put(id, new CompletableFuture<>());
      store(op);
      executor.submit(() -> run(op, exclusive, work));
    } catch (RuntimeException | Error e) {
      if (exclusive && server != null) {
        exclusiveByServer.remove(server, id);
      }
      byId.computeIfPresent(
          id,
          (k, o) ->
              o.with(
                  Operation.Status.FAILED,
                  o.progress(),
                  new Operation.OperationError("internal", "Internal error", "not started"),
                  null,
                  null,
                  clock.instant()));
      CompletableFuture<Operation> done = completions.get(id);
      Operation failed = byId.get(id);
      if (done != null && failed != null) {
        done.complete(failed);
      }
      throw e;
    }
    return op;
  }

  private byte[] bytes() {
    byte[] b = new byte[8];
    random.nextBytes(b);
    return b;
  }

  private void run(Operation queued, boolean exclusive, Work work) {
    Operation running =
        update(
            queued.with(
                Operation.Status.RUNNING,
                new Operation.Progress(null, "running"),
                null,
                null,
                clock.instant(),
                null));
    Operation finished;
    try {
      Object result =
          work.run(
              progress -> {
                Operation cur = byId.get(running.id());
                if (cur != null && !cur.status().finished()) {
                  update(
                      cur.with(
                          Operation.Status.RUNNING, progress, null, null, cur.startedAt(), null));
                }
              });
      Operation cur = byId.getOrDefault(running.id(), running);
      finished =
          cur.with(
              Operation.Status.SUCCEEDED,
              new Operation.Progress(100, "done"),
              null,
              result,
              cur.startedAt(),
              clock.instant());
    } catch (Exception | Error e) {
      Operation.OperationError err = classifier.apply(e);
      LOG.atWarn()
          .addKeyValue("operation", running.id())
          .addKeyValue("kind", running.kind())
          .addKeyValue("serverId", running.server())
          .log("operation failed: " + err.detail());
      Operation cur = byId.getOrDefault(running.id(), running);
      finished =
          cur.with(
              Operation.Status.FAILED, cur.progress(), err, null, cur.startedAt(), clock.instant());
    } finally {
      // the server is free before anyone can see the operation finished: a client that reads
      // "succeeded" (by polling, an event or the completion future) may act on it at once
      if (exclusive && running.server() != null) {
        exclusiveByServer.remove(running.server(), running.id());
      }
    }
    update(finished);
    CompletableFuture<Operation> done = completions.get(running.id());
    if (done != null) {
      done.complete(byId.getOrDefault(running.id(), finished));
    }
  }

  private void store(Operation op) {
    synchronized (order) {
      byId.put(op.id(), op);
      order.addLast(op.id());
      // forget the oldest finished operations; a running one is skipped, never a stopping point,
      // so one operation that never ends cannot make the history grow without bound
      var it = order.iterator();
      while (order.size() > KEEP && it.hasNext()) {
        String id = it.next();
        Operation o = byId.get(id);
        if (o == null || o.status().finished()) {
          it.remove();
          byId.remove(id);
          completions.remove(id);
        }
      }
    }
    publish(op);
  }

  private Operation update(Operation op) {
    byId.put(op.id(), op);
    publish(op);
    return op;
  }

  /** Completes with the operation once it has finished (succeeded or failed). */
  public CompletableFuture<Operation> completion(Operation started) {
    CompletableFuture<Operation> done = completions.get(started.id());
    if (done != null) {
      return done;
    }
    Operation now = byId.get(started.id());
    return now != null && now.status().finished()
        ? CompletableFuture.completedFuture(now)
        : CompletableFuture.failedFuture(
            new IllegalStateException("operation " + started.id() + " is no longer known"));
  }

  private void publish(Operation op) {
    bus.publish("operation", op.server(), OperationJson.of(op));
  }

  public Optional<Operation> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Operations newest first, optionally filtered by server and status. */
  public List<Operation> list(String server, Operation.Status status) {
    return byId.values().stream()
        .filter(o -> server == null || server.equals(o.server()))
        .filter(o -> status == null || status == o.status())
        .sorted(Comparator.comparing(Operation::createdAt).thenComparing(Operation::id).reversed())
        .toList();
  }

  /** The running exclusive operation of a server, if any. */
  public Optional<String> runningOn(String server) {
    return Optional.ofNullable(exclusiveByServer.get(server));
  }

  public long countRunning() {
    return byId.values().stream().filter(o -> !o.status().finished()).count();
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.atWarn()
            .addKeyValue("running", countRunning())
            .log("operations still running at shutdown; interrupting them");
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
