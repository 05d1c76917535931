package dev.peon.orc.runtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * An in-memory {@link ContainerRuntime} for logic tests. Containers are kept by name and move
 * through Docker's states (create -> created, start -> running, stop/kill -> exited). Images are
 * either present locally ({@link #addImage}) or only in the "registry" ({@link #addRegistryImage});
 * pulling an unknown image fails with {@code IMAGE_NOT_FOUND}. Failures can be injected per
 * operation, every call is recorded, and events go to subscribers on an executor the test chooses
 * (synchronously by default). Thread-safe: state is guarded by one monitor, events are delivered
 * outside it.
 */
public final class FakeContainerRuntime implements ContainerRuntime {

  /** Operations a failure can be injected into. */
  public enum Operation {
    ENGINE_VERSION,
    ENSURE_NETWORK,
    REMOVE_NETWORK,
    CREATE,
    START,
    STOP,
    KILL,
    REMOVE,
    INSPECT,
    LIST,
    INSPECT_IMAGE,
    PULL,
    STATS,
    EVENTS,
    LOGS,
    STDIN,
    PAUSE,
    UNPAUSE
  }

  private final Object lock = new Object();
  private final Clock clock;
  private final Map<String, Container> containers = new LinkedHashMap<>();
  private final Map<String, NetworkSpec> networks = new LinkedHashMap<>();
  private final Map<String, ImageInfo> localImages = new HashMap<>();
  private final Map<String, ImageInfo> registry = new HashMap<>();
  private final Map<String, RuntimeFailure.Kind> pullFailures = new HashMap<>();
  private final Map<Operation, List<RuntimeFailure.Kind>> nextFailures =
      new EnumMap<>(Operation.class);
  private final Map<String, StatsSample> stats = new HashMap<>();
  private final List<ContainerSpec> createdSpecs = new ArrayList<>();
  private final List<String> pulls = new ArrayList<>();
  private final List<String> calls = new ArrayList<>();
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private volatile Executor eventExecutor = Runnable::run;
  private volatile boolean engineDown;
  private volatile CountDownLatch stopGate;
  private volatile CountDownLatch listGate;
  private long nextId = 1;

  private static final class Container {
    final String id;
    final ContainerSpec spec;
    ContainerState state = ContainerState.CREATED;
    Instant startedAt;
    ExitStatus exitStatus;

    Container(String id, ContainerSpec spec) {
      this.id = id;
      this.spec = spec;
    }

    ContainerInfo info() {
      return new ContainerInfo(
          id, spec.name(), spec.image(), state, spec.labels(), startedAt, exitStatus);
    }
  }

  private record Subscriber(Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {}

  public FakeContainerRuntime() {
    this(Clock.systemUTC());
  }

  /** {@code clock} stamps {@code startedAt} and events. */
  public FakeContainerRuntime(Clock clock) {
    this.clock = clock;
  }

  // ------------------------------------------------------------------ set-up

  /** An image present locally, and pullable from the registry, with the given image env. */
  public FakeContainerRuntime addImage(String image, Map<String, String> env) {
    synchronized (lock) {
      ImageInfo info = new ImageInfo("sha256:" + Integer.toHexString(image.hashCode()), env);
      localImages.put(image, info);
      registry.put(image, info);
    }
    return this;
  }

  /** An image only in the registry: {@link #pull} brings it in. */
  public FakeContainerRuntime addRegistryImage(String image, Map<String, String> env) {
    synchronized (lock) {
      registry.put(image, new ImageInfo("sha256:" + Integer.toHexString(image.hashCode()), env));
    }
    return this;
  }

  /** Removes an image from the local store (it stays in the registry). */
  public void removeLocalImage(String image) {
    synchronized (lock) {
      localImages.remove(image);
    }
  }

  /** Every pull of {@code image} fails with {@code kind} until {@link #clearPullFailure}. */
  public void failPull(String image, RuntimeFailure.Kind kind) {
    synchronized (lock) {
      pullFailures.put(image, kind);
    }
  }

  public void clearPullFailure(String image) {
    synchronized (lock) {
      pullFailures.remove(image);
    }
  }

  /** The next call of {@code op} fails with {@code kind}; queued failures apply in order. */
  public void failNext(Operation op, RuntimeFailure.Kind kind) {
    synchronized (lock) {
      nextFailures.computeIfAbsent(op, k -> new ArrayList<>()).add(kind);
    }
  }

  public void failNextStart(RuntimeFailure.Kind kind) {
    failNext(Operation.START, kind);
  }

  public void failNextCreate(RuntimeFailure.Kind kind) {
    failNext(Operation.CREATE, kind);
  }

  /**
   * The next {@link #stop} blocks (outside the fake's lock, so other calls proceed) until the
   * returned latch is counted down: a container slow to stop.
   */
  public CountDownLatch holdNextStop() {
    CountDownLatch gate = new CountDownLatch(1);
    stopGate = gate;
    return gate;
  }

  private volatile CountDownLatch pullGate;
  private volatile boolean pullHeld;

  /** True while a pull waits at the gate of {@link #holdNextPull}. */
  public boolean pullHeld() {
    return pullHeld;
  }

  /** The next {@link #pull} blocks (outside the fake's lock) until the latch is counted down. */
  public CountDownLatch holdNextPull() {
    CountDownLatch gate = new CountDownLatch(1);
    pullGate = gate;
    return gate;
  }

  /**
   * The next {@link #list} takes its snapshot, then blocks (outside the fake's lock) until the
   * returned latch is counted down: a listing whose answer arrives late.
   */
  public CountDownLatch holdNextListResult() {
    CountDownLatch gate = new CountDownLatch(1);
    listGate = gate;
    return gate;
  }

  /** While down, every call throws {@code ENGINE_UNREACHABLE}. */
  public void setEngineDown(boolean down) {
    engineDown = down;
  }

  /** Where events are delivered; {@code Runnable::run} (the default) delivers synchronously. */
  public void deliverEventsOn(Executor executor) {
    eventExecutor = executor;
  }

  /** The sample {@link #stats} returns for a running container. */
  public void setStats(String name, StatsSample sample) {
    synchronized (lock) {
      stats.put(name, sample);
    }
  }

  // ------------------------------------------------------------------ outside happenings

  /** The container's process ends by itself (a crash, or the game quitting). */
  public void simulateExit(String name, long code, boolean oomKilled) {
    ContainerInfo info;
    synchronized (lock) {
      Container c = existing(name);
      c.state = ContainerState.EXITED;
      c.exitStatus = new ExitStatus(code, oomKilled);
      info = c.info();
    }
    if (oomKilled) {
      emit(RuntimeEvent.Kind.OOM, info);
    }
    emit(RuntimeEvent.Kind.DIE, info);
  }

  /** The container disappears behind our back (removed by hand with the Docker CLI). */
  public void vanish(String name) {
    ContainerInfo info;
    synchronized (lock) {
      Container c = containers.remove(name);
      if (c == null) {
        return;
      }
      info = c.info();
    }
    emit(RuntimeEvent.Kind.DESTROY, info);
  }

  /** Sends an arbitrary event to every subscriber. */
  public void emit(RuntimeEvent event) {
    for (Subscriber s : subscribers) {
      eventExecutor.execute(() -> s.listener().accept(event));
    }
  }

  /** The event stream drops: every subscriber's {@code onError} is called and it is dropped. */
  public void dropEventStream(Throwable cause) {
    List<Subscriber> dropped = new ArrayList<>(subscribers);
    subscribers.clear();
    for (Subscriber s : dropped) {
      eventExecutor.execute(() -> s.onError().accept(cause));
    }
  }

  // ------------------------------------------------------------------ what happened

  public List<ContainerSpec> createdSpecs() {
    synchronized (lock) {
      return List.copyOf(createdSpecs);
    }
  }

  public List<String> pulls() {
    synchronized (lock) {
      return List.copyOf(pulls);
    }
  }

  /** Every call as {@code "<operation> <name>"}, e.g. {@code "start peon.warcamp.a.b"}. */
  public List<String> calls() {
    synchronized (lock) {
      return List.copyOf(calls);
    }
  }

  public void clearCalls() {
    synchronized (lock) {
      calls.clear();
      createdSpecs.clear();
      pulls.clear();
    }
  }

  public Optional<ContainerState> state(String name) {
    synchronized (lock) {
      Container c = containers.get(name);
      return c == null ? Optional.empty() : Optional.of(c.state);
    }
  }

  public Optional<ContainerSpec> spec(String name) {
    synchronized (lock) {
      Container c = containers.get(name);
      return c == null ? Optional.empty() : Optional.of(c.spec);
    }
  }

  public List<String> containerNames() {
    synchronized (lock) {
      return List.copyOf(containers.keySet());
    }
  }

  public Optional<NetworkSpec> network(String name) {
    synchronized (lock) {
      return Optional.ofNullable(networks.get(name));
    }
  }

  public List<String> networkNames() {
    synchronized (lock) {
      return List.copyOf(networks.keySet());
    }
  }

  public boolean hasLocalImage(String image) {
    synchronized (lock) {
      return localImages.containsKey(image);
    }
  }

  public int subscriberCount() {
    return subscribers.size();
  }

  // ------------------------------------------------------------------ the port

  @Override
  public String engineVersion() {
    synchronized (lock) {
      enter(Operation.ENGINE_VERSION, "engineVersion", "");
      return "fake-1.0";
    }
  }

  @Override
  public void ensureNetwork(NetworkSpec spec) {
    synchronized (lock) {
      enter(Operation.ENSURE_NETWORK, "ensureNetwork", spec.name());
      networks.putIfAbsent(spec.name(), spec);
    }
  }

  @Override
  public void removeNetwork(String name) {
    synchronized (lock) {
      enter(Operation.REMOVE_NETWORK, "removeNetwork", name);
      networks.remove(name);
    }
  }

  @Override
  public Optional<Map<String, String>> networkLabels(String name) {
    synchronized (lock) {
      enter(Operation.INSPECT, "networkLabels", name);
      NetworkSpec n = networks.get(name);
      return n == null ? Optional.empty() : Optional.of(n.labels());
    }
  }

  @Override
  public List<String> listNetworks(Map<String, String> labels) {
    synchronized (lock) {
      enter(Operation.LIST, "listNetworks", "");
      return networks.values().stream()
          .filter(n -> n.labels().entrySet().containsAll(labels.entrySet()))
          .map(NetworkSpec::name)
          .toList();
    }
  }

  @Override
  public String create(ContainerSpec spec) {
    ContainerInfo info;
    synchronized (lock) {
      enter(Operation.CREATE, "create", spec.name());
      if (containers.containsKey(spec.name())) {
        throw new RuntimeFailure(
            RuntimeFailure.Kind.CONFLICT, "container name " + spec.name() + " is in use");
      }
      if (!localImages.containsKey(spec.image())) {
        throw new RuntimeFailure(
            RuntimeFailure.Kind.IMAGE_NOT_FOUND, "no such image: " + spec.image());
      }
      if (spec.network() != null && !networks.containsKey(spec.network())) {
        throw new RuntimeFailure(
            RuntimeFailure.Kind.NOT_FOUND, "network " + spec.network() + " not found");
      }
      Container c = new Container(String.format("%064x", nextId++), spec);
      containers.put(spec.name(), c);
      createdSpecs.add(spec);
      info = c.info();
    }
    emit(RuntimeEvent.Kind.CREATE, info);
    return info.id();
  }

  @Override
  public void start(String name) {
    ContainerInfo info;
    synchronized (lock) {
      enter(Operation.START, "start", name);
      Container c = existing(name);
      if (c.state == ContainerState.RUNNING) {
        return;
      }
      c.state = ContainerState.RUNNING;
      c.startedAt = clock.instant();
      c.exitStatus = null;
      info = c.info();
    }
    emit(RuntimeEvent.Kind.START, info);
  }

  @Override
  public void stop(String name, Duration grace) {
    CountDownLatch gate = stopGate;
    if (gate != null) {
      stopGate = null;
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "interrupted while stopping " + name);
      }
    }
    ContainerInfo info;
    synchronized (lock) {
      enter(Operation.STOP, "stop", name);
      Container c = existing(name);
      if (c.state != ContainerState.RUNNING) {
        return;
      }
      c.state = ContainerState.EXITED;
      c.exitStatus = new ExitStatus(0, false);
      info = c.info();
    }
    emit(RuntimeEvent.Kind.STOP, info);
    emit(RuntimeEvent.Kind.DIE, info);
  }

  @Override
  public void kill(String name) {
    ContainerInfo info;
    synchronized (lock) {
      enter(Operation.KILL, "kill", name);
      Container c = existing(name);
      if (c.state != ContainerState.RUNNING) {
        return;
      }
      c.state = ContainerState.EXITED;
      c.exitStatus = new ExitStatus(137, false);
      info = c.info();
    }
    emit(RuntimeEvent.Kind.KILL, info);
    emit(RuntimeEvent.Kind.DIE, info);
  }

  /** Names of containers removed together with their anonymous volumes. */
  private final List<String> removedWithVolumes = new ArrayList<>();

  public List<String> removedWithVolumes() {
    synchronized (lock) {
      return List.copyOf(removedWithVolumes);
    }
  }

  @Override
  public void remove(String name, boolean withVolumes) {
    ContainerInfo info;
    synchronized (lock) {
      enter(Operation.REMOVE, "remove", name);
      if (withVolumes && containers.containsKey(name)) {
        removedWithVolumes.add(name);
      }
      Container c = containers.remove(name);
      if (c == null) {
        return;
      }
      info = c.info();
    }
    emit(RuntimeEvent.Kind.DESTROY, info);
  }

  @Override
  public Optional<ContainerInfo> inspect(String name) {
    synchronized (lock) {
      enter(Operation.INSPECT, "inspect", name);
      Container c = containers.get(name);
      return c == null ? Optional.empty() : Optional.of(c.info());
    }
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labels) {
    List<ContainerInfo> snapshot;
    synchronized (lock) {
      enter(Operation.LIST, "list", "");
      snapshot =
          containers.values().stream()
              .filter(c -> c.spec.labels().entrySet().containsAll(labels.entrySet()))
              .map(Container::info)
              .toList();
    }
    CountDownLatch gate = listGate;
    if (gate != null) {
      listGate = null;
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "interrupted while listing");
      }
    }
    return snapshot;
  }

  @Override
  public Optional<ImageInfo> inspectImage(String image) {
    synchronized (lock) {
      enter(Operation.INSPECT_IMAGE, "inspectImage", image);
      return Optional.ofNullable(localImages.get(image));
    }
  }

  @Override
  public void pull(String image, Consumer<PullProgress> progress) {
    CountDownLatch gate = pullGate;
    if (gate != null) {
      pullGate = null;
      pullHeld = true;
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        pullHeld = false;
      }
    }
    ImageInfo info;
    synchronized (lock) {
      enter(Operation.PULL, "pull", image);
      pulls.add(image);
      RuntimeFailure.Kind failure = pullFailures.get(image);
      if (failure != null) {
        throw new RuntimeFailure(failure, "pull of " + image + " failed: " + failure);
      }
      info = registry.get(image);
      if (info == null) {
        throw new RuntimeFailure(
            RuntimeFailure.Kind.IMAGE_NOT_FOUND, "manifest for " + image + " not found");
      }
      localImages.put(image, info);
    }
    progress.accept(new PullProgress("layer0", "Download complete", 1, 1));
  }

  @Override
  public Optional<StatsSample> stats(String name) {
    synchronized (lock) {
      enter(Operation.STATS, "stats", name);
      Container c = containers.get(name);
      if (c == null || c.state != ContainerState.RUNNING) {
        return Optional.empty();
      }
      return Optional.ofNullable(stats.get(name));
    }
  }

  @Override
  public Subscription events(Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {
    synchronized (lock) {
      enter(Operation.EVENTS, "events", "");
    }
    Subscriber s = new Subscriber(listener, onError);
    subscribers.add(s);
    return () -> subscribers.remove(s);
  }

  @Override
  public void close() {
    subscribers.clear();
  }

  // ------------------------------------------------------------------ internals

  /** Records the call and throws an injected or engine-down failure; caller holds the lock. */
  private void enter(Operation op, String verb, String name) {
    calls.add(name.isEmpty() ? verb : verb + " " + name);
    if (engineDown) {
      throw new RuntimeFailure(RuntimeFailure.Kind.ENGINE_UNREACHABLE, "engine is down");
    }
    List<RuntimeFailure.Kind> queued = nextFailures.get(op);
    if (queued != null && !queued.isEmpty()) {
      RuntimeFailure.Kind kind = queued.remove(0);
      throw new RuntimeFailure(kind, "injected " + kind + " on " + verb + " " + name);
    }
  }

  private Container existing(String name) {
    Container c = containers.get(name);
    if (c == null) {
      throw new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "no such container: " + name);
    }
    return c;
  }

  private void emit(RuntimeEvent.Kind kind, ContainerInfo c) {
    if (kind == RuntimeEvent.Kind.DIE) {
      endOutput(c.name());
    }
    emit(new RuntimeEvent(kind, c.id(), c.name(), c.labels(), clock.instant()));
  }

  // ------------------------------------------------------------------ console: output and input

  private final Map<String, List<LogLine>> logs = new HashMap<>();
  private final Map<String, List<LogFollower>> followers = new HashMap<>();
  private final Map<String, List<String>> stdin = new HashMap<>();
  private final Map<String, List<FakeStdin>> stdinWriters = new HashMap<>();
  private volatile boolean echoStdin = true;

  private record LogFollower(Consumer<LogLine> line, Consumer<Throwable> end) {}

  /** Whether lines written to stdin come back as {@code echo: <line>} (as the fake game does). */
  public void echoStdin(boolean echo) {
    echoStdin = echo;
  }

  /** The container prints a line now (stamped by the clock). */
  public void print(String name, LogLine.Stream stream, String text) {
    print(name, new LogLine(clock.instant(), stream, text));
  }

  /** The container prints a line with the given timestamp. */
  public void print(String name, LogLine line) {
    List<LogFollower> targets;
    synchronized (lock) {
      existing(name);
      logs.computeIfAbsent(name, k -> new ArrayList<>()).add(line);
      targets = List.copyOf(followers.getOrDefault(name, List.of()));
    }
    targets.forEach(f -> f.line().accept(line));
  }

  /** Lines written to the container's stdin, in order. */
  public List<String> stdinLines(String name) {
    synchronized (lock) {
      return List.copyOf(stdin.getOrDefault(name, List.of()));
    }
  }

  /** The log stream drops while the container keeps running. */
  public void dropLogStreams(String name, Throwable cause) {
    List<LogFollower> dropped;
    synchronized (lock) {
      dropped = followers.remove(name);
    }
    if (dropped != null) {
      dropped.forEach(f -> f.end().accept(cause));
    }
  }

  /** Stdin writers of the container that are still open. */
  public int openStdinCount(String name) {
    synchronized (lock) {
      return (int)
          stdinWriters.getOrDefault(name, List.of()).stream().filter(FakeStdin::isOpen).count();
    }
  }

  public int logFollowerCount(String name) {
    synchronized (lock) {
      return followers.getOrDefault(name, List.of()).size();
    }
  }

  private void endOutput(String name) {
    List<LogFollower> ended;
    List<FakeStdin> writers;
    synchronized (lock) {
      ended = followers.remove(name);
      writers = stdinWriters.remove(name);
    }
    if (writers != null) {
      writers.forEach(w -> w.open = false);
    }
    if (ended != null) {
      ended.forEach(f -> f.end().accept(null));
    }
  }

  @Override
  public Subscription followLogs(
      String name, Instant since, Consumer<LogLine> line, Consumer<Throwable> end) {
    LogFollower f = new LogFollower(line, end);
    List<LogLine> backlog;
    boolean running;
    synchronized (lock) {
      enter(Operation.LOGS, "followLogs", name);
      Container c = existing(name);
      running = c.state == ContainerState.RUNNING;
      backlog = since(logs.getOrDefault(name, List.of()), since);
      if (running) {
        followers.computeIfAbsent(name, k -> new ArrayList<>()).add(f);
      }
    }
    backlog.forEach(line);
    if (!running) {
      end.accept(null);
    }
    return () -> {
      synchronized (lock) {
        List<LogFollower> list = followers.get(name);
        if (list != null) {
          list.remove(f);
        }
      }
    };
  }

  /** Like Docker: {@code since} has whole-second granularity. */
  private static List<LogLine> since(List<LogLine> all, Instant since) {
    if (since == null) {
      return List.copyOf(all);
    }
    Instant from = Instant.ofEpochSecond(since.getEpochSecond());
    return all.stream().filter(l -> !l.time().isBefore(from)).toList();
  }

  @Override
  public List<LogLine> logs(String name, Instant since, int tail) {
    synchronized (lock) {
      enter(Operation.LOGS, "logs", name);
      existing(name);
      List<LogLine> all =
          logs.getOrDefault(name, List.of()).stream()
              .filter(l -> since == null || !l.time().isBefore(since))
              .toList();
      return tail > 0 && all.size() > tail ? all.subList(all.size() - tail, all.size()) : all;
    }
  }

  @Override
  public StdinWriter openStdin(String name) {
    FakeStdin w = new FakeStdin(name);
    synchronized (lock) {
      enter(Operation.STDIN, "openStdin", name);
      Container c = existing(name);
      if (c.state != ContainerState.RUNNING) {
        throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "container is not running: " + name);
      }
      stdinWriters.computeIfAbsent(name, k -> new ArrayList<>()).add(w);
    }
    return w;
  }

  private final class FakeStdin implements StdinWriter {
    private final String name;
    private volatile boolean open = true;

    FakeStdin(String name) {
      this.name = name;
    }

    @Override
    public void writeLine(String line) {
      if (!open) {
        throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "stdin is closed");
      }
      synchronized (lock) {
        stdin.computeIfAbsent(name, k -> new ArrayList<>()).add(line);
      }
      if (echoStdin) {
        print(name, LogLine.Stream.STDOUT, "echo: " + line);
      }
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }

  @Override
  public void pause(String name) {
    ContainerInfo info;
    synchronized (lock) {
      enter(Operation.PAUSE, "pause", name);
      Container c = existing(name);
      if (c.state != ContainerState.RUNNING) {
        if (c.state == ContainerState.PAUSED) {
          return;
        }
        throw new RuntimeFailure(
            RuntimeFailure.Kind.CONFLICT, "container " + name + " is not running");
      }
      c.state = ContainerState.PAUSED;
      info = c.info();
    }
    emit(RuntimeEvent.Kind.PAUSE, info);
  }

  @Override
  public void unpause(String name) {
    ContainerInfo info;
    synchronized (lock) {
      enter(Operation.UNPAUSE, "unpause", name);
      Container c = existing(name);
      if (c.state != ContainerState.PAUSED) {
        return;
      }
      c.state = ContainerState.RUNNING;
      info = c.info();
    }
    emit(RuntimeEvent.Kind.UNPAUSE, info);
  }
}
