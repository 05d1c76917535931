package dev.peon.orc.app;

import dev.peon.orc.http.Routes;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.store.Database;
import io.javalin.Javalin;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz} (process up) and {@code /readyz}: database and Docker reachable, Docker's event
 * stream followed (states are current) and the scheduler's thread alive.
 */
final class HealthRoutes implements Routes {
  private final Database db;
  private final ContainerRuntime runtime;
  private final BooleanSupplier eventsConnected;
  private final BooleanSupplier schedulerAlive;

  HealthRoutes(
      Database db,
      ContainerRuntime runtime,
      BooleanSupplier eventsConnected,
      BooleanSupplier schedulerAlive) {
    this.db = db;
    this.runtime = runtime;
    this.eventsConnected = eventsConnected;
    this.schedulerAlive = schedulerAlive;
  }

  @Override
  public void register(Javalin app) {
    app.get("/healthz", ctx -> ctx.json(Map.of("status", "up")));
    app.get(
        "/readyz",
        ctx -> {
          boolean dbOk = db.isReachable();
          boolean dockerOk;
          try {
            runtime.engineVersion();
            dockerOk = true;
          } catch (RuntimeFailure e) {
            dockerOk = false;
          }
          boolean events = eventsConnected.getAsBoolean();
          boolean scheduler = schedulerAlive.getAsBoolean();
          ctx.status(dbOk && dockerOk && events && scheduler ? 200 : 503)
              .json(
                  Map.of(
                      "database",
                      dbOk ? "up" : "down",
                      "docker",
                      dockerOk ? "up" : "down",
                      "events",
                      events ? "connected" : "reconnecting",
                      "scheduler",
                      scheduler ? "running" : "stopped"));
        });
  }
}
