package dev.peon.orc.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.OrchestratorConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Javalin on virtual threads, JSON everywhere (404 and 405 included), CORS, a
 * request id per request, API-key checking for {@code /api/} paths, and a last-resort error mapper
 * that never shows stack traces or host paths.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  public static final String REQUEST_ID = "requestId";
  private static final String ALLOWED_HEADERS =
      "Content-Type, X-Api-Key, Authorization, X-Request-Id";
  private static final Set<String> PUBLIC_PATHS = Set.of("/openapi.json", "/healthz");

  private final Javalin app;
  private final OrchestratorConfig config;

  public HttpServer(OrchestratorConfig config, AccessCheck access, List<Routes> routes) {
    this.config = config;
    ObjectMapper mapper = new ObjectMapper();
    this.app =
        Javalin.create(
            c -> {
              c.useVirtualThreads = true;
              c.showJavalinBanner = false;
              c.jsonMapper(new JavalinJackson(mapper, true));
              c.http.defaultContentType = "application/json";
              c.http.prefer405over404 = true;
              c.router.treatMultipleSlashesAsSingleSlash = true;
              c.jetty.modifyServer(s -> s.setStopTimeout(2000));
            });
    app.before(
        ctx -> {
          String rid = ctx.header("X-Request-Id");
          if (rid == null || !rid.matches("[A-Za-z0-9._-]{1,64}")) {
            rid = UUID.randomUUID().toString();
          }
          ctx.attribute(REQUEST_ID, rid);
          ctx.header("X-Request-Id", rid);
          cors(ctx);
          if (ctx.method() == HandlerType.OPTIONS) {
            ctx.status(204);
            ctx.skipRemainingHandlers();
            return;
          }
          if (ctx.path().startsWith("/api/") && !PUBLIC_PATHS.contains(ctx.path())) {
            AccessCheck.Outcome o = access.check(ctx.ip(), ctx.header("X-Api-Key"));
            switch (o) {
              case ALLOWED -> {}
              case DENIED -> {
                ctx.status(401).json("Not authorized");
                ctx.skipRemainingHandlers();
              }
              case THROTTLED -> {
                ctx.header("Retry-After", "300");
                ctx.status(429)
                    .json(
                        errorBody(
                            ctx, "Too many failed authentication attempts; try again later."));
                ctx.skipRemainingHandlers();
              }
            }
          }
        });
    app.options("/*", ctx -> ctx.status(204));
    for (Routes r : routes) {
      r.register(app);
    }
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> ctx.status(e.getStatus()).json(errorBody(ctx, statusText(e.getStatus()))));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.atError()
              .addKeyValue(REQUEST_ID, (Object) ctx.attribute(REQUEST_ID))
              .setCause(e)
              .log("unhandled error");
          ctx.status(500)
              .json(
                  errorBody(
                      ctx,
                      "Internal error; see the orchestrator log (request "
                          + ctx.attribute(REQUEST_ID)
                          + ")."));
        });
    app.error(
        404,
        ctx -> {
          if (ctx.result() == null) {
            ctx.json(errorBody(ctx, "Not found: no such endpoint."));
          }
        });
    app.error(
        405,
        ctx -> {
          if (ctx.result() == null) {
            ctx.json(errorBody(ctx, "Method not allowed for this endpoint."));
          }
        });
  }

  private static String statusText(int status) {
    return switch (status) {
      case 404 -> "Not found: no such endpoint.";
      case 405 -> "Method not allowed for this endpoint.";
      case 400 -> "Bad request.";
      default -> "Request failed.";
    };
  }

  /** The v1 error body; also understood by the v2 clients as a fallback. */
  public static Map<String, Object> errorBody(Context ctx, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "error");
    m.put("info", message);
    m.put("error", message);
    Object rid = ctx.attribute(REQUEST_ID);
    if (rid != null) {
      m.put(REQUEST_ID, rid);
    }
    return m;
  }

  private void cors(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin == null) {
      return;
    }
    List<String> allowed = config.corsOrigins();
    if (allowed.contains("*")) {
      ctx.header("Access-Control-Allow-Origin", "*");
    } else if (allowed.contains(origin)) {
      ctx.header("Access-Control-Allow-Origin", origin);
      ctx.header("Vary", "Origin");
    } else {
      return;
    }
    ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
    ctx.header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
    ctx.header("Access-Control-Max-Age", "600");
  }

  /** Starts listening; returns the bound port (useful with port 0). */
  public int start() {
    app.start(config.listenHost(), config.listenPort());
    return app.port();
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
