package dev.peon.orc.compat;

import dev.peon.orc.console.ConsoleException;
import dev.peon.orc.console.ConsoleLine;
import dev.peon.orc.console.ConsoleRoutes;
import dev.peon.orc.console.ConsoleService;
import dev.peon.orc.console.Viewer;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Routes;
import dev.peon.orc.server.ServerId;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * The PEON v1 console: {@code GET /api/v1/server/logs/<uid>?lines=N} -> {@code {"logs": [...]}} and
 * the WebSocket {@code /api/v1/ws/console/<uid>} (key in {@code X-Api-Key}) sending {@code
 * {"type":"log","data":"<line>"}} and taking text frames as commands. Register before {@link
 * PeonV1Routes}, whose {@code /server/{action}/<uid>} would otherwise answer the logs path.
 */
public final class PeonV1ConsoleRoutes implements Routes {
  private static final List<String> PREFIXES = List.of("/api/v1", "/api/1.0");
  private static final int DEFAULT_LINES = 100;

  private final ConsoleService console;

  public PeonV1ConsoleRoutes(ConsoleService console) {
    this.console = console;
  }

  @Override
  public void register(Javalin app) {
    for (String p : PREFIXES) {
      app.get(p + "/server/logs/<uid>", this::logs);
    }
    app.ws(
        "/api/v1/ws/console/<uid>",
        ws -> ConsoleRoutes.socket(ws, console, Viewer.Format.V1, ctx -> ctx.pathParam("uid")));
  }

  private void logs(Context ctx) {
    ServerId id;
    try {
      id = ServerId.parse(ctx.pathParam("uid"));
    } catch (IllegalArgumentException e) {
      ctx.status(400).json(HttpServer.errorBody(ctx, "The server uid is not valid."));
      return;
    }
    int lines = DEFAULT_LINES;
    String n = ctx.queryParam("lines");
    if (n != null) {
      try {
        lines = Math.clamp(Integer.parseInt(n), 1, 1000);
      } catch (NumberFormatException e) {
        ctx.status(400).json(HttpServer.errorBody(ctx, "The lines argument must be a number."));
        return;
      }
    }
    try {
      List<String> logs = console.lines(id, null, lines).stream().map(ConsoleLine::text).toList();
      ctx.json(Map.of("logs", logs));
    } catch (ConsoleException e) {
      String message =
          e.kind() == ConsoleException.Kind.NOT_FOUND
              ? "There was an issue getting the server."
              : e.getMessage();
      ctx.status(e.kind().status()).json(HttpServer.errorBody(ctx, message));
    }
  }
}
