package dev.peon.orc.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The container-runtime port, in our own words. The only implementation talking to a real engine
 * lives in {@code runtime.docker}; tests of logic use a fake. Every method throws {@link
 * RuntimeFailure} with a {@link RuntimeFailure.Kind} on failure, never an engine-specific type.
 * Containers and networks are addressed by name.
 */
public interface ContainerRuntime extends AutoCloseable {

  /** Version of the engine; throws {@code ENGINE_UNREACHABLE} when it does not answer. */
  String engineVersion();

  /** Creates the network if no network of that name exists. */
  void ensureNetwork(NetworkSpec spec);

  /** Removes the network; no-op when it does not exist. */
  void removeNetwork(String name);

  /** The labels of the network of that name; empty when there is no such network. */
  Optional<Map<String, String>> networkLabels(String name);

  /** Names of networks carrying all the given labels. */
  List<String> listNetworks(Map<String, String> labels);

  /** Creates (does not start) a container; {@code CONFLICT} if the name is taken. */
  String create(ContainerSpec spec);

  /** Starts a container; no-op if running. {@code PORT_IN_USE} when a host port is taken. */
  void start(String name);

  /** Asks the container to stop, kills it after {@code grace}; no-op if not running. */
  void stop(String name, Duration grace);

  /** Kills at once; no-op if not running. */
  void kill(String name);

  /**
   * Force-removes the container, keeping its anonymous volumes; no-op when it does not exist.
   * Callers stop the container gracefully first when its process matters.
   */
  default void remove(String name) {
    remove(name, false);
  }

  /**
   * Force-removes the container; with {@code withVolumes} its anonymous volumes go too (only for an
   * explicit, confirmed deletion of the server's data). No-op when it does not exist.
   */
  void remove(String name, boolean withVolumes);

  Optional<ContainerInfo> inspect(String name);

  /** All containers (running or not) carrying all the given labels. */
  List<ContainerInfo> list(Map<String, String> labels);

  /** Image configuration, empty when the image is not present locally. */
  Optional<ImageInfo> inspectImage(String image);

  /**
   * Pulls an image, reporting progress; {@code IMAGE_NOT_FOUND} or {@code REGISTRY_UNREACHABLE} on
   * failure.
   */
  void pull(String image, Consumer<PullProgress> progress);

  /** One stats sample of a running container, empty when it is not running. */
  Optional<StatsSample> stats(String name);

  /**
   * Subscribes to container events. The subscription ends on {@link Subscription#close()}; when the
   * stream drops, {@code onError} is called once and the caller resubscribes.
   */
  Subscription events(Consumer<RuntimeEvent> listener, Consumer<Throwable> onError);

  /**
   * Like {@link #events(Consumer, Consumer)}, only for containers carrying all the given labels. An
   * engine adapter filters at the engine; this default filters here.
   */
  default Subscription events(
      Map<String, String> labels, Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {
    return events(
        e -> {
          if (e.labels().entrySet().containsAll(labels.entrySet())) {
            listener.accept(e);
          }
        },
        onError);
  }

  @Override
  void close();

  /** A live subscription. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  // ------------------------------------------------------------ console: output and input

  /**
   * Follows the container's output (stdout and stderr) from {@code since} (null: from the start of
   * the log). The engine's {@code since} may be coarser than line timestamps, so lines at or
   * shortly before {@code since} can arrive again: callers dedupe by {@link LogLine#time()}. Lines
   * arrive in order on one thread; {@code end} is called once when the stream ends (null when the
   * container stopped, the cause when it dropped), not after {@link Subscription#close()}.
   */
  Subscription followLogs(
      String name, Instant since, Consumer<LogLine> line, Consumer<Throwable> end);

  /**
   * The container's logged output from {@code since} (null: all), at most the last {@code tail}
   * lines ({@code tail <= 0}: no limit). {@code NOT_FOUND} when the container does not exist.
   */
  List<LogLine> logs(String name, Instant since, int tail);

  /**
   * Like {@link #logs(String, Instant, int)}, handing each line to {@code sink} in order instead of
   * collecting them: an engine adapter streams, so a log of any size is read in bounded memory.
   */
  default void logs(String name, Instant since, int tail, Consumer<LogLine> sink) {
    logs(name, since, tail).forEach(sink);
  }

  /**
   * Opens a writer to the stdin of a running container created with an open stdin. {@code
   * NOT_FOUND} when the container does not exist.
   */
  StdinWriter openStdin(String name);

  /** Writes lines to a container's stdin; thread-safe. */
  interface StdinWriter extends AutoCloseable {
    /** Writes {@code line} and a line break; throws {@link RuntimeFailure} when stdin is gone. */
    void writeLine(String line);

    boolean isOpen();

    @Override
    void close();
  }

  /** Freezes every process of a running container; no-op if already paused. */
  void pause(String name);

  /** Thaws a paused container; no-op if not paused. */
  void unpause(String name);

  // ------------------------------------------------------------ nodes (clusters)

  /**
   * The machines servers can be placed on: the local engine as one node, or every node of a
   * cluster. {@code ENGINE_UNREACHABLE} when the engine does not answer.
   */
  default List<NodeInfo> nodes() {
    return List.of();
  }

  /**
   * Drains, pauses or reactivates a node of a cluster. {@code NOT_FOUND} for an unknown node,
   * {@code UNSUPPORTED} on a single engine.
   */
  default void setNodeAvailability(String nodeId, NodeInfo.Availability availability) {
    throw new RuntimeFailure(
        RuntimeFailure.Kind.UNSUPPORTED, "This runtime has a single node; it cannot be drained.");
  }

  /**
   * Whether servers may be placed on different nodes ({@link ContainerSpec#node()} is honoured).
   */
  default boolean clustered() {
    return false;
  }
}
