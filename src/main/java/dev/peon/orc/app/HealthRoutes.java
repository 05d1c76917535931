package dev.peon.orc.app;

import dev.peon.orc.http.Routes;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.store.Database;
import io.javalin.Javalin;
import java.util.Map;

/** {@code /healthz} (process up) and {@code /readyz} (database and Docker reachable). */
final class HealthRoutes implements Routes {
  private final Database db;
  private final ContainerRuntime runtime;

  HealthRoutes(Database db, ContainerRuntime runtime) {
    this.db = db;
    this.runtime = runtime;
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
          ctx.status(dbOk && dockerOk ? 200 : 503)
              .json(Map.of("database", dbOk ? "up" : "down", "docker", dockerOk ? "up" : "down"));
        });
  }
}
