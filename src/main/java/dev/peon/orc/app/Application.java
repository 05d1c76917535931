package dev.peon.orc.app;

import dev.peon.orc.audit.AuditLog;
import dev.peon.orc.audit.AuditRoutes;
import dev.peon.orc.auth.ApiKeyStore;
import dev.peon.orc.auth.AuthGuard;
import dev.peon.orc.auth.AuthRoutes;
import dev.peon.orc.auth.AuthThrottle;
import dev.peon.orc.auth.IdentityService;
import dev.peon.orc.auth.OwnerBootstrap;
import dev.peon.orc.auth.Role;
import dev.peon.orc.backup.BackupException;
import dev.peon.orc.backup.BackupRoutes;
import dev.peon.orc.backup.BackupService;
import dev.peon.orc.backup.BackupSettings;
import dev.peon.orc.backup.LocalFolderDestination;
import dev.peon.orc.compat.PeonV1ConsoleRoutes;
import dev.peon.orc.compat.PeonV1Routes;
import dev.peon.orc.config.ClusterPolicy;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.config.Secret;
import dev.peon.orc.console.ConsoleRoutes;
import dev.peon.orc.console.ConsoleService;
import dev.peon.orc.console.ConsoleSettings;
import dev.peon.orc.console.ConsoleTickets;
import dev.peon.orc.console.ServerLookup;
import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.event.EventRoutes;
import dev.peon.orc.game.GameMonitor;
import dev.peon.orc.game.GameRoutes;
import dev.peon.orc.game.ProbeRunner;
import dev.peon.orc.game.wake.WakeService;
import dev.peon.orc.http.DocsRoutes;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Problem;
import dev.peon.orc.metrics.Metrics;
import dev.peon.orc.metrics.MetricsRoutes;
import dev.peon.orc.metrics.ServerFeed;
import dev.peon.orc.metrics.StatsHistory;
import dev.peon.orc.metrics.StatsHistoryRoutes;
import dev.peon.orc.node.NodeRoutes;
import dev.peon.orc.node.NodeService;
import dev.peon.orc.node.NodeWatcher;
import dev.peon.orc.notify.WebhookRoutes;
import dev.peon.orc.notify.WebhookService;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationRoutes;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.plan.LocalPlanCatalog;
import dev.peon.orc.plan.PlanRoutes;
import dev.peon.orc.plan.PlanSyncException;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.DockerSettings;
import dev.peon.orc.runtime.docker.SwarmContainerRuntime;
import dev.peon.orc.schedule.ScheduleRepository;
import dev.peon.orc.schedule.ScheduleRoutes;
import dev.peon.orc.schedule.Scheduler;
import dev.peon.orc.server.GameLookup;
import dev.peon.orc.server.HostPorts;
import dev.peon.orc.server.ScheduleLookup;
import dev.peon.orc.server.ServerException;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerRoutes;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.UpdateMode;
import dev.peon.orc.store.Database;
import dev.peon.orc.store.IdempotencyStore;
import dev.peon.orc.supervision.DelayedTasks;
import dev.peon.orc.supervision.Supervisor;
import dev.peon.orc.web.DashboardRoutes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part from the configuration, starts them in order (database,
 * Docker, plans, servers with boot reconciliation, scheduler, HTTP) and stops them in reverse.
 */
