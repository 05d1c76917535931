package dev.peon.orc.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.ExitStatus;
import dev.peon.orc.runtime.Hardening;
import dev.peon.orc.runtime.ImageInfo;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.PullProgress;
import dev.peon.orc.runtime.ResourceLimits;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.StatsSample;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ContainerRuntime} on a Docker engine, through docker-java and its httpclient5
 * transport. docker-java types stay inside this package; every failure leaves as a {@link
 * RuntimeFailure}.
 */
public final class DockerContainerRuntime implements ContainerRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(DockerContainerRuntime.class);

  /** The engine reports this start time for containers that never ran. */
  private static final String NEVER = "0001-01-01T00:00:00Z";

  /** How often a waiting pull checks whether it still makes progress. */
  private static final Duration PULL_CHECK = Duration.ofSeconds(1);

  private final DockerClients clients;
  private final DockerClient docker;
  private final DockerSettings settings;
  private final ContainerStats stats;

  /** {@code true}: networks are attachable overlay networks of a Swarm, not local bridges. */
  private final boolean overlayNetworks;

  /** Connects to the engine at {@code dockerHost}, e.g. {@code unix:///var/run/docker.sock}. */
  public DockerContainerRuntime(String dockerHost) {
    this(dockerHost, DockerSettings.defaults());
  }

  /** Connects to the engine at {@code dockerHost} with the given bounds and log rotation. */
  public DockerContainerRuntime(String dockerHost, DockerSettings settings) {
    this(dockerHost, settings, false);
  }

  /** The engine of a Swarm manager ({@code overlayNetworks}) or of a single host. */
  DockerContainerRuntime(String dockerHost, DockerSettings settings, boolean overlayNetworks) {
    this.overlayNetworks = overlayNetworks;
    this.settings = settings;
    this.clients = new DockerClients(dockerHost, settings);
    this.docker = clients.control();
    this.stats = new ContainerStats(clients.stats(), DockerClients.STATS_CONNECTIONS);
  }

  /**
   * Engine connections in use per pool ({@code control}, {@code stream}); for tests and metrics.
   */
  public Map<String, Integer> connectionsInUse() {
    return clients.inUse();
  }

  @Override
  public String engineVersion() {
    return call("version", () -> docker.versionCmd().exec().getVersion());
  }

  /** The engine's short-call client (for the Swarm adapter, which shares the manager's pools). */
  DockerClients clients() {
    return clients;
  }

  /** This engine as the only node: ready, active, and the manager of itself. */
  @Override
  public List<NodeInfo> nodes() {
    var info = call("info", () -> docker.infoCmd().exec());
    return List.of(
        new NodeInfo(
            info.getId() == null ? "local" : info.getId(),
            info.getName(),
            NodeInfo.Role.MANAGER,
            NodeInfo.Availability.ACTIVE,
            NodeInfo.Status.READY,
            null,
            null,
            parseEnv(info.getLabels()),
            info.getNCPU() == null ? 0 : info.getNCPU(),
            info.getMemTotal() == null ? 0 : info.getMemTotal(),
            info.getServerVersion()));
  }

  @Override
  public void ensureNetwork(NetworkSpec spec) {
    if (networkExists(spec.name())) {
      return;
    }
    var create =
        docker
            .createNetworkCmd()
            .withName(spec.name())
            .withDriver(overlayNetworks ? "overlay" : "bridge")
            .withCheckDuplicate(true)
            .withLabels(spec.labels());
    if (overlayNetworks) {
      // attachable: tasks of services and, for maintenance, plain containers can join
      create.withAttachable(true);
    }
    if (spec.subnet() != null) {
      var ipam = new Network.Ipam.Config().withSubnet(spec.subnet());
      if (spec.gateway() != null) {
        ipam.withGateway(spec.gateway());
      }
      create.withIpam(new Network.Ipam().withConfig(ipam));
    }
    try {
      create.exec();
      LOG.atInfo()
          .addKeyValue("network", spec.name())
          .addKeyValue("subnet", spec.subnet())
          .log("Network created");
    } catch (ConflictException e) {
      // Created concurrently by someone else: the network exists, which is what was asked.
      LOG.atDebug().addKeyValue("network", spec.name()).log("Network already exists");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "create network " + spec.name(), e);
    }
  }

  private boolean networkExists(String name) {
    try {
      docker.inspectNetworkCmd().withNetworkId(name).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "inspect network " + name, e);
    }
  }

  @Override
  public void removeNetwork(String name) {
    try {
      docker.removeNetworkCmd(name).exec();
      LOG.atInfo().addKeyValue("network", name).log("Network removed");
    } catch (NotFoundException e) {
      LOG.atDebug().addKeyValue("network", name).log("Network already gone");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "remove network " + name, e);
    }
  }

  @Override
  public Optional<Map<String, String>> networkLabels(String name) {
    try {
      Map<String, String> labels =
          docker.inspectNetworkCmd().withNetworkId(name).exec().getLabels();
      return Optional.of(labels == null ? Map.of() : Map.copyOf(labels));
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "inspect network " + name, e);
    }
  }

  @Override
  public List<String> listNetworks(Map<String, String> labels) {
    return call(
        "list networks",
        () -> {
          var cmd = docker.listNetworksCmd();
          if (!labels.isEmpty()) {
            cmd.withFilter("label", labelFilters(labels));
          }
          return cmd.exec().stream().map(Network::getName).toList();
        });
  }

  @Override
  public String create(ContainerSpec spec) {
    var exposed = new ArrayList<ExposedPort>();
    var bindings = new Ports();
    for (PortBinding port : spec.ports()) {
      var exposedPort =
          new ExposedPort(
              port.port(),
              port.protocol() == PortBinding.Protocol.UDP
                  ? InternetProtocol.UDP
                  : InternetProtocol.TCP);
      exposed.add(exposedPort);
      // A binding without host ip publishes on all interfaces.
      bindings.bind(exposedPort, Ports.Binding.bindPort(port.port()));
    }
    var binds = spec.mounts().stream().map(DockerContainerRuntime::toBind).toList();
    var host =
        HostConfig.newHostConfig()
            .withPortBindings(bindings)
            .withBinds(binds)
            .withRestartPolicy(RestartPolicy.noRestart())
            .withLogConfig(logConfig());
    applyLimits(host, spec.limits());
    applyHardening(host, spec.hardening());
    if (spec.network() != null) {
      host.withNetworkMode(spec.network());
    }
    var create =
        docker
            .createContainerCmd(spec.image())
            .withName(spec.name())
            .withEnv(spec.env())
            .withExposedPorts(exposed)
            .withLabels(spec.labels())
            .withHostConfig(host)
            .withStdinOpen(spec.openStdin())
            .withAttachStdin(spec.openStdin())
            .withTty(false);
    if (spec.hostname() != null) {
      create.withHostName(spec.hostname());
    }
    if (spec.user() != null) {
      create.withUser(spec.user());
    }
    String id = call("create container " + spec.name(), () -> create.exec().getId());
    LOG.atInfo()
        .addKeyValue("container", spec.name())
        .addKeyValue("image", spec.image())
        .log("Container created");
    return id;
  }

  private static void applyLimits(HostConfig host, ResourceLimits limits) {
    if (limits.memoryBytes() > 0) {
      // memory + swap equal to memory: no swap on top of the limit
      host.withMemory(limits.memoryBytes()).withMemorySwap(limits.memoryBytes());
    }
    if (limits.nanoCpus() > 0) {
      host.withNanoCPUs(limits.nanoCpus());
    }
    if (limits.pids() > 0) {
      host.withPidsLimit(limits.pids());
    }
  }

  private static void applyHardening(HostConfig host, Hardening hardening) {
    if (hardening.init()) {
      host.withInit(true);
    }
    if (hardening.noNewPrivileges()) {
      host.withSecurityOpts(List.of("no-new-privileges:true"));
    }
    if (hardening.dropsCapabilities()) {
      host.withCapDrop(Capability.ALL);
      host.withCapAdd(
          hardening.capAdd().stream().map(Capability::valueOf).toArray(Capability[]::new));
    }
  }

  /** json-file with rotation: bounded on disk, and {@code docker logs} reads across the files. */
  private LogConfig logConfig() {
    return new LogConfig(
        LogConfig.LoggingType.JSON_FILE,
        Map.of(
            "max-size", settings.logMaxSize(), "max-file", String.valueOf(settings.logMaxFiles())));
  }

  private static Bind toBind(BindMount mount) {
    return new Bind(
        mount.hostPath(),
        new Volume(mount.containerPath()),
        mount.readOnly() ? AccessMode.ro : AccessMode.rw);
  }

  @Override
  public void start(String name) {
    try {
      docker.startContainerCmd(name).exec();
      LOG.atInfo().addKeyValue("container", name).log("Container started");
    } catch (NotModifiedException e) {
      LOG.atDebug().addKeyValue("container", name).log("Container already running");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.START, "start container " + name, e);
    }
  }

  @Override
  public void stop(String name, Duration grace) {
    int seconds = (int) Math.min(Integer.MAX_VALUE, Math.max(0, ceilSeconds(grace)));
    try {
      clients.withStopClient(
          grace,
          client -> {
            client.stopContainerCmd(name).withTimeout(seconds).exec();
            return null;
          });
      LOG.atInfo()
          .addKeyValue("container", name)
          .addKeyValue("graceSeconds", seconds)
          .log("Container stopped");
    } catch (NotModifiedException e) {
      LOG.atDebug().addKeyValue("container", name).log("Container was not running");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "stop container " + name, e);
    }
  }

  private static long ceilSeconds(Duration duration) {
    long seconds = duration.getSeconds();
    return duration.getNano() > 0 ? seconds + 1 : seconds;
  }

  @Override
  public void kill(String name) {
    try {
      docker.killContainerCmd(name).exec();
      LOG.atInfo().addKeyValue("container", name).log("Container killed");
    } catch (ConflictException e) {
      // The engine answers 409 when the container is not running; anything else stays a conflict.
      if (inspect(name).map(info -> info.state() == ContainerState.RUNNING).orElse(false)) {
        throw Failures.classify(Failures.Operation.CALL, "kill container " + name, e);
      }
      LOG.atDebug().addKeyValue("container", name).log("Container was not running");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "kill container " + name, e);
    }
  }

  @Override
  public void remove(String name, boolean withVolumes) {
    try {
      docker.removeContainerCmd(name).withForce(true).withRemoveVolumes(withVolumes).exec();
      LOG.atInfo()
          .addKeyValue("container", name)
          .addKeyValue("volumesRemoved", withVolumes)
          .log("Container removed");
    } catch (NotFoundException e) {
      LOG.atDebug().addKeyValue("container", name).log("Container already gone");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "remove container " + name, e);
    }
  }

  @Override
  public Optional<ContainerInfo> inspect(String name) {
    try {
      return Optional.of(toInfo(docker.inspectContainerCmd(name).exec()));
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "inspect container " + name, e);
    }
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labels) {
    List<Container> containers =
        call(
            "list containers",
            () -> {
              var cmd = docker.listContainersCmd().withShowAll(true);
              if (!labels.isEmpty()) {
                cmd.withLabelFilter(labels);
              }
              return cmd.exec();
            });
    // The list answer lacks start time and exit status; a container removed meanwhile is skipped.
    return containers.stream().map(c -> inspect(c.getId())).flatMap(Optional::stream).toList();
  }

  static ContainerInfo toInfo(InspectContainerResponse response) {
    var state = response.getState();
    ContainerState status = ContainerState.fromWire(state == null ? null : state.getStatus());
    Map<String, String> labels =
        response.getConfig() != null && response.getConfig().getLabels() != null
            ? response.getConfig().getLabels()
            : Map.of();
    String image = response.getConfig() != null ? response.getConfig().getImage() : null;
    ExitStatus exit = null;
    if (state != null && (status == ContainerState.EXITED || status == ContainerState.DEAD)) {
      exit =
          new ExitStatus(
              state.getExitCodeLong() == null ? 0 : state.getExitCodeLong(),
              Boolean.TRUE.equals(state.getOOMKilled()));
    }
    return new ContainerInfo(
        response.getId(),
        stripSlash(response.getName()),
        image == null ? response.getImageId() : image,
        status,
        labels,
        state == null ? null : parseTime(state.getStartedAt()),
        exit);
  }

  private static String stripSlash(String name) {
    return name != null && name.startsWith("/") ? name.substring(1) : name;
  }

  private static Instant parseTime(String time) {
    if (time == null || time.isBlank() || time.equals(NEVER)) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  @Override
  public Optional<ImageInfo> inspectImage(String image) {
    try {
      var response = docker.inspectImageCmd(image).exec();
      String[] env = response.getConfig() == null ? null : response.getConfig().getEnv();
      return Optional.of(new ImageInfo(response.getId(), parseEnv(env)));
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "inspect image " + image, e);
    }
  }

  static Map<String, String> parseEnv(String[] env) {
    var map = new HashMap<String, String>();
    if (env != null) {
      for (String entry : env) {
        int eq = entry.indexOf('=');
        if (eq > 0) {
          map.put(entry.substring(0, eq), entry.substring(eq + 1));
        } else if (eq < 0 && !entry.isEmpty()) {
          map.put(entry, "");
        }
      }
    }
    return map;
  }

  @Override
  public void pull(String image, Consumer<PullProgress> progress) {
    var reference = ImageReference.parse(image);
    var streamError = new AtomicReference<String>();
    var failure = new AtomicReference<Throwable>();
    var lastProgress = new AtomicLong(System.nanoTime());
    // our own latch: the template's timed awaitCompletion closes the stream when it returns
    var finished = new CountDownLatch(1);
    var callback =
        new ResultCallback.Adapter<PullResponseItem>() {
          @Override
          public void onError(Throwable throwable) {
            // Kept for classification below instead of the template's ERROR log line.
            failure.compareAndSet(null, throwable);
            closeQuietly(this);
            finished.countDown();
          }

          @Override
          public void onComplete() {
            closeQuietly(this);
            finished.countDown();
          }

          @Override
          public void onNext(PullResponseItem item) {
            lastProgress.set(System.nanoTime());
            if (item.getErrorDetail() != null || item.getError() != null) {
              streamError.compareAndSet(
                  null,
                  item.getErrorDetail() != null
                      ? item.getErrorDetail().getMessage()
                      : item.getError());
              return;
            }
            var detail = item.getProgressDetail();
            progress.accept(
                new PullProgress(
                    item.getId(),
                    item.getStatus(),
                    detail == null || detail.getCurrent() == null ? 0 : detail.getCurrent(),
                    detail == null || detail.getTotal() == null ? 0 : detail.getTotal()));
          }
        };
    LOG.atInfo().addKeyValue("image", image).log("Pulling image");
    try {
      var cmd = clients.stream().pullImageCmd(reference.repository());
      if (reference.tag() != null) {
        cmd.withTag(reference.tag());
      }
      cmd.exec(callback);
      awaitPull(image, callback, finished, lastProgress);
      if (failure.get() != null) {
        throw Failures.classify(Failures.Operation.PULL, "pull " + image, failure.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "pull interrupted: " + image, e);
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.PULL, "pull " + image, e);
    } finally {
      closeQuietly(callback);
    }
    if (streamError.get() != null) {
      throw new RuntimeFailure(
          Failures.kindOfPullStreamError(streamError.get()),
          "pull " + image + ": " + streamError.get());
    }
    LOG.atInfo().addKeyValue("image", image).log("Image pulled");
  }

  /** Waits for the pull to end; cancels it when it has made no progress for the stall timeout. */
  private void awaitPull(
      String image,
      ResultCallback.Adapter<?> callback,
      CountDownLatch finished,
      AtomicLong lastProgress)
      throws InterruptedException {
    long stall = settings.pullStallTimeout().toNanos();
    long check = Math.min(PULL_CHECK.toNanos(), stall);
    while (!finished.await(check, TimeUnit.NANOSECONDS)) {
      if (System.nanoTime() - lastProgress.get() >= stall) {
        closeQuietly(callback);
        LOG.atWarn()
            .addKeyValue("image", image)
            .addKeyValue("stallSeconds", settings.pullStallTimeout().toSeconds())
            .log("Pull made no progress; cancelled");
        throw new RuntimeFailure(
            RuntimeFailure.Kind.TIMEOUT,
            "pull "
                + image
                + ": no progress for "
                + settings.pullStallTimeout().toSeconds()
                + " s (docker.pull.stall.timeout); the pull was cancelled");
      }
    }
  }

  @Override
  public Optional<StatsSample> stats(String name) {
    if (!inspect(name).map(info -> info.state() == ContainerState.RUNNING).orElse(false)) {
      return Optional.empty();
    }
    return stats.sample(name);
  }

  @Override
  public Subscription events(Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {
    return events(Map.of(), listener, onError);
  }

  @Override
  public Subscription events(
      Map<String, String> labels, Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {
    var stream = new EventStream(listener, onError);
    call(
        "subscribe to events",
        () -> {
          var cmd = clients.stream().eventsCmd().withEventTypeFilter(EventType.CONTAINER);
          if (!labels.isEmpty()) {
            // the engine filters: events of other containers never cross the socket
            cmd.withLabelFilter(labels);
          }
          return cmd.exec(stream.callback());
        });
    return stream;
  }

  @Override
  public void close() {
    clients.close();
  }

  private static List<String> labelFilters(Map<String, String> labels) {
    return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  static <T> T call(String what, Supplier<T> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, what, e);
    }
  }

  static void closeQuietly(ResultCallback<?> callback) {
    try {
      callback.close();
    } catch (IOException e) {
      LOG.atDebug().setCause(e).log("Closing a callback failed");
    }
  }

  // ------------------------------------------------------------ console: output and input

  @Override
  public Subscription followLogs(
      String name, Instant since, Consumer<LogLine> line, Consumer<Throwable> end) {
    var stream = new LogStream(name, line, end);
    var cmd =
        clients.stream()
            .logContainerCmd(name)
            .withStdOut(true)
            .withStdErr(true)
            .withTimestamps(true)
            .withFollowStream(true);
    if (since != null) {
      // the engine takes whole seconds here; the caller drops what it has already seen
      cmd.withSince((int) since.getEpochSecond());
    }
    try {
      cmd.exec(stream.callback());
    } catch (RuntimeException e) {
      stream.close();
      throw Failures.classify(Failures.Operation.CALL, "follow logs of " + name, e);
    }
    return stream;
  }

  @Override
  public List<LogLine> logs(String name, Instant since, int tail) {
    List<LogLine> lines = new ArrayList<>();
    logs(name, since, tail, lines::add);
    return lines;
  }

  /** Streams the log through {@link #readLogs}. */
  @Override
  public void logs(String name, Instant since, int tail, Consumer<LogLine> sink) {
    var cmd =
        docker
            .logContainerCmd(name)
            .withStdOut(true)
            .withStdErr(true)
            .withTimestamps(true)
            .withFollowStream(false);
    if (since != null) {
      cmd.withSince((int) since.getEpochSecond());
    }
    if (tail > 0) {
      cmd.withTail(tail);
    } else {
      cmd.withTailAll();
    }
    readLogs("logs of " + name, since, sink, cmd::exec);
  }

  /**
   * Streams a log read started by {@code start} into {@code sink} (lines before {@code since}
   * dropped): each line goes to the sink as it is read from the engine, so memory stays bounded by
   * one line whatever the log's size, and a slow sink slows the engine down instead of piling up
   * lines. A sink that throws ends the read; its exception is rethrown.
   */
  static void readLogs(
      String subject,
      Instant since,
      Consumer<LogLine> sink,
      Consumer<ResultCallback.Adapter<Frame>> start) {
    var failure = new AtomicReference<Throwable>();
    var sinkFailure = new AtomicReference<RuntimeException>();
    var frames =
        new LogFrames(
            l -> {
              if (since == null || !l.time().isBefore(since)) {
                sink.accept(l);
              }
            });
    var callback =
        new ResultCallback.Adapter<Frame>() {
          @Override
          public void onNext(Frame frame) {
            if (sinkFailure.get() != null) {
              return;
            }
            try {
              frames.accept(frame);
            } catch (RuntimeException e) {
              sinkFailure.compareAndSet(null, e);
              closeQuietly(this);
            }
          }

          @Override
          public void onError(Throwable throwable) {
            failure.compareAndSet(null, throwable);
            closeQuietly(this);
          }
        };
    try {
      start.accept(callback);
      callback.awaitCompletion();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, subject + " interrupted", e);
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, subject, e);
    } finally {
      closeQuietly(callback);
    }
    if (sinkFailure.get() != null) {
      throw sinkFailure.get();
    }
    if (failure.get() != null) {
      throw Failures.classify(Failures.Operation.CALL, subject, failure.get());
    }
    frames.flush();
  }

  @Override
  public StdinWriter openStdin(String name) {
    ContainerInfo info =
        inspect(name)
            .orElseThrow(
                () -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "no container " + name));
    if (info.state() != ContainerState.RUNNING) {
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "container is not running: " + name);
    }
    var pipe = new StdinPipe();
    var callback =
        new ResultCallback.Adapter<Frame>() {
          @Override
          public void onError(Throwable throwable) {
            LOG.atDebug().addKeyValue("container", name).log("stdin attach ended: " + throwable);
            pipe.ended();
            closeQuietly(this);
          }

          @Override
          public void onComplete() {
            pipe.ended();
            closeQuietly(this);
          }
        };
    pipe.onClose(() -> closeQuietly(callback));
    try {
      // stdin only: output is read from the log, which also survives our restarts
      boolean started =
          clients.stream()
              .attachContainerCmd(name)
              .withStdIn(pipe)
              .withStdOut(false)
              .withStdErr(false)
              .withFollowStream(true)
              .exec(callback)
              .awaitStarted(10, TimeUnit.SECONDS);
      if (!started) {
        pipe.close();
        throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "attach to " + name + " timed out");
      }
    } catch (RuntimeFailure e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pipe.ended();
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "attach interrupted: " + name, e);
    } catch (RuntimeException e) {
      pipe.ended();
      throw Failures.classify(Failures.Operation.CALL, "attach stdin of " + name, e);
    }
    return pipe;
  }

  @Override
  public void pause(String name) {
    if (inspect(name).map(i -> i.state() == ContainerState.PAUSED).orElse(false)) {
      return;
    }
    try {
      docker.pauseContainerCmd(name).exec();
      LOG.atInfo().addKeyValue("container", name).log("Container paused");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "pause container " + name, e);
    }
  }

  @Override
  public void unpause(String name) {
    if (!inspect(name).map(i -> i.state() == ContainerState.PAUSED).orElse(false)) {
      return;
    }
    try {
      docker.unpauseContainerCmd(name).exec();
      LOG.atInfo().addKeyValue("container", name).log("Container unpaused");
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "unpause container " + name, e);
    }
  }
}
