package dev.peon.orc.console;

import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live consoles: keeps the last lines of each server in memory, fans live output out to viewers,
 * and writes commands to the game's stdin. Output is read from the container log, so nothing is
 * lost or doubled across server and orchestrator restarts, or across log rotation.
 *
 * <p>Following costs an engine connection and a thread, so a server's log is followed only while it
 * has viewers (and {@link ConsoleSettings#followLinger()} after the last one left). Otherwise the
 * history is brought up to date from the engine's log tail when it is asked for (a viewer attaches,
 * {@code logs} is read); a per-stream {@link LogCursor} drops what was already seen. A stdin attach
 * is opened by the first command and closed after {@link ConsoleSettings#stdinIdle()} unused. So a
 * server nobody watches or types into costs no connection and no thread.
 *
 * <p>All output is recorded in the history; live lines to viewers are throttled per server (a
 * {@code throttled} notice says how many were skipped). Each viewer has a bounded outbox: a slow
 * viewer loses its oldest messages (and is told how many) without slowing the server or others. No
 * monitor is held during engine I/O.
 */
public final class ConsoleService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleService.class);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration THROTTLE_NOTICE = Duration.ofSeconds(1);
  private static final Duration STDIN_WAIT = Duration.ofSeconds(15);

  private final ContainerRuntime runtime;
  private final ServerLookup servers;
  private final EventBus events;
  private final Clock clock;
  private final ConsoleSettings settings;
  private final Map<ServerId, ServerConsole> consoles = new ConcurrentHashMap<>();
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("console-ticker").unstarted(r));
  private final Consumer<Event> listener = this::onEvent;
  private final Semaphore downloads;
  private volatile boolean closed;
  private volatile Instant lastStats = Instant.EPOCH;

  public ConsoleService(
      ContainerRuntime runtime,
      ServerLookup servers,
      EventBus events,
      Clock clock,
      ConsoleSettings settings) {
    this.runtime = runtime;
    this.servers = servers;
    this.events = events;
    this.clock = clock;
    this.settings = settings;
    this.downloads = new Semaphore(Math.max(1, settings.maxDownloads()));
  }

  /** Subscribes to server events; nothing is followed until someone watches. */
  public void start() {
    events.subscribe(0, listener);
    ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------ viewers

  /**
   * Connects a viewer: it gets the last {@code historyLines} lines and the state, then live output
   * while the server runs. A server that is not running (or stops) closes the viewer with 1000.
   */
  public Viewer attach(ServerId id, ViewerSink sink, Viewer.Format format, int historyLines) {
    requireExists(id);
    ServerConsole c = console(id);
    catchUp(c);
    Viewer v = new Viewer(this, id, sink, format, settings, clock);
    String state = stateWord(servers.state(id));
    boolean running = state.equals("running");
    synchronized (c) {
      for (ConsoleLine l : c.history.recent(Math.max(0, historyLines))) {
        v.offer(new Outbound.Line(l));
      }
      v.offer(Outbound.notice("state", "state", state));
      if (running) {
        c.viewers.add(v);
        c.unwatchedSince = null;
      }
    }
    v.start();
    if (running) {
      follow(c);
    } else {
      v.closeAfterDrain(Viewer.NORMAL, "server not running");
    }
    LOG.atDebug().addKeyValue("serverId", id).addKeyValue("format", format).log("viewer joined");
    return v;
  }

  void detach(Viewer v) {
    ServerConsole c = consoles.get(v.server());
    if (c != null) {
      synchronized (c) {
        if (c.viewers.remove(v) && c.viewers.isEmpty()) {
          c.unwatchedSince = clock.instant();
        }
      }
      if (v.dropped() > 0) {
        LOG.atInfo()
            .addKeyValue("serverId", v.server())
            .addKeyValue("dropped", v.dropped())
            .log("viewer left after dropping messages");
      }
    }
  }

  /** Older lines for a viewer's {@code history} request. */
  Outbound.History history(ServerId id, long before, int limit) {
    ServerConsole c = console(id);
    synchronized (c) {
      List<ConsoleLine> lines = c.history.before(before, limit);
      boolean more = !lines.isEmpty() && lines.get(0).seq() > c.history.firstSeq();
      return new Outbound.History(lines, more);
    }
  }

  // ------------------------------------------------------------ reads and commands

  /** The newest {@code limit} remembered lines at or after {@code since} (null: any). */
  public List<ConsoleLine> lines(ServerId id, Instant since, int limit) {
    requireExists(id);
    ServerConsole c = console(id);
    catchUp(c);
    synchronized (c) {
      return c.history.since(since, limit);
    }
  }

  /**
   * Streams the whole container log (everything the engine still has, rotated files included) to
   * {@code sink}, line by line as it is read, for a download; memory stays bounded whatever the
   * log's size. At most {@link ConsoleSettings#maxDownloads()} run at once. A sink that throws (the
   * client went away) ends the read.
   */
  public void download(ServerId id, Consumer<LogLine> sink) {
    requireExists(id);
    if (!downloads.tryAcquire()) {
      throw new ConsoleException(
          ConsoleException.Kind.RATE_LIMITED,
          "Too many log downloads at once; try again in a moment.");
    }
    try {
      runtime.logs(id.containerName(), null, 0, sink);
    } catch (RuntimeFailure e) {
      if (e.kind() == RuntimeFailure.Kind.NOT_FOUND) {
        return;
      }
      throw new ConsoleException(
          ConsoleException.Kind.UNAVAILABLE, "The container log could not be read.");
    } finally {
      downloads.release();
    }
  }

  /** Told of every command typed into a console WebSocket (for the audit log). */
  @FunctionalInterface
  public interface CommandAudit {
    void commandTyped(ServerId id, String actor, String text, boolean sent);
  }

  private volatile CommandAudit commandAudit = (id, actor, text, sent) -> {};

  public void auditCommandsWith(CommandAudit audit) {
    this.commandAudit = audit;
  }

  /** A command typed into a console WebSocket by {@code actor}: sent, then audited. */
  void typed(ServerId id, String actor, String text) {
    boolean sent = false;
    try {
      command(id, text);
      sent = true;
    } finally {
      commandAudit.commandTyped(id, actor, text, sent);
    }
  }

  /** Writes a command line to the game's stdin, opening a stdin attach when none is open. */
  public void command(ServerId id, String text) {
    Inbound.validCommand(text);
    requireExists(id);
    if (servers.state(id).orElse(null) != ContainerState.RUNNING) {
      throw new ConsoleException(
          ConsoleException.Kind.NOT_RUNNING, "The server [" + id + "] is not running.");
    }
    ServerConsole c = console(id);
    lockStdin(c);
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          if (c.stdin == null || !c.stdin.isOpen()) {
            c.stdin = runtime.openStdin(id.containerName());
          }
          c.stdin.writeLine(text);
          c.stdinUsed = clock.instant();
          LOG.atInfo()
              .addKeyValue("serverId", id)
              .addKeyValue("length", text.length())
              .log("console command sent");
          return;
        } catch (RuntimeFailure e) {
          if (c.stdin != null) {
            c.stdin.close();
            c.stdin = null;
          }
          if (attempt >= 1) {
            LOG.atWarn()
                .addKeyValue("serverId", id)
                .addKeyValue("reason", e.getMessage())
                .log("console command failed");
            throw new ConsoleException(
                ConsoleException.Kind.UNAVAILABLE, "The server's input is not available.");
          }
        }
      }
    } finally {
      c.stdinLock.unlock();
    }
  }

  private void lockStdin(ServerConsole c) {
    try {
      if (c.stdinLock.tryLock(STDIN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new ConsoleException(
        ConsoleException.Kind.UNAVAILABLE, "The server's input is busy; try again in a moment.");
  }

  /** Writes a line of the orchestrator's own into the console (marked {@code orchestrator}). */
  public void announce(ServerId id, String text) {
    ServerConsole c = knownConsole(id).orElse(null);
    if (c == null) {
      return;
    }
    synchronized (c) {
      ConsoleLine line =
          c.history.append(
              clock.instant(), LogLine.Stream.STDOUT, ConsoleLine.Source.ORCHESTRATOR, text);
      Outbound out = new Outbound.Line(line);
      c.viewers.forEach(v -> v.offer(out));
    }
  }

  // ------------------------------------------------------------ following

  private ServerConsole console(ServerId id) {
    return consoles.computeIfAbsent(id, k -> new ServerConsole(k, settings, clock));
  }

  /** The console of a server the orchestrator knows; none is made for unknown ids. */
  private Optional<ServerConsole> knownConsole(ServerId id) {
    ServerConsole c = consoles.get(id);
    if (c != null) {
      return Optional.of(c);
    }
    return servers.exists(id) ? Optional.of(console(id)) : Optional.empty();
  }

  private void requireExists(ServerId id) {
    if (!servers.exists(id)) {
      throw new ConsoleException(
          ConsoleException.Kind.NOT_FOUND, "There is no server [" + id + "].");
    }
  }

  /**
   * Brings the history up to date from the engine's log tail, unless a follow keeps it current.
   * Reads from the newest line seen (whole seconds, the engine's granularity) and at most a
   * history's worth: when more came since, the tail alone fills the ring, so nothing inside it is
   * missing. The cursor drops lines already recorded.
   */
  private void catchUp(ServerConsole c) {
    c.catchUpLock.lock();
    try {
      Instant since;
      synchronized (c) {
        if (c.following) {
          return;
        }
        since = c.cursor.resume();
      }
      List<LogLine> lines;
      try {
        lines = runtime.logs(c.id.containerName(), since, c.history.capacity());
      } catch (RuntimeFailure e) {
        if (e.kind() != RuntimeFailure.Kind.NOT_FOUND) {
          LOG.atWarn()
              .addKeyValue("serverId", c.id)
              .addKeyValue("reason", e.getMessage())
              .log("console history could not be read");
        }
        return;
      }
      synchronized (c) {
        for (LogLine l : lines) {
          if (c.cursor.admit(l)) {
            c.history.append(l.time(), l.stream(), ConsoleLine.Source.GAME, l.text());
          }
        }
      }
    } finally {
      c.catchUpLock.unlock();
    }
  }

  private void follow(ServerConsole c) {
    long generation;
    synchronized (c) {
      if (c.following || closed) {
        return;
      }
      c.following = true;
      generation = ++c.followGeneration;
    }
    executor.execute(() -> openFollow(c, generation));
  }

  private void openFollow(ServerConsole c, long generation) {
    Instant since;
    synchronized (c) {
      since = c.cursor.resume();
    }
    ContainerRuntime.Subscription s;
    try {
      s =
          runtime.followLogs(
              c.id.containerName(),
              since,
              line -> onLine(c, line),
              cause -> executor.execute(() -> onEnd(c, generation, cause)));
    } catch (RuntimeException | Error e) {
      synchronized (c) {
        if (c.followGeneration == generation) {
          c.following = false;
        }
      }
      LOG.atWarn()
          .addKeyValue("serverId", c.id)
          .addKeyValue("reason", e.getMessage())
          .log("console output could not be followed");
      return;
    }
    boolean stale;
    synchronized (c) {
      stale = c.followGeneration != generation || closed;
      if (!stale) {
        c.follow = s;
      }
    }
    if (stale) {
      s.close(); // unfollowed while it was being opened
      return;
    }
    LOG.atDebug()
        .addKeyValue("serverId", c.id)
        .addKeyValue("since", since)
        .log("following console output");
  }

  /** Ends the follow of a server nobody watches any more. */
  private void unfollow(ServerConsole c) {
    ContainerRuntime.Subscription s;
    synchronized (c) {
      if (!c.following || !c.viewers.isEmpty()) {
        return;
      }
      s = endFollow(c);
      c.unwatchedSince = null;
    }
    if (s != null) {
      s.close();
    }
    LOG.atDebug().addKeyValue("serverId", c.id).log("console output no longer followed");
  }

  private void onLine(ServerConsole c, LogLine l) {
    synchronized (c) {
      record(c, l);
    }
  }

  /** Records a line read from the log and sends it to viewers; caller holds the monitor. */
  private void record(ServerConsole c, LogLine l) {
    if (!c.cursor.admit(l)) {
      return;
    }
    ConsoleLine line = c.history.append(l.time(), l.stream(), ConsoleLine.Source.GAME, l.text());
    if (c.viewers.isEmpty()) {
      return;
    }
    if (c.throttle.tryTake()) {
      Outbound out = new Outbound.Line(line);
      c.viewers.forEach(v -> v.offer(out));
    } else {
      c.throttled++;
      c.throttledTotal++;
      noticeThrottled(c);
    }
  }

  /** Caller holds the console's monitor. */
  private void noticeThrottled(ServerConsole c) {
    Instant now = clock.instant();
    if (c.throttled == 0
        || Duration.between(c.lastThrottleNotice, now).compareTo(THROTTLE_NOTICE) < 0) {
      return;
    }
    Outbound n =
        Outbound.notice(
            "throttled",
            "detail",
            "The server prints faster than "
                + (long) settings.linesPerSecond()
                + " lines/s: "
                + c.throttled
                + " lines were not sent live (the log download has them).",
            "skipped",
            c.throttled);
    c.viewers.forEach(v -> v.offer(n));
    c.throttled = 0;
    c.lastThrottleNotice = now;
  }

  private void onEnd(ServerConsole c, long generation, Throwable cause) {
    synchronized (c) {
      if (c.followGeneration != generation) {
        return; // unfollowed or replaced meanwhile
      }
      c.following = false;
      c.follow = null;
    }
    LOG.atDebug()
        .addKeyValue("serverId", c.id)
        .addKeyValue("reason", cause == null ? "stopped" : String.valueOf(cause.getMessage()))
        .log("console output ended");
    if (closed) {
      return;
    }
    ContainerState state = null;
    boolean unknown = false;
    try {
      state = runtime.inspect(c.id.containerName()).map(ContainerInfo::state).orElse(null);
    } catch (RuntimeFailure e) {
      unknown = true;
    }
    if (state == ContainerState.RUNNING || unknown) {
      if (cause != null || unknown) {
        LOG.atWarn()
            .addKeyValue("serverId", c.id)
            .addKeyValue("reason", cause == null ? "engine unreachable" : cause.getMessage())
            .log("console output stream dropped; following again");
        sleep(RETRY);
      }
      if (consoles.containsKey(c.id) && !c.viewers.isEmpty()) {
        follow(c);
      }
      return;
    }
    String word = stateWord(Optional.ofNullable(state));
    List<Viewer> leaving;
    synchronized (c) {
      leaving = List.copyOf(c.viewers);
      c.viewers.clear();
      c.unwatchedSince = null;
      if (!word.equals(c.lastState)) {
        Outbound n = Outbound.notice("state", "state", word);
        leaving.forEach(v -> v.offer(n));
      }
    }
    leaving.forEach(v -> v.closeAfterDrain(Viewer.NORMAL, "server stopped"));
    closeStdin(c);
  }

  private void closeStdin(ServerConsole c) {
    c.stdinLock.lock();
    try {
      if (c.stdin != null) {
        c.stdin.close();
        c.stdin = null;
      }
    } finally {
      c.stdinLock.unlock();
    }
  }

  /** Closes the stdin attach when it has not been used for a while; skips when a command runs. */
  private void closeIdleStdin(ServerConsole c) {
    if (!c.stdinLock.tryLock()) {
      return;
    }
    try {
      if (c.stdin != null && idleFor(c.stdinUsed, settings.stdinIdle())) {
        c.stdin.close();
        c.stdin = null;
        LOG.atDebug().addKeyValue("serverId", c.id).log("idle console input closed");
      }
    } finally {
      c.stdinLock.unlock();
    }
  }

  private boolean idleFor(Instant since, Duration limit) {
    return since != null && Duration.between(since, clock.instant()).compareTo(limit) >= 0;
  }

  // ------------------------------------------------------------ events and ticks

  private void onEvent(Event e) {
    if (closed || e.server() == null) {
      return;
    }
    ServerId id;
    try {
      id = ServerId.parse(e.server());
    } catch (IllegalArgumentException ex) {
      return;
    }
    switch (e.type()) {
      case "server.state" -> {
        String to = String.valueOf(e.data().get("to"));
        executor.execute(() -> onState(id, to));
      }
      case "server.deleted" -> executor.execute(() -> forget(id));
      case "operation" -> {
        String text = operationNotice(e.data());
        if (text != null) {
          executor.execute(() -> announce(id, text));
        }
      }
      default -> {}
    }
  }

  private void onState(ServerId id, String to) {
    ServerConsole c = knownConsole(id).orElse(null);
    if (c == null) {
      return;
    }
    boolean watched;
    synchronized (c) {
      c.lastState = to;
      Outbound n = Outbound.notice("state", "state", to);
      c.viewers.forEach(v -> v.offer(n));
      watched = !c.viewers.isEmpty();
    }
    if (to.equals("running")) {
      if (watched) {
        follow(c);
      }
    } else if (c.stdin != null) {
      closeStdin(c);
    }
  }

  /** The orchestrator's own console line for a power or update operation that begins. */
  static String operationNotice(Map<String, Object> op) {
    if (!"running".equals(op.get("status"))) {
      return null;
    }
    String what =
        switch (String.valueOf(op.get("kind"))) {
          case "power.start" -> "starting the server";
          case "power.stop" -> "stopping the server";
          case "power.restart" -> "restarting the server";
          case "power.kill" -> "killing the server";
          case "update" -> "updating the server";
          default -> null;
        };
    return what == null ? null : "[orchestrator] " + what + " (operation " + op.get("id") + ")";
  }

  private void forget(ServerId id) {
    ServerConsole c = consoles.remove(id);
    if (c == null) {
      return;
    }
    List<Viewer> leaving;
    ContainerRuntime.Subscription s;
    synchronized (c) {
      leaving = List.copyOf(c.viewers);
      c.viewers.clear();
      s = endFollow(c);
    }
    if (s != null) {
      s.close();
    }
    leaving.forEach(v -> v.closeAfterDrain(Viewer.NORMAL, "server deleted"));
    closeStdin(c);
  }

  /** Forgets the follow (its callbacks become stale) and returns it to close; holds the monitor. */
  private static ContainerRuntime.Subscription endFollow(ServerConsole c) {
    ContainerRuntime.Subscription s = c.follow;
    c.follow = null;
    c.following = false;
    c.followGeneration++;
    return s;
  }

  /** Once a second: throttle notices, stats, and ending unwatched follows and idle stdin. */
  void tick() {
    try {
      Instant now = clock.instant();
      boolean statsDue = Duration.between(lastStats, now).compareTo(settings.statsInterval()) >= 0;
      if (statsDue) {
        lastStats = now;
      }
      for (ServerConsole c : consoles.values()) {
        if (c.stdin != null && idleFor(c.stdinUsed, settings.stdinIdle())) {
          executor.execute(() -> closeIdleStdin(c));
        }
        if (c.viewers.isEmpty()) {
          boolean lingered;
          synchronized (c) {
            lingered = c.following && idleFor(c.unwatchedSince, settings.followLinger());
          }
          if (lingered) {
            executor.execute(() -> unfollow(c));
          }
          continue;
        }
        synchronized (c) {
          noticeThrottled(c);
        }
        if (statsDue) {
          executor.execute(() -> sendStats(c));
        }
      }
    } catch (RuntimeException | Error e) {
      // never let the periodic task die silently: the next tick runs regardless
      LOG.atWarn().setCause(e).log("console tick failed");
    }
  }

  private void sendStats(ServerConsole c) {
    if (servers.state(c.id).orElse(null) != ContainerState.RUNNING) {
      return;
    }
    Optional<ServerStats> s = servers.stats(c.id);
    if (s.isEmpty()) {
      return;
    }
    ServerStats st = s.get();
    Outbound n =
        Outbound.notice(
            "stats",
            "cpuPercent",
            Math.round(st.cpuPercent() * 100) / 100.0,
            "memoryBytes",
            st.memoryBytes(),
            "memoryPercent",
            Math.round(st.memoryPercent() * 100) / 100.0,
            "uptimeSeconds",
            st.uptimeSeconds());
    synchronized (c) {
      // the sample may have taken a while: never send stats after the server's final state (a
      // stop queues that state and clears the viewers under this monitor); decided from what
      // this monitor guards, so no lookup runs while it is held
      if (c.lastState != null && !c.lastState.equals("running")) {
        return;
      }
      c.viewers.forEach(v -> v.offer(n));
    }
  }

  private static String stateWord(Optional<ContainerState> state) {
    return state.map(ContainerState::wire).orElse("missing");
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Totals for the benchmark and metrics: remembered lines and viewers. */
  public Map<String, Long> totals() {
    long lines = 0;
    long viewers = 0;
    long throttled = 0;
    long following = 0;
    for (ServerConsole c : consoles.values()) {
      synchronized (c) {
        lines += c.history.size();
        throttled += c.throttledTotal;
        following += c.following ? 1 : 0;
      }
      viewers += c.viewers.size();
    }
    return Map.of(
        "servers",
        (long) consoles.size(),
        "lines",
        lines,
        "viewers",
        viewers,
        "throttled",
        throttled,
        "following",
        following);
  }

  @Override
  public void close() {
    closed = true;
    events.unsubscribe(listener);
    ticker.shutdownNow();
    for (ServerConsole c : consoles.values()) {
      List<Viewer> leaving;
      ContainerRuntime.Subscription s;
      synchronized (c) {
        leaving = List.copyOf(c.viewers);
        c.viewers.clear();
        s = endFollow(c);
      }
      if (s != null) {
        s.close();
      }
      leaving.forEach(v -> v.closeNow(Viewer.GOING_AWAY, "orchestrator shutting down"));
      closeStdin(c);
    }
    executor.shutdownNow();
  }
}
