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
    this(config, access, UpgradeTickets.NONE, routes);
  }

  /**
   * With {@code tickets}, a WebSocket upgrade without a key may present {@code ?ticket=} instead
   * (browsers cannot set headers on WebSockets).
   */
  public HttpServer(
      OrchestratorConfig config, AccessCheck access, UpgradeTickets tickets, List<Routes> routes) {
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
            boolean v2 = isV2(ctx);
            String presented = ctx.header("X-Api-Key");
            String authz = ctx.header("Authorization");
            if (presented == null && v2 && authz != null && authz.startsWith("Bearer ")) {
              presented = authz.substring("Bearer ".length()).trim();
            }
            AccessCheck.Outcome o = access.check(ctx.ip(), presented);
            switch (o) {
              case ALLOWED -> {}
              case DENIED -> {
                if (v2) {
                  renderProblem(
                      ctx, Problem.of("unauthorized", 401, "A valid API key is required."));
                } else {
                  jsonString(ctx.status(401), "Not authorized");
                }
                ctx.skipRemainingHandlers();
              }
              case THROTTLED -> {
                ctx.header("Retry-After", "300");
                String m = "Too many failed authentication attempts; try again later.";
                if (v2) {
                  renderProblem(ctx, Problem.of("rate-limited", 429, m));
                } else {
                  ctx.status(429).json(errorBody(ctx, m));
                }
                ctx.skipRemainingHandlers();
              }
            }
          }
        });
    // WebSocket upgrades skip the before-handlers above (Javalin 6 runs wsBeforeUpgrade instead)
    app.wsBeforeUpgrade(ctx -> checkUpgrade(ctx, access, tickets));
    app.exception(UpgradeRefused.class, (e, ctx) -> refuseUpgrade(ctx, e));
    for (Routes r : routes) {
      r.register(app);
    }
    app.exception(Problem.ProblemException.class, (e, ctx) -> renderProblem(ctx, e.problem()));
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> genericError(ctx, e.getStatus(), statusText(e.getStatus())));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.atError()
              .addKeyValue(REQUEST_ID, (Object) ctx.attribute(REQUEST_ID))
              .setCause(e)
              .log("unhandled error");
          genericError(
              ctx,
              500,
              "Internal error; see the orchestrator log (request "
                  + ctx.attribute(REQUEST_ID)
                  + ").");
        });
    app.error(
        404,
        ctx -> {
          if (ctx.result() == null) {
            genericError(ctx, 404, "Not found: no such endpoint.");
          }
        });
    app.error(
        405,
        ctx -> {
          if (ctx.result() == null) {
            genericError(ctx, 405, "Method not allowed for this endpoint.");
          }
        });
  }

  /** Origin, then key or ticket, for every WebSocket upgrade. */
  private void checkUpgrade(Context ctx, AccessCheck access, UpgradeTickets tickets) {
    ctx.attribute(REQUEST_ID, UUID.randomUUID().toString());
    String origin = ctx.header("Origin");
    List<String> allowed = config.corsOrigins();
    if (origin != null && !allowed.contains("*") && !allowed.contains(origin)) {
      LOG.atWarn().addKeyValue("origin", origin).log("WebSocket from a foreign origin refused");
      throw new UpgradeRefused(403, "This origin may not open a WebSocket here.");
    }
    String presented = ctx.header("X-Api-Key");
    String authz = ctx.header("Authorization");
    if (presented == null && isV2(ctx) && authz != null && authz.startsWith("Bearer ")) {
      presented = authz.substring("Bearer ".length()).trim();
    }
    String ticket = ctx.queryParam("ticket");
    if (presented == null && ticket != null) {
      if (tickets.redeem(ticket, ctx.path())) {
        return;
      }
      throw new UpgradeRefused(401, "The ticket is invalid, expired or already used.");
    }
    switch (access.check(ctx.ip(), presented)) {
      case ALLOWED -> {}
      case DENIED -> throw new UpgradeRefused(401, "A valid API key is required.");
      case THROTTLED -> throw new UpgradeRefused(429, "Too many failed authentication attempts.");
    }
  }

  private static void refuseUpgrade(Context ctx, UpgradeRefused e) {
    if (isV2(ctx)) {
      String type =
          switch (e.status) {
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            default -> "rate-limited";
          };
      renderProblem(ctx, Problem.of(type, e.status, e.getMessage()));
    } else if (e.status == 401) {
      jsonString(ctx.status(401), "Not authorized");
    } else {
      ctx.status(e.status).json(errorBody(ctx, e.getMessage()));
    }
  }

  /** Ends a WebSocket upgrade with an HTTP answer. */
  private static final class UpgradeRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    UpgradeRefused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private static boolean isV2(Context ctx) {
    return ctx.path().startsWith("/api/v2/") || ctx.path().equals("/api/v2");
  }

  /** A v1-style body on v1 paths, a problem on v2 paths. */
  private static void genericError(Context ctx, int status, String message) {
    if (isV2(ctx)) {
      String type =
          switch (status) {
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 400 -> "invalid-request";
            default -> "internal";
          };
      renderProblem(ctx, Problem.of(type, status, message));
    } else {
      ctx.status(status).json(errorBody(ctx, message));
    }
  }

  /** Renders an RFC 9457 problem with the request id. */
  public static void renderProblem(Context ctx, Problem p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", Problem.TYPE_BASE + p.type());
    m.put("title", p.title());
    m.put("status", p.status());
    m.put("detail", p.detail());
    Object rid = ctx.attribute(REQUEST_ID);
    if (rid != null) {
      m.put(REQUEST_ID, rid);
    }
    if (!p.errors().isEmpty()) {
      m.put("errors", p.errors());
    }
    m.putAll(p.extensions());
    try {
      ctx.status(p.status())
          .contentType("application/problem+json")
          .result(JSON_STRINGS.writeValueAsString(m));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      ctx.status(500).result("{\"title\":\"Internal error\"}");
    }
  }

  /** Answers with a bare JSON string, as the PEON v1 API does for some errors. */
  public static void jsonString(Context ctx, String text) {
    ctx.contentType("application/json").result(JSON_STRINGS.valueToTree(text).toString());
  }

  private static final ObjectMapper JSON_STRINGS = new ObjectMapper();

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
    try {
      app.stop();
    } catch (RuntimeException e) {
      LOG.atWarn().log("HTTP server did not stop cleanly: " + e.getMessage());
    }
  }
}