public final class Application implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Application.class);

  private final Database db;
  private final ContainerRuntime runtime;
  private final ServerService servers;
  private final Scheduler scheduler;
  private final HttpServer http;
  private final OperationService operations;
  private final EventRoutes eventRoutes;
  private final Metrics metrics;
  private final int port;
  private ConsoleService console;
  private Supervisor supervisor;
  private GameMonitor game;
  private NodeWatcher nodeWatcher;
  private EventBus.AsyncSubscription auditEvents;
  private WebhookService webhooks;
  private dev.peon.orc.auth.FailureTally authFailures;
  private Thread authFailureFlusher;

  private Application(
      Database db,
      ContainerRuntime runtime,
      ServerService servers,
      Scheduler scheduler,
      OperationService operations,
      EventRoutes eventRoutes,
      Metrics metrics,
      HttpServer http) {
    this.operations = operations;
    this.eventRoutes = eventRoutes;
    this.metrics = metrics;
    this.db = db;
    this.runtime = runtime;
    this.servers = servers;
    this.scheduler = scheduler;
    this.http = http;
    this.port = http.start();
  }

  /** Starts the orchestrator; throws {@link StartupException} with a clear message on failure. */
  public static Application start(OrchestratorConfig config, Clock clock) {
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new StartupException("cannot create the data folder " + config.dataDir(), e);
    }
    Database db = Database.open(config.dataDir().resolve("peon.db"));
    DockerSettings dockerSettings =
        new DockerSettings(
            config.dockerCallTimeout(),
            config.dockerStreamConnections(),
            config.dockerPullStallTimeout(),
            config.dockerLogMaxSize(),
            config.dockerLogMaxFiles());
    ContainerRuntime runtime =
        config.cluster().runtime() == ClusterPolicy.Runtime.SWARM
            ? new SwarmContainerRuntime(config.dockerHost(), dockerSettings, config.stopTimeout())
            : new DockerContainerRuntime(config.dockerHost(), dockerSettings);
    try {
      String engine = runtime.engineVersion();
      LOG.atInfo().addKeyValue("engine", engine).log("Docker engine reachable");
    } catch (RuntimeFailure e) {
      runtime.close();
      db.close();
      throw new StartupException(
          "the Docker engine at " + config.dockerHost() + " is not reachable: " + e.getMessage(),
          e);
    }
    Secret key = new ApiKeyStore(config.dataDir()).resolve(config.apiKey());
    LocalPlanCatalog plans = LocalPlanCatalog.fromConfig(config);
    try {
      plans.syncIfEmpty();
    } catch (PlanSyncException e) {
      LOG.atWarn()
          .addKeyValue("source", config.planSource())
          .log("plans could not be fetched at start: " + e.getMessage());
    }
    EventBus events = new EventBus(clock);
    ServerService servers =
        new ServerService(config, db, plans, runtime, HostPorts.probing(), clock, events);
    // before reconciliation, so that exits seen from then on are judged
    Supervisor supervisor =
        new Supervisor(
            servers,
            db,
            events,
            clock,
            DelayedTasks.onVirtualThreads(),
            Supervisor.Limits.of(config));
    BackupService.repairInterruptedRestores(servers.layout());
    servers.reconcile();
    // at shutdown, running operations may finish a stop (grace period) and what follows it
    OperationService operations =
        new OperationService(
            events, clock, Application::operationError, config.stopTimeout().plusSeconds(15));
    BackupService backups =
        new BackupService(
            servers,
            operations,
            events,
            db,
            new LocalFolderDestination(config.backupDir()),
            clock,
            version(),
            BackupSettings.of(config));
    backups.reconcile();
    ScheduleRepository scheduleRepository = new ScheduleRepository(db);
    // made before the scheduler: command schedules type into it
    ConsoleService console =
        new ConsoleService(
            runtime, ServerLookup.of(servers), events, clock, ConsoleSettings.defaults());
    console.start();
    Scheduler scheduler =
        new Scheduler(
            scheduleRepository,
            clock,
            (id, action, mode) -> {
              switch (action) {
                case START -> servers.start(id);
                case STOP -> servers.stop(id);
                case RESTART -> servers.restart(id);
                case UPDATE -> servers.update(id, UpdateMode.parse(mode.wire()));
                case BACKUP -> awaitOperation(operations, backups.createBackup(id));
                case COMMAND ->
                    throw new IllegalStateException("command steps run in the scheduler");
              }
            },
            console::command,
            events);
    IdentityService identities = new IdentityService(db, clock);
    OwnerBootstrap.ensureOwner(
        identities, config.ownerName(), config.ownerPassword(), config.dataDir());
    AuditLog audit = new AuditLog(db, clock, config.dataDir().resolve("audit-head"));
    audit.repairLaggingHead(); // entries committed just before a crash, recorded as such
    AuthThrottle throttle = new AuthThrottle(clock);
    AuthGuard guard =
        new AuthGuard(identities, key, Role.fromWire(config.v1KeyRole()), throttle, audit, clock);
    // audit writes hit the database and sync a file: never inside the bus lock
    EventBus.AsyncSubscription auditEvents =
        events.subscribeAsync("audit", 10_000, e -> auditSignificant(audit, e));
    EventRoutes eventRoutes = new EventRoutes(events);
    WebhookService webhooks = new WebhookService(db, events, clock, version());
    StatsHistory statsHistory = new StatsHistory(clock);
    Metrics metrics = new Metrics(version(), ServerFeed.of(servers), statsHistory);
    metrics.listen(events);
    metrics.startSampling();
    console.auditCommandsWith(
        (id, actor, text, sent) ->
            audit.append(
                new AuditLog.Record(
                    actor,
                    null,
                    null,
                    null,
                    "server.command",
                    id.uid(),
                    sent ? "success" : "failure",
                    // the verb only: a typed line may carry a password
                    java.util.Map.of(
                        "via",
                        "websocket",
                        "verb",
                        text.strip().split("\\s+", 2)[0],
                        "length",
                        text.length()))));
    GameMonitor game =
        new GameMonitor(
            servers,
            supervisor,
            plans,
            db,
            new ProbeRunner(runtime, id -> probeHost(servers, id)),
            events,
            clock,
            WakeService.standard(clock),
            console::command,
            id -> awaitOperation(operations, backups.createBackup(id)),
            GameMonitor.Limits.DEFAULTS);
    servers.observePower(game.around(supervisor)); // wake hooks around the supervisor's
    NodeService nodeService =
        new NodeService(runtime, servers, backups, supervisor, events, clock, operations);
    NodeWatcher nodeWatcher =
        runtime.clustered()
            ? new NodeWatcher(
                    nodeService,
                    servers,
                    operations,
                    events,
                    clock,
                    config.cluster().watchInterval(),
                    NodeService.Failover.parse(config.cluster().failover()),
                    config.cluster().failoverAfter())
                .start()
            : null;
    if (runtime.clustered()) {
      servers.nodes().refresh(); // the first views already know their nodes
    }
    ConsoleTickets tickets = new ConsoleTickets(clock);
    HttpServer http =
        new HttpServer(
            config,
            guard,
            metrics,
            tickets,
            List.of(
                new DocsRoutes(),
                new AuthRoutes(identities, throttle, audit, clock, guard.failures()),
                new AuditRoutes(audit),
                new MetricsRoutes(metrics),
                new PeonV1ConsoleRoutes(console), // before PeonV1Routes: it owns /server/logs/
                new ConsoleRoutes(console, tickets, clock),
                new PeonV1Routes(servers, plans, scheduler, clock, version()),
                new HealthRoutes(db, runtime, servers::eventsConnected, scheduler::loopAlive),
                new ServerRoutes(
                    servers,
                    operations,
                    id ->
                        scheduler
                            .nextSchedule(id)
                            .map(
                                s ->
                                    new ScheduleLookup.NextSchedule(
                                        s.id(), s.action().wire(), s.nextRun())),
                    new IdempotencyStore(db, clock),
                    config.exposeSecrets(),
                    supervisor,
                    id -> gameOf(game, id)),
                new GameRoutes(game),
                new NodeRoutes(nodeService, operations),
                new ScheduleRoutes(scheduler, id -> servers.find(id).isPresent(), clock),
                new OperationRoutes(operations),
                new BackupRoutes(backups, BackupService.MAX_UPLOAD),
                new PlanRoutes(plans, operations, events),
                eventRoutes,
                new WebhookRoutes(webhooks, id -> servers.find(id).isPresent()),
                new StatsHistoryRoutes(statsHistory, id -> servers.find(id).isPresent()),
                new SystemRoutes(
                    version(),
                    runtime,
                    servers,
                    plans,
                    operations,
                    scheduleRepository::count,
                    config.dataDir(),
                    clock),
                new DashboardRoutes()));
    Application app =
        new Application(db, runtime, servers, scheduler, operations, eventRoutes, metrics, http);
    app.console = console;
    app.supervisor = supervisor;
    app.game = game;
    app.nodeWatcher = nodeWatcher;
    game.start();
    app.auditEvents = auditEvents;
    app.webhooks = webhooks;
    app.authFailures = guard.failures();
    app.authFailureFlusher = flushPeriodically(guard.failures());
    // last: missed runs fire and servers autostart only once auditing is wired and the API is
    // listening (review M11)
    supervisor.autostart(); // in the background, a few at a time
    scheduler.start();
    LOG.atInfo()
        .addKeyValue("address", config.listenHost() + ":" + app.port)
        .addKeyValue("dataDir", config.dataDir())
        .addKeyValue("startupMs", (System.nanoTime() - t0) / 1_000_000)
        .log("PEON Orchestrator " + version() + " ready");
    return app;
  }

  public int port() {
    return port;
  }

  /** Every registered route as {@code METHOD /path} (for the permission matrix test). */
  public List<String> routes() {
    return http.routes();
  }

  /**
   * Writes ended episodes of refused authentication every 30 s, so that their summaries reach the
   * audit log even when no request comes after them (requests write them too).
   */
  private static Thread flushPeriodically(dev.peon.orc.auth.FailureTally failures) {
    return Thread.ofVirtual()
        .name("auth-failure-flush")
        .start(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  Thread.sleep(java.time.Duration.ofSeconds(30)); // a period, not a wait
                  failures.flushDue();
                } catch (InterruptedException e) {
                  return;
                } catch (RuntimeException e) {
                  LOG.atWarn()
                      .setCause(e)
                      .log("writing refused authentication to the audit failed");
                }
              }
            });
  }

  /** The game's state in the v2 server object's words. */
  /** Where a server's published ports answer: loopback, or its cluster node's address. */
  private static java.net.InetAddress probeHost(ServerService servers, ServerId id) {
    return servers
        .nodeOf(id)
        .flatMap(n -> servers.nodes().find(n))
        .map(dev.peon.orc.runtime.NodeInfo::address)
        .flatMap(
            a -> {
              try {
                return java.util.Optional.of(java.net.InetAddress.getByName(a));
              } catch (java.net.UnknownHostException e) {
                return java.util.Optional.empty();
              }
            })
        .orElse(java.net.InetAddress.getLoopbackAddress());
  }

  private static GameLookup.Game gameOf(GameMonitor game, ServerId id) {
    return game.summary(id)
        .map(
            g ->
                new GameLookup.Game(
                    g.state() == null ? null : g.state().wire(),
                    g.online(),
                    g.max(),
                    g.sleeping(),
                    g.lastStopReason()))
        .orElse(GameLookup.Game.NONE);
  }

  /** Waits for an operation started by a schedule, so the schedule records its real result. */
  private static void awaitOperation(OperationService operations, Operation started)
      throws InterruptedException {
    Operation op;
    try {
      op = operations.completion(started).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("the operation failed", e.getCause());
    }
    if (op.status() == Operation.Status.FAILED) {
      throw new IllegalStateException(
          op.error() == null ? "the operation failed" : op.error().detail());
    }
  }

  /**
   * Events that are audited without a request: scheduled runs (actor: the scheduler) and crash
   * loops (actor: the supervisor).
   */
  private static void auditSignificant(AuditLog audit, Event e) {
    if (e.type().equals("server.crashloop")) {
      audit.append(
          new AuditLog.Record(
              "supervisor", null, null, null, "server.crashloop", e.server(), "failure", e.data()));
      return;
    }
    if (!e.type().equals("schedule.run")) {
      return;
    }
    Object result = e.data().get("result");
    String outcome =
        result instanceof java.util.Map<?, ?> r
            ? String.valueOf(r.get("status"))
            : String.valueOf(result);
    audit.append(
        new AuditLog.Record(
            "scheduler",
            null,
            null,
            null,
            "schedule.run",
            e.server(),
            outcome.equals("succeeded")
                ? "success"
                : outcome.equals("skipped") ? "success" : "failure",
            e.data()));
  }

  /** Classifies an operation's failure in problem-details words, without host details. */
  static Operation.OperationError operationError(Throwable t) {
    if (t instanceof ServerException se) {
      Problem p = ServerRoutes.problem(se);
      return new Operation.OperationError(p.type(), p.title(), p.detail());
    }
    if (t instanceof BackupException be) {
      Problem p = BackupRoutes.problem(be);
      return new Operation.OperationError(p.type(), p.title(), p.detail());
    }
    if (t instanceof PlanSyncException pe) {
      return PlanRoutes.operationError(pe);
    }
    if (t instanceof RuntimeFailure) {
      return new Operation.OperationError(
          "upstream-failure", "Upstream failure", "The Docker engine failed.");
    }
    LOG.atError().setCause(t).log("operation failed unexpectedly");
    return new Operation.OperationError(
        "internal", "Internal error", "Unexpected failure; see the orchestrator log.");
  }

  /** The orchestrator version, from the build. */
  public static String version() {
    try (InputStream in = Application.class.getResourceAsStream("/peon-version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }

  @Override
  public void close() {
    if (console != null) {
      console.close();
    }
    eventRoutes.close();
    http.close();
    if (authFailureFlusher != null) {
      authFailureFlusher.interrupt();
      try {
        authFailureFlusher.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (authFailures != null) {
      authFailures.flushAll(); // refusals not yet written out, while the database is open
    }
    metrics.close();
    scheduler.close();
    if (nodeWatcher != null) {
      nodeWatcher.close(); // no fail-over starts while shutting down
    }
    if (game != null) {
      game.close(); // releases sleeping servers' ports
    }
    operations.close();
    if (supervisor != null) {
      supervisor.close();
    }
    if (auditEvents != null) {
      auditEvents.close();
    }
    if (webhooks != null) {
      webhooks.close(); // retries still waiting are lost (marked abandoned at the next start)
    }
    servers.close();
    runtime.close();
    db.close();
    LOG.info("PEON Orchestrator stopped");
  }
}
