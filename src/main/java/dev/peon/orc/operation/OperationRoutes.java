package dev.peon.orc.operation;

import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Map;

/**
 * Reading operations.
 *
 * <pre>
 * GET /api/v2/operations          ?server=, ?status=queued|running|succeeded|failed
 * GET /api/v2/operations/{opId}
 * </pre>
 */
public final class OperationRoutes implements Routes {
  private final OperationService operations;

  public OperationRoutes(OperationService operations) {
    this.operations = operations;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/operations", this::list);
    app.get("/api/v2/operations/{opId}", this::get);
  }

  private void list(Context ctx) {
    String server = ctx.queryParam("server");
    if (server != null && !server.matches("[a-z0-9][a-z0-9_]{0,62}\\.[a-z0-9][a-z0-9_-]{0,62}")) {
      throw new ProblemException(Problem.invalid("server", "is not a valid server id"));
    }
    String status = ctx.queryParam("status");
    Operation.Status st = null;
    if (status != null) {
      try {
        st = Operation.Status.valueOf(status.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ProblemException(
            Problem.invalid("status", "must be queued, running, succeeded or failed"));
      }
    }
    ctx.json(Map.of("items", operations.list(server, st).stream().map(OperationJson::of).toList()));
  }

  private void get(Context ctx) {
    String id = ctx.pathParam("opId");
    if (!id.matches("op_[0-9a-f]{16}")) {
      throw new ProblemException(Problem.invalid("opId", "is not an operation id"));
    }
    Operation op =
        operations
            .find(id)
            .orElseThrow(
                () ->
                    new ProblemException(
                        Problem.of("not-found", 404, "There is no operation " + id + ".")));
    ctx.json(OperationJson.of(op));
  }
}
