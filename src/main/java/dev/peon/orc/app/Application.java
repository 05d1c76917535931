package dev.peon.orc.app;

import dev.peon.orc.auth.ApiKeyAuthenticator;
import dev.peon.orc.auth.ApiKeyStore;
import dev.peon.orc.auth.AuthThrottle;
import dev.peon.orc.backup.BackupException;
import dev.peon.orc.backup.BackupRoutes;
import dev.peon.orc.backup.BackupService;
import dev.peon.orc.backup.LocalFolderDestination;
import dev.peon.orc.compat.PeonV1Routes;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.config.Secret;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.event.EventRoutes;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Problem;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationRoutes;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.plan.LocalPlanCatalog;
import dev.peon.orc.plan.PlanRoutes;
import dev.peon.orc.plan.PlanSyncException;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.schedule.ScheduleRepository;
import dev.peon.orc.schedule.Scheduler;
import dev.peon.orc.server.HostPorts;
import dev.peon.orc.server.ScheduleLookup;
import dev.peon.orc.server.ServerException;
import dev.peon.orc.server.ServerRoutes;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.store.Database;
import dev.peon.orc.store.IdempotencyStore;
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
  private final int port;

  private Application(
      Database db,
      ContainerRuntime runtime,
      ServerService servers,
      Scheduler scheduler,
      OperationService operations,
      EventRoutes eventRoutes,
      HttpServer http) {
    this.operations = operations;
    this.eventRoutes = eventRoutes;
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
    ContainerRuntime runtime = new DockerContainerRuntime(config.dockerHost());
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
    BackupService.repairInterruptedRestores(servers.layout());
    servers.reconcile();
    Scheduler scheduler =
        new Scheduler(
            new ScheduleRepository(db),
            clock,
            (id, action) -> {
              switch (action) {
                case START -> servers.start(id);
                case STOP -> servers.stop(id);
                case RESTART -> servers.restart(id);
              }
            });
    scheduler.start();
    ApiKeyAuthenticator auth = new ApiKeyAuthenticator(key, new AuthThrottle(clock));
    AccessCheck access =
        (address, presented) ->
            switch (auth.check(address, presented)) {
              case ALLOWED -> AccessCheck.Outcome.ALLOWED;
              case DENIED -> AccessCheck.Outcome.DENIED;
              case THROTTLED -> AccessCheck.Outcome.THROTTLED;
            };
    OperationService operations = new OperationService(events, clock, Application::operationError);
    BackupService backups =
        new BackupService(
            servers,
            operations,
            events,
            db,
            new LocalFolderDestination(config.backupDir()),
            clock,
            version());
    backups.reconcile();
    ScheduleRepository scheduleRepository = new ScheduleRepository(db);
    EventRoutes eventRoutes = new EventRoutes(events);
    HttpServer http =
        new HttpServer(
            config,
            access,
            List.of(
                new PeonV1Routes(servers, plans, scheduler, clock, version()),
                new HealthRoutes(db, runtime),
                new ServerRoutes(
                    servers,
                    operations,
                    id ->
                        scheduler
                            .nextEvent(id)
                            .map(at -> new ScheduleLookup.NextSchedule(0, "scheduled", at)),
                    new IdempotencyStore(db, clock),
                    config.exposeSecrets()),
                new OperationRoutes(operations),
                new BackupRoutes(backups, BackupService.MAX_UPLOAD),
                new PlanRoutes(plans, operations, events),
                eventRoutes,
                new SystemRoutes(
                    version(),
                    runtime,
                    servers,
                    plans,
                    operations,
                    () -> scheduleRepository.nextDueByServer().size(),
                    config.dataDir(),
                    clock)));
    Application app =
        new Application(db, runtime, servers, scheduler, operations, eventRoutes, http);
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
    if (t instanceof PlanSyncException) {
      return new Operation.OperationError(
          "upstream-failure",
          "Upstream failure",
          "The plans could not be refreshed from the configured source (the orchestrator log says"
              + " why). Current plans are unchanged.");
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
    eventRoutes.close();
    http.close();
    scheduler.close();
    operations.close();
    servers.close();
    runtime.close();
    db.close();
    LOG.info("PEON Orchestrator stopped");
  }
}
