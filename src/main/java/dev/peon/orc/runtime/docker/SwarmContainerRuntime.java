package dev.peon.orc.runtime.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeAvailability;
import com.github.dockerjava.api.model.SwarmNodeRole;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ImageInfo;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.runtime.PullProgress;
import dev.peon.orc.runtime.RuntimeEvent;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.StatsSample;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ContainerRuntime} on a Docker Swarm, through its manager. A container of ours is one
 * replicated service (one replica while running, none while stopped; see {@link SwarmServices} for
 * names and the spec), pinned to {@link ContainerSpec#node()} by a placement constraint, its ports
 * published in host mode on that node, never restarted by Swarm (the orchestrator supervises).
 * Networks are attachable overlay networks. What only a node's own engine can do (stdin, pause,
 * stats, kill, a stop with exactly the asked grace) goes to the engine its node names in {@value
 * NodeInfo#ENGINE_LABEL} ({@link NodeEngines}); without that label those calls fail with {@code
 * UNSUPPORTED}, except kill and stop, which fall back to scaling the service down. Events are made
 * from task states polled once a second ({@link SwarmEventPoller}).
 */
public final class SwarmContainerRuntime implements ContainerRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(SwarmContainerRuntime.class);

  /** How often a start, stop or removal looks at the service's tasks while it waits. */
  private static final Duration TASK_POLL = Duration.ofMillis(200);

  /** How long a start may take until the task runs (the node may still pull the image). */
  private static final Duration START_WAIT = Duration.ofMinutes(2);

  /** How long a start waits for a task no node can take now before it gives up. */
  private static final Duration UNPLACEABLE_PATIENCE = Duration.ofSeconds(5);

  /** How often a service update is tried when the spec changed between reading and writing. */
  private static final int UPDATE_ATTEMPTS = 3;

  /** How often the event poller lists services and tasks. */
  static final Duration EVENT_POLL = Duration.ofSeconds(1);

  /** The grace period of a scale-down until a stop says otherwise. */
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(30);

  private final String managerHost;
  private final DockerContainerRuntime manager;
  private final DockerClient docker;
  private final DockerClients clients;
  private final DockerSettings settings;
  private final Duration stopGrace;
  private final NodeEngines engines;
  private final DockerHttpClient http;
  private final ObjectMapper json = new ObjectMapper();

  /** Connects to the Swarm manager's engine at {@code managerHost}. */
  public SwarmContainerRuntime(String managerHost) {
    this(managerHost, DockerSettings.defaults(), DEFAULT_STOP_GRACE);
  }

  /**
   * Connects to the Swarm manager's engine at {@code managerHost}.
   *
   * @param stopGrace the grace period given to a server's process when its service is scaled down
   *     without its node's engine (see {@link #stop})
   */
  public SwarmContainerRuntime(String managerHost, DockerSettings settings, Duration stopGrace) {
    this.managerHost = managerHost;
    this.settings = settings;
    this.stopGrace = stopGrace;
    this.manager = new DockerContainerRuntime(managerHost, settings, true);
    this.clients = manager.clients();
    this.docker = clients.control();
    this.engines = new NodeEngines(docker, settings);
    this.http = clients.controlTransport();
  }

  /** The manager's version; {@code UNSUPPORTED} when the engine is not a Swarm manager. */
  @Override
  public String engineVersion() {
    String version = manager.engineVersion();
    var info = call("info", () -> docker.infoCmd().exec());
    boolean isManager =
        info.getSwarm() != null && Boolean.TRUE.equals(info.getSwarm().getControlAvailable());
    if (!isManager) {
      throw new RuntimeFailure(
          RuntimeFailure.Kind.UNSUPPORTED,
          "the engine at docker.host is not a Swarm manager (runtime=swarm needs one)");
    }
    return version;
  }

  @Override
  public boolean clustered() {
    return true;
  }

  // ------------------------------------------------------------ networks: overlay

  @Override
  public void ensureNetwork(NetworkSpec spec) {
    manager.ensureNetwork(spec);
  }

  @Override
  public void removeNetwork(String name) {
    manager.removeNetwork(name);
  }

  @Override
  public Optional<Map<String, String>> networkLabels(String name) {
    return manager.networkLabels(name);
  }

  @Override
  public List<String> listNetworks(Map<String, String> labels) {
    return manager.listNetworks(labels);
  }

  // ------------------------------------------------------------ services

  @Override
  public String create(ContainerSpec spec) {
    // the image's id: no node asks a registry when the task starts, all run the same image
    String image = manager.inspectImage(spec.image()).map(ImageInfo::id).orElse(spec.image());
    ServiceSpec service = SwarmServices.spec(spec, image, settings, stopGrace);
    String id =
        call("create service " + spec.name(), () -> docker.createServiceCmd(service).exec())
            .getId();
    LOG.atInfo()
        .addKeyValue("container", spec.name())
        .addKeyValue("service", service.getName())
        .addKeyValue("node", spec.node())
        .addKeyValue("image", spec.image())
        .log("Service created");
    return id;
  }

  /**
   * Scales the service to one replica and waits until its new task runs. A task that cannot start
   * (host port taken: {@code PORT_IN_USE}; image missing on the node: {@code IMAGE_NOT_FOUND}; no
   * node can take it) is given up: the service goes back to no replica and the failure is thrown.
   */
  @Override
  public void start(String name) {
    Service service = require(name);
    List<Task> tasks = tasks(service.getId());
    if (SwarmTasks.current(tasks).filter(SwarmTasks::running).isPresent()) {
      LOG.atDebug().addKeyValue("container", name).log("Service already running");
      return;
    }
    Set<String> old = tasks.stream().map(Task::getId).collect(Collectors.toSet());
    update(
        name,
        "start",
        spec -> {
          SwarmServices.scaleUp(spec);
          return true;
        });
    Task task = awaitNewTask(name, service.getId(), old);
    Optional<RuntimeFailure> failure = SwarmTasks.startFailure(name, task);
    if (failure.isPresent()) {
      scaleDown(name, null);
      throw failure.get();
    }
    String at = Instant.now().toString();
    update(
        name,
        "record start of",
        spec -> SwarmServices.label(spec, SwarmServices.STARTED_LABEL, at));
    LOG.atInfo()
        .addKeyValue("container", name)
        .addKeyValue("node", task.getNodeId())
        .log("Service started");
  }

  /**
   * Waits until a task not in {@code old} runs, has ended, or cannot start. A task no node can take
   * is given {@link #UNPLACEABLE_PATIENCE}: the scheduler frees the host ports of a task it just
   * removed a moment after the task is gone.
   */
  private Task awaitNewTask(String name, String serviceId, Set<String> old) {
    long deadline = System.nanoTime() + START_WAIT.toNanos();
    long unplaceableSince = 0;
    while (true) {
      Optional<Task> task =
          SwarmTasks.current(
              tasks(serviceId).stream().filter(t -> !old.contains(t.getId())).toList());
      if (task.isPresent() && (SwarmTasks.running(task.get()) || SwarmTasks.ended(task.get()))) {
        return task.get();
      }
      if (task.isPresent() && SwarmTasks.startFailure(name, task.get()).isPresent()) {
        if (unplaceableSince == 0) {
          unplaceableSince = System.nanoTime();
        } else if (System.nanoTime() - unplaceableSince > UNPLACEABLE_PATIENCE.toNanos()) {
          return task.get();
        }
      } else {
        unplaceableSince = 0;
      }
      if (System.nanoTime() > deadline) {
        scaleDown(name, null);
        throw new RuntimeFailure(
            RuntimeFailure.Kind.TIMEOUT,
            "start "
                + name
                + ": its task did not run within "
                + START_WAIT.toSeconds()
                + " s"
                + task.map(t -> " (" + t.getStatus().getState() + ")").orElse(""));
      }
      sleep(TASK_POLL);
    }
  }

  /**
   * Stops the server's process with {@code grace} on its node's engine (exactly as on one host),
   * then scales the service to no replica and waits until its task is gone. Without the node's
   * engine the scale-down alone stops it, with the grace period the running task was started with
   * (a task keeps the spec it started with; {@code grace} becomes the next run's).
   */
  @Override
  public void stop(String name, Duration grace) {
    Service service = require(name);
    Optional<Task> running = SwarmTasks.current(tasks(service.getId())).filter(SwarmTasks::running);
    running
        .flatMap(this::engineOf)
        .ifPresent(e -> e.stop(SwarmTasks.containerId(running.get()), grace));
    scaleDown(name, grace);
    LOG.atInfo()
        .addKeyValue("container", name)
        .addKeyValue("graceSeconds", grace.toSeconds())
        .log("Service stopped");
  }

  /** Kills the process on its node's engine, then scales down; without the engine, scales down. */
  @Override
  public void kill(String name) {
    Service service = require(name);
    Optional<Task> running = SwarmTasks.current(tasks(service.getId())).filter(SwarmTasks::running);
    running.flatMap(this::engineOf).ifPresent(e -> e.kill(SwarmTasks.containerId(running.get())));
    scaleDown(name, null);
    LOG.atInfo().addKeyValue("container", name).log("Service killed");
  }

  /**
   * Sets the replica count to zero (and the next run's grace period, when given) and waits until no
   * task of the service is left running.
   */
  private void scaleDown(String name, Duration grace) {
    Service service = require(name);
    update(name, "scale down", spec -> SwarmServices.scaleDown(spec, grace));
    Duration wait = (grace == null ? stopGrace : grace).plus(DockerClients.STOP_MARGIN);
    awaitTasks(service.getId(), wait, t -> !SwarmTasks.ended(t), "stop " + name);
  }

  /** Waits until no task of the service matches {@code busy}. */
  private void awaitTasks(String serviceId, Duration wait, Predicate<Task> busy, String what) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (allTasks().stream().anyMatch(t -> serviceId.equals(t.getServiceId()) && busy.test(t))) {
      if (System.nanoTime() > deadline) {
        throw new RuntimeFailure(
            RuntimeFailure.Kind.TIMEOUT,
            what + ": the task was still there after " + wait.toSeconds() + " s");
      }
      sleep(TASK_POLL);
    }
  }

  @Override
  public void remove(String name, boolean withVolumes) {
    Optional<Service> service = find(name);
    if (service.isEmpty()) {
      LOG.atDebug().addKeyValue("container", name).log("Service already gone");
      return;
    }
    String id = service.get().getId();
    // forced, as on one host: a running task is killed, not given its grace period; anonymous
    // volumes live on the nodes, so only their engines can remove them
    boolean nodeLost = false;
    for (Task task : tasks(id)) {
      String container = SwarmTasks.containerId(task);
      if (container != null && (withVolumes || SwarmTasks.running(task))) {
        try {
          engineOf(task).ifPresent(e -> e.remove(container, withVolumes));
        } catch (RuntimeFailure e) {
          if (e.kind() != RuntimeFailure.Kind.ENGINE_UNREACHABLE
              && e.kind() != RuntimeFailure.Kind.TIMEOUT) {
            throw e;
          }
          // a lost node: its task dies with it (or is cleaned up when the node returns); the
          // service still goes, so the server can be placed elsewhere
          nodeLost = true;
          LOG.atWarn()
              .addKeyValue("container", name)
              .addKeyValue("reason", e.getMessage())
              .log("task on an unreachable node left behind");
        }
      }
    }
    try {
      docker.removeServiceCmd(id).exec();
    } catch (NotFoundException e) {
      return;
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "remove service " + name, e);
    }
    // the caller may delete the server's folder next: wait until the nodes removed the tasks
    // (a lost node removes nothing: its tasks are gone with it, or go when it comes back)
    if (!nodeLost) {
      awaitTasks(id, stopGrace.plus(DockerClients.STOP_MARGIN), t -> true, "remove " + name);
    }
    LOG.atInfo()
        .addKeyValue("container", name)
        .addKeyValue("volumesRemoved", withVolumes)
        .log("Service removed");
  }

  /**
   * The service as its current task shows it. For a task that ended, the node's engine (when known)
   * is asked how its container ended: only it knows whether the kernel killed it for memory.
   */
  @Override
  public Optional<ContainerInfo> inspect(String name) {
    Optional<Service> service = find(name);
    if (service.isEmpty()) {
      return Optional.empty();
    }
    List<Task> tasks = tasks(service.get().getId());
    ContainerInfo info = SwarmTasks.toInfo(service.get(), tasks);
    Optional<Task> ended = SwarmTasks.current(tasks).filter(SwarmTasks::ranAndEnded);
    if (info.exitStatus() == null
        || ended.isEmpty()
        || SwarmTasks.containerId(ended.get()) == null) {
      return Optional.of(info);
    }
    try {
      var exit =
          engineOf(ended.get())
              .flatMap(e -> e.inspect(SwarmTasks.containerId(ended.get())))
              .map(ContainerInfo::exitStatus);
      if (exit.isPresent()) {
        return Optional.of(
            new ContainerInfo(
                info.id(),
                info.name(),
                info.image(),
                info.state(),
                info.labels(),
                info.startedAt(),
                exit.get(),
                info.node()));
      }
    } catch (RuntimeFailure e) {
      LOG.atDebug().addKeyValue("container", name).log("Exit status from the node unavailable");
    }
    return Optional.of(info);
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labels) {
    Map<String, List<Task>> byService = tasksByService();
    return services(labels).stream()
        .map(s -> SwarmTasks.toInfo(s, byService.getOrDefault(s.getId(), List.of())))
        .toList();
  }

  private List<Service> services(Map<String, String> labels) {
    return call(
        "list services",
        () -> {
          var cmd = docker.listServicesCmd();
          if (!labels.isEmpty()) {
            cmd.withLabelFilter(labels);
          }
          // only services of ours: they carry the original container name
          return cmd.exec().stream()
              .filter(s -> labelsOf(s.getSpec()).containsKey(SwarmServices.NAME_LABEL))
              .toList();
        });
  }

  private Map<String, List<Task>> tasksByService() {
    Map<String, List<Task>> byService = new HashMap<>();
    for (Task task : allTasks()) {
      if (task.getServiceId() != null) {
        byService.computeIfAbsent(task.getServiceId(), k -> new ArrayList<>()).add(task);
      }
    }
    return byService;
  }

  // ------------------------------------------------------------ images

  @Override
  public Optional<ImageInfo> inspectImage(String image) {
    return manager.inspectImage(image);
  }

  /**
   * Pulls on the manager and on every ready node whose engine is known, at once; each node's
   * progress is reported with its layers named {@code <node>/<layer>}. The first failure is thrown
   * (naming the node) after every pull has ended.
   */
  @Override
  public void pull(String image, Consumer<PullProgress> progress) {
    Map<String, DockerContainerRuntime> targets = new LinkedHashMap<>();
    targets.put("manager", manager);
    for (SwarmNode node : swarmNodes()) {
      boolean ready =
          node.getStatus() != null
              && node.getStatus().getState()
                  == com.github.dockerjava.api.model.SwarmNodeState.READY;
      // the manager's own node, when it names the same endpoint, is pulled on once
      if (ready && !managerHost.equals(NodeEngines.endpointOf(node))) {
        engines.engineOf(node).ifPresent(e -> targets.putIfAbsent(hostnameOf(node), e));
      }
    }
    Consumer<PullProgress> shared =
        p -> {
          synchronized (progress) {
            progress.accept(p);
          }
        };
    Map<String, RuntimeFailure> failures = new ConcurrentHashMap<>();
    List<Thread> pulls = new ArrayList<>();
    targets.forEach(
        (node, engine) ->
            pulls.add(
                Thread.ofVirtual()
                    .name("pull-" + node)
                    .start(
                        () -> {
                          try {
                            engine.pull(
                                image,
                                p ->
                                    shared.accept(
                                        new PullProgress(
                                            p.layer() == null ? null : node + "/" + p.layer(),
                                            p.status(),
                                            p.current(),
                                            p.total())));
                          } catch (RuntimeFailure e) {
                            failures.put(node, e);
                          }
                        })));
    for (Thread pull : pulls) {
      try {
        pull.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pulls.forEach(Thread::interrupt);
        throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "pull interrupted: " + image, e);
      }
    }
    if (!failures.isEmpty()) {
      var first = failures.entrySet().iterator().next();
      throw new RuntimeFailure(
          first.getValue().kind(),
          "pull on " + first.getKey() + ": " + first.getValue().getMessage(),
          first.getValue());
    }
  }

  // ------------------------------------------------------------ node engine: stats, stdin, pause

  @Override
  public Optional<StatsSample> stats(String name) {
    Optional<Task> running = runningTask(name);
    if (running.isEmpty()) {
      return Optional.empty();
    }
    return requireEngine(running.get()).stats(SwarmTasks.containerId(running.get()));
  }

  @Override
  public StdinWriter openStdin(String name) {
    Task running =
        runningTask(name)
            .orElseThrow(
                () ->
                    new RuntimeFailure(
                        RuntimeFailure.Kind.OTHER, "container is not running: " + name));
    return requireEngine(running).openStdin(SwarmTasks.containerId(running));
  }

  /** Freezes the task's container on its node and marks the service paused. */
  @Override
  public void pause(String name) {
    Task running =
        runningTask(name)
            .orElseThrow(
                () ->
                    new RuntimeFailure(
                        RuntimeFailure.Kind.OTHER, "container is not running: " + name));
    requireEngine(running).pause(SwarmTasks.containerId(running));
    markPaused(name, true);
  }

  @Override
  public void unpause(String name) {
    Optional<Task> running = runningTask(name);
    if (running.isEmpty()) {
      return;
    }
    requireEngine(running.get()).unpause(SwarmTasks.containerId(running.get()));
    markPaused(name, false);
  }

  /** Service labels are not part of the task: changing them never touches the running task. */
  private void markPaused(String name, boolean paused) {
    update(
        name,
        paused ? "mark paused" : "mark unpaused",
        spec -> SwarmServices.label(spec, SwarmServices.PAUSED_LABEL, paused ? "true" : null));
  }

  /**
   * Not found: {@code NOT_FOUND}; found and not running: empty. The task must also be running on
   * its node (a paused one is too).
   */
  private Optional<Task> runningTask(String name) {
    Service service = require(name);
    return SwarmTasks.current(tasks(service.getId()))
        .filter(SwarmTasks::running)
        .filter(t -> SwarmTasks.containerId(t) != null);
  }

  private Optional<DockerContainerRuntime> engineOf(Task task) {
    if (task.getNodeId() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(engines.of(task.getNodeId()));
    } catch (RuntimeFailure e) {
      if (e.kind() == RuntimeFailure.Kind.UNSUPPORTED) {
        LOG.atDebug().addKeyValue("node", task.getNodeId()).log("Node has no engine label");
        return Optional.empty();
      }
      throw e;
    }
  }

  private DockerContainerRuntime requireEngine(Task task) {
    return engines.of(task.getNodeId());
  }

  // ------------------------------------------------------------ events and logs

  @Override
  public Subscription events(Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {
    return events(Map.of(), listener, onError);
  }

  /** Events made from task states, at most {@link #EVENT_POLL} late. */
  @Override
  public Subscription events(
      Map<String, String> labels, Consumer<RuntimeEvent> listener, Consumer<Throwable> onError) {
    Supplier<SwarmEventPoller.Listing> list =
        () -> new SwarmEventPoller.Listing(services(labels), allTasks());
    return new SwarmEventPoller(list, EVENT_POLL, listener, onError).start();
  }

  /**
   * Follows the service's log through the manager (every task's, in order). A service's log stream
   * does not end when its task does, so the task is watched (every {@link #EVENT_POLL}) and the
   * follow ends, with {@code end(null)} as on one engine, one poll after the task that was running
   * stopped (at once when none was).
   */
  @Override
  public Subscription followLogs(
      String name, Instant since, Consumer<LogLine> line, Consumer<Throwable> end) {
    Service service = require(name);
    String task =
        SwarmTasks.current(tasks(service.getId()))
            .filter(SwarmTasks::running)
            .map(Task::getId)
            .orElse(null);
    var done = new AtomicBoolean();
    Consumer<Throwable> once =
        cause -> {
          if (done.compareAndSet(false, true)) {
            end.accept(cause);
          }
        };
    var stream = new LogStream(name, line, once);
    var cmd =
        clients.stream()
            .logServiceCmd(service.getId())
            .withStdout(true)
            .withStderr(true)
            .withTimestamps(true)
            .withFollow(true);
    if (since != null) {
      cmd.withSince((int) since.getEpochSecond());
    }
    try {
      cmd.exec(stream.callback());
    } catch (RuntimeException e) {
      stream.close();
      throw Failures.classify(Failures.Operation.CALL, "follow logs of " + name, e);
    }
    Thread watch =
        Thread.ofVirtual()
            .name("swarm-log-watch")
            .start(() -> watchTask(service.getId(), task, stream, done, once));
    return () -> {
      done.set(true);
      watch.interrupt();
      stream.close();
    };
  }

  /** Ends a log follow one poll after {@code task} no longer runs. */
  private void watchTask(
      String serviceId,
      String task,
      LogStream stream,
      AtomicBoolean done,
      Consumer<Throwable> end) {
    try {
      while (!done.get()) {
        Thread.sleep(EVENT_POLL);
        boolean stillRunning;
        try {
          stillRunning =
              task != null
                  && SwarmTasks.current(tasks(serviceId))
                      .filter(t -> task.equals(t.getId()) && SwarmTasks.running(t))
                      .isPresent();
        } catch (RuntimeFailure e) {
          continue; // the manager does not answer: the log stream reports that itself
        }
        if (!stillRunning) {
          Thread.sleep(EVENT_POLL); // the last lines are still on their way
          stream.close();
          end.accept(null);
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public List<LogLine> logs(String name, Instant since, int tail) {
    List<LogLine> lines = new ArrayList<>();
    logs(name, since, tail, lines::add);
    return lines;
  }

  /**
   * The service's log through the manager: the output of the tasks Swarm still keeps (a stopped
   * service has none left: Swarm deletes the tasks of a scale-down, and their logs with them). A
   * full read streams the lines as the manager merges the tasks; a tail is the newest lines over
   * all tasks, in time order.
   */
  @Override
  public void logs(String name, Instant since, int tail, Consumer<LogLine> sink) {
    Service service =
        find(name)
            .orElseThrow(
                () -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "no container " + name));
    var cmd =
        docker
            .logServiceCmd(service.getId())
            .withStdout(true)
            .withStderr(true)
            .withTimestamps(true)
            .withFollow(false);
    if (since != null) {
      cmd.withSince((int) since.getEpochSecond());
    }
    if (tail <= 0) {
      DockerContainerRuntime.readLogs("logs of " + name, since, sink, cmd::exec);
      return;
    }
    // the engine applies the tail to each task, and merges the tasks' lines as they come: keep the
    // newest lines overall (bounded by tail) and hand them on in time order
    cmd.withTail(tail);
    var newest = new PriorityQueue<LogLine>(tail + 1, Comparator.comparing(LogLine::time));
    DockerContainerRuntime.readLogs(
        "logs of " + name,
        since,
        l -> {
          newest.add(l);
          if (newest.size() > tail) {
            newest.poll();
          }
        },
        cmd::exec);
    List<LogLine> lines = new ArrayList<>(newest);
    lines.sort(Comparator.comparing(LogLine::time));
    lines.forEach(sink);
  }

  // ------------------------------------------------------------ nodes

  @Override
  public List<NodeInfo> nodes() {
    return swarmNodes().stream().map(SwarmContainerRuntime::toNode).toList();
  }

  private List<SwarmNode> swarmNodes() {
    return call("list nodes", () -> docker.listSwarmNodesCmd().exec());
  }

  static NodeInfo toNode(SwarmNode node) {
    var spec = node.getSpec();
    var description = node.getDescription();
    var status = node.getStatus();
    Map<String, String> labels =
        spec == null || spec.getLabels() == null ? Map.of() : spec.getLabels();
    String address = status == null ? null : status.getAddress();
    var resources = description == null ? null : description.getResources();
    long nanoCpus =
        resources == null || resources.getNanoCPUs() == null ? 0 : resources.getNanoCPUs();
    return new NodeInfo(
        node.getId(),
        hostnameOf(node),
        spec != null && spec.getRole() == SwarmNodeRole.MANAGER
            ? NodeInfo.Role.MANAGER
            : NodeInfo.Role.WORKER,
        availabilityOf(spec == null ? null : spec.getAvailability()),
        statusOf(status == null ? null : status.getState()),
        address,
        labels.getOrDefault(NodeInfo.PUBLIC_ADDRESS_LABEL, address),
        labels,
        (int) (nanoCpus / 1_000_000_000L),
        resources == null || resources.getMemoryBytes() == null ? 0 : resources.getMemoryBytes(),
        description == null || description.getEngine() == null
            ? null
            : description.getEngine().getEngineVersion());
  }

  private static String hostnameOf(SwarmNode node) {
    return node.getDescription() == null ? node.getId() : node.getDescription().getHostname();
  }

  private static NodeInfo.Availability availabilityOf(SwarmNodeAvailability availability) {
    if (availability == SwarmNodeAvailability.DRAIN) {
      return NodeInfo.Availability.DRAIN;
    }
    return availability == SwarmNodeAvailability.PAUSE
        ? NodeInfo.Availability.PAUSE
        : NodeInfo.Availability.ACTIVE;
  }

  private static NodeInfo.Status statusOf(com.github.dockerjava.api.model.SwarmNodeState state) {
    if (state == null) {
      return NodeInfo.Status.UNKNOWN;
    }
    return switch (state) {
      case READY -> NodeInfo.Status.READY;
      case DOWN -> NodeInfo.Status.DOWN;
      case DISCONNECTED -> NodeInfo.Status.DISCONNECTED;
      default -> NodeInfo.Status.UNKNOWN;
    };
  }

  /** Updates the node's spec (its other settings kept); {@code NOT_FOUND} for an unknown id. */
  @Override
  public void setNodeAvailability(String nodeId, NodeInfo.Availability availability) {
    SwarmNode node = NodeEngines.node(docker, nodeId);
    var spec =
        node.getSpec()
            .withAvailability(
                switch (availability) {
                  case ACTIVE -> SwarmNodeAvailability.ACTIVE;
                  case PAUSE -> SwarmNodeAvailability.PAUSE;
                  case DRAIN -> SwarmNodeAvailability.DRAIN;
                });
    call(
        "update node " + nodeId,
        () -> {
          docker
              .updateSwarmNodeCmd()
              .withSwarmNodeId(nodeId)
              .withVersion(node.getVersion().getIndex())
              .withSwarmNodeSpec(spec)
              .exec();
          return null;
        });
    LOG.atInfo()
        .addKeyValue("node", nodeId)
        .addKeyValue("availability", availability)
        .log("Node availability changed");
  }

  @Override
  public void close() {
    engines.close();
    manager.close();
  }

  // ------------------------------------------------------------ plumbing

  private Optional<Service> find(String name) {
    try {
      return Optional.of(docker.inspectServiceCmd(SwarmServices.serviceName(name)).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, "inspect service " + name, e);
    }
  }

  private Service require(String name) {
    return find(name)
        .orElseThrow(
            () -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "no container " + name));
  }

  private List<Task> tasks(String serviceId) {
    return call("list tasks", () -> docker.listTasksCmd().withServiceFilter(serviceId).exec());
  }

  private List<Task> allTasks() {
    return call("list tasks", () -> docker.listTasksCmd().exec());
  }

  /**
   * Changes the service's spec as the engine holds it, as JSON: docker-java's model would drop the
   * fields it does not know (capabilities, the pids limit) when sending the spec back. {@code
   * change} answers whether it changed anything; nothing is sent otherwise.
   */
  private void update(String name, String what, Predicate<ObjectNode> change) {
    String subject = what + " service " + SwarmServices.serviceName(name);
    for (int attempt = 1; ; attempt++) {
      JsonNode service = send("GET", "/services/" + SwarmServices.serviceName(name), null, subject);
      if (!(service.get("Spec") instanceof ObjectNode spec) || !service.hasNonNull("ID")) {
        throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, subject + ": no spec in the answer");
      }
      if (!change.test(spec)) {
        return;
      }
      long version = service.path("Version").path("Index").asLong();
      try {
        send(
            "POST",
            "/services/" + service.get("ID").asText() + "/update?version=" + version,
            spec,
            subject);
        return;
      } catch (RuntimeFailure e) {
        // the spec changed since it was read (a kill racing a start): read it again
        if (attempt >= UPDATE_ATTEMPTS || !SwarmTasks.outOfSequence(e.getMessage())) {
          throw e;
        }
      }
    }
  }

  private JsonNode send(String method, String path, JsonNode body, String subject) {
    var request =
        DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.valueOf(method))
            .path(path)
            .putHeader("Content-Type", "application/json");
    try {
      if (body != null) {
        request.body(new ByteArrayInputStream(json.writeValueAsBytes(body)));
      }
      try (var response = http.execute(request.build())) {
        byte[] bytes = response.getBody() == null ? new byte[0] : response.getBody().readAllBytes();
        int status = response.getStatusCode();
        if (status >= 400) {
          String message = new String(bytes, StandardCharsets.UTF_8).strip();
          throw new RuntimeFailure(
              Failures.kindOf(Failures.Operation.CALL, status, message), subject + ": " + message);
        }
        return bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
      }
    } catch (IOException e) {
      throw Failures.classify(Failures.Operation.CALL, subject, e);
    } catch (RuntimeException e) {
      throw Failures.classify(Failures.Operation.CALL, subject, e);
    }
  }

  private static Map<String, String> labelsOf(ServiceSpec spec) {
    return spec == null || spec.getLabels() == null ? Map.of() : spec.getLabels();
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "interrupted while waiting for a task");
    }
  }

  private static <T> T call(String what, Supplier<T> action) {
    return DockerContainerRuntime.call(what, action);
  }
}
