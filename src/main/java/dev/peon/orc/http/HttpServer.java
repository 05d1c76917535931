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
import org.slf4j.MDC;

/**
 * The HTTP server: Javalin on virtual threads, JSON everywhere (404 and 405 included), CORS, a
 * request id per request, API-key checking for {@code /api/} paths, and a last-resort error mapper
 * that never shows stack traces or host paths.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
  public static final String REQUEST_ID = "requestId";
  private static final String ALLOWED_HEADERS =
      "Content-Type, X-Api-Key, Authorization, X-Request-Id, X-CSRF-Token, Idempotency-Key, Last-Event-ID";
  private static final Set<String> PUBLIC_PATHS =
      Set.of(
          DocsRoutes.LEGACY_DOCUMENT,
          DocsRoutes.DOCUMENT,
          DocsRoutes.PAGE,
          "/healthz",
          "/api/v2/login");

  private final Javalin app;
  private final OrchestratorConfig config;
  private final ClientAddress clients;
  private static final String CLIENT = "clientAddress";

  public static final String PRINCIPAL = "principal";
  private static final String PERMISSIONS = "permissions";

  public HttpServer(OrchestratorConfig config, AccessCheck access, List<Routes> routes) {
    this(config, Guard.of(access), RequestObserver.NONE, UpgradeTickets.NONE, routes);
  }

  public HttpServer(
      OrchestratorConfig config,
      AccessCheck access,
      RequestObserver observer,
      List<Routes> routes) {
    this(config, Guard.of(access), observer, UpgradeTickets.NONE, routes);
  }

  /**
   * @param tickets lets a WebSocket upgrade without a key present {@code ?ticket=} instead
   *     (browsers cannot set headers on WebSockets)
   */
  public HttpServer(
      OrchestratorConfig config,
      Guard guard,
      RequestObserver observer,
      UpgradeTickets tickets,
      List<Routes> routes) {
    this.config = config;
    this.clients = new ClientAddress(config.trustedProxies());
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
              // runs last, on the request's own thread: metrics, access log, MDC cleanup
              c.requestLogger.http((ctx, ms) -> finished(ctx, ms, observer, guard));
            });
    app.before(
        ctx -> {
          String rid = ctx.header("X-Request-Id");
          if (rid == null || !rid.matches("[A-Za-z0-9._-]{1,64}")) {
            rid = UUID.randomUUID().toString();
          }
          ctx.attribute(REQUEST_ID, rid);
          MDC.put(REQUEST_ID, rid);
          ctx.header("X-Request-Id", rid);
          ctx.attribute(CLIENT, clients.resolve(ctx.ip(), forwardedFor(ctx)));
          cors(ctx);
          if (ctx.method() == HandlerType.OPTIONS) {
            ctx.status(204);
            ctx.skipRemainingHandlers();
            return;
          }
          // the router folds repeated slashes, so the check must too (//api/... is /api/...)
          String path = ctx.path().replaceAll("/{2,}", "/");
          if (path.startsWith("/api/") && !isPublic(path)) {
            Guard.Authentication a = guard.authenticate(caller(ctx));
            ctx.attribute(AUTHENTICATED, Boolean.TRUE);
            switch (a.outcome()) {
              case ALLOWED -> {
                ctx.attribute(PRINCIPAL, a.principal());
                ctx.attribute(PERMISSIONS, guard.permissions(a.principal()));
              }
              case DENIED -> {
                if (isV2(ctx)) {
                  renderProblem(
                      ctx, Problem.of("unauthorized", 401, "A valid API key is required."));
                } else {
                  jsonString(ctx.status(401), "Not authorized");
                }
                ctx.skipRemainingHandlers();
              }
              case FORBIDDEN -> {
                forbidden(ctx, a.detail() == null ? "Forbidden." : a.detail());
                ctx.skipRemainingHandlers();
              }
              case THROTTLED -> {
                ctx.header("Retry-After", retryAfterSeconds(a.retryAfter()));
                String m = "Too many failed authentication attempts; try again later.";
                if (isV2(ctx)) {
                  renderProblem(ctx, Problem.of("rate-limited", 429, m));
                } else {
                  ctx.status(429).json(errorBody(ctx, m));
                }
                ctx.skipRemainingHandlers();
              }
            }
          }
        });
    app.beforeMatched(
        ctx -> {
          if (ctx.method() == HandlerType.OPTIONS) {
            return;
          }
          String route = route(ctx);
          if (ctx.attribute(AUTHENTICATED) != null
              && !guard.permits(
                  ctx.attribute(PRINCIPAL), ctx.method().name(), route, ctx.pathParamMap())) {
            forbidden(ctx, "You do not have the permission for this action.");
            ctx.skipRemainingHandlers();
            return;
          }
          if (ctx.path().startsWith("/api/") && !acceptableBody(ctx, route)) {
            String m = "This endpoint takes JSON: send Content-Type: application/json.";
            if (isV2(ctx)) {
              renderProblem(ctx, Problem.of("unsupported-media-type", 415, m));
            } else {
              ctx.status(415).json(errorBody(ctx, m));
            }
            ctx.skipRemainingHandlers();
          }
        });
    // WebSocket upgrades skip the before-handlers above (Javalin 6 runs wsBeforeUpgrade instead)
    app.wsBeforeUpgrade(ctx -> checkUpgrade(ctx, guard, tickets));
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
          LOG.atError().setCause(e).log("unhandled error"); // request id from the MDC
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

  /** Routes whose body is not JSON (uploads); every other body must be JSON. */
  private static final Set<String> RAW_BODY_ROUTES =
      Set.of("POST /api/v2/servers/{id}/backups/upload");

  /**
   * Whether a request's body may reach its handler: none, or JSON ({@code application/json} or
   * {@code +json}), or a raw body on an upload route. PEON v1 clients may leave out the
   * Content-Type (the original accepted any), so v1 accepts a missing one, never a wrong one.
   */
  private static boolean acceptableBody(Context ctx, String route) {
    boolean hasBody =
        ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
    if (!hasBody || RAW_BODY_ROUTES.contains(ctx.method().name() + " " + route)) {
      return true;
    }
    String ct = ctx.header("Content-Type");
    if (ct == null || ct.isBlank()) {
      return !isV2(ctx);
    }
    return isJson(ct) || (!isV2(ctx) && isV1Lenient(ct));
  }

  /**
   * Content types PEON v1 clients send JSON with (curl's {@code -d} default, plain text): the
   * Python original read the body as JSON whatever the header said, so v1 stays wire-compatible;
   * such bodies are parsed and audited as JSON like any other.
   */
  static boolean isV1Lenient(String contentType) {
    String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    return type.equals("application/x-www-form-urlencoded") || type.equals("text/plain");
  }

  static boolean isJson(String contentType) {
    String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    return type.equals("application/json")
        || (type.startsWith("application/") && type.endsWith("+json"));
  }

  private static boolean isPublic(String path) {
    String p =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return PUBLIC_PATHS.contains(p);
  }

  private static final String AUTHENTICATED = "authenticated";

  private static void forbidden(Context ctx, String message) {
    if (isV2(ctx)) {
      renderProblem(ctx, Problem.of("forbidden", 403, message));
    } else {
      ctx.status(403).json(errorBody(ctx, message));
    }
  }

  /**
   * The client's address: the socket peer, or what a trusted proxy forwarded ({@code
   * http.trusted.proxies}).
   */
  public static String clientAddress(Context ctx) {
    String a = ctx.attribute(CLIENT);
    return a == null ? ctx.ip() : a;
  }

  private static List<String> forwardedFor(Context ctx) {
    return java.util.Collections.list(ctx.req().getHeaders("X-Forwarded-For"));
  }

  /** Whole seconds, rounded up, at least 1: the value of a {@code Retry-After} header. */
  public static String retryAfterSeconds(java.time.Duration d) {
    long s = (d.toMillis() + 999) / 1000;
    return Long.toString(Math.max(1, s));
  }

  private static Guard.Caller caller(Context ctx) {
    return new Guard.Caller(
        clientAddress(ctx),
        ctx.method().name(),
        ctx.path(),
        ctx.attribute(REQUEST_ID),
        ctx::header,
        ctx::cookie);
  }

  /** What the caller of this request may do (everything when no guard decided). */
  public static Permissions permissions(Context ctx) {
    Permissions p = ctx.attribute(PERMISSIONS);
    return p == null ? Permissions.ALL : p;
  }

  private static void finished(Context ctx, Float ms, RequestObserver observer, Guard guard) {
    try {
      String route = route(ctx);
      int status = ctx.statusCode();
      String m = ctx.method().name();
      boolean changing = !m.equals("GET") && !m.equals("HEAD") && !m.equals("OPTIONS");
      boolean refused = status == 401 || status == 403 || status == 429;
      if (ctx.attribute(AUTHENTICATED) != null && (changing || refused)) {
        try {
          guard.completed(
              new Guard.Completed(
                  ctx.attribute(PRINCIPAL),
                  caller(ctx),
                  route,
                  routeParams(ctx),
                  status,
                  changing ? bodyOf(ctx) : null));
        } catch (RuntimeException e) {
          LOG.atError().setCause(e).log("audit failed");
        }
      }
      observer.observe(ctx.method().name(), route, status, ms / 1000.0);
      LOG.atDebug()
          .addKeyValue("method", ctx.method().name())
          .addKeyValue("route", route)
          .addKeyValue("status", status)
          .addKeyValue("ms", Math.round(ms))
          .log("request");
    } finally {
      MDC.remove(REQUEST_ID);
    }
  }

  private static Map<String, String> routeParams(Context ctx) {
    try {
      return ctx.pathParamMap();
    } catch (RuntimeException e) {
      return Map.of();
    }
  }

  /** Bodies read for the audit log at most; the guard keeps a redacted, truncated copy. */
  static final int MAX_AUDITED_READ = 1 << 20;

  private static String bodyOf(Context ctx) {
    try {
      String ct = ctx.header("Content-Type");
      if (ct != null && !ct.isBlank() && !isJson(ct) && !(!isV2(ctx) && isV1Lenient(ct))) {
        return null; // uploads (the only non-JSON bodies accepted) are not copied into the log
      }
      if (ctx.req().getContentLengthLong() > MAX_AUDITED_READ) {
        return null;
      }
      return ctx.body();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The matched path template, or {@value RequestObserver#UNMATCHED}; never the raw path. */
  static String route(Context ctx) {
    String path;
    try {
      path = ctx.endpointHandlerPath();
    } catch (RuntimeException e) {
      return RequestObserver.UNMATCHED;
    }
    return path == null || path.isEmpty() || path.equals("*") ? RequestObserver.UNMATCHED : path;
  }

  /**
   * Whether a browser's {@code Origin} is this server itself (the built-in dashboard), whatever
   * {@code cors.origins} lists: a browser sets both {@code Origin} and {@code Host}, so a page of
   * another site cannot pass.
   */
  static boolean sameOrigin(Context ctx, String origin) {
    String host = ctx.header("Host");
    return host != null
        && (origin.equalsIgnoreCase("http://" + host)
            || origin.equalsIgnoreCase("https://" + host));
  }

  /** Origin, then key or ticket, then the route's permission, for every WebSocket upgrade. */
  private void checkUpgrade(Context ctx, Guard guard, UpgradeTickets tickets) {
    String rid = UUID.randomUUID().toString();
    ctx.attribute(REQUEST_ID, rid);
    ctx.attribute(CLIENT, clients.resolve(ctx.ip(), forwardedFor(ctx)));
    String origin = ctx.header("Origin");
    List<String> allowed = config.corsOrigins();
    if (origin != null
        && !allowed.contains("*")
        && !allowed.contains(origin)
        && !sameOrigin(ctx, origin)) {
      LOG.atWarn().addKeyValue("origin", origin).log("WebSocket from a foreign origin refused");
      throw new UpgradeRefused(403, "This origin may not open a WebSocket here.");
    }
    String ticket = ctx.queryParam("ticket");
    boolean keyPresented = ctx.header("X-Api-Key") != null || ctx.header("Authorization") != null;
    Object principal;
    if (!keyPresented && ticket != null) {
      principal =
          tickets
              .redeem(ticket, ctx.path())
              .filter(guard::stillValid) // issued to a key or user that may be gone since
              .orElseThrow(
                  () -> new UpgradeRefused(401, "The ticket is invalid, expired or already used."));
    } else if (!keyPresented) {
      // a browser's session cookie alone never opens a WebSocket: any page of the same site could
      // send it (cross-site WebSocket hijacking); browsers ask for a ticket with cookie + CSRF
      throw new UpgradeRefused(
          401, "A WebSocket needs an API key header or a ticket (POST /api/v2/console/tickets).");
    } else {
      Guard.Authentication a = guard.authenticate(caller(ctx));
      switch (a.outcome()) {
        case ALLOWED -> {}
        case THROTTLED -> {
          ctx.header("Retry-After", retryAfterSeconds(a.retryAfter()));
          throw new UpgradeRefused(429, "Too many failed authentication attempts.");
        }
        default -> throw new UpgradeRefused(401, "A valid API key is required.");
      }
      principal = a.principal();
    }
    // wsBeforeUpgrade runs before the WebSocket route is matched: match it here
    io.javalin.websocket.WsHandlerEntry entry =
        app.unsafeConfig().pvt.internalRouter.allWsHandlers().stream()
            .filter(e -> e.getType() == io.javalin.websocket.WsHandlerType.WEBSOCKET)
            .filter(e -> e.matches(ctx.path()))
            .findFirst()
            .orElseThrow(() -> new UpgradeRefused(403, "No console here."));
    if (!guard.permits(principal, "GET", entry.getPath(), entry.extractPathParams(ctx.path()))) {
      throw new UpgradeRefused(403, "You do not have the permission for this console.");
    }
    ctx.attribute(PRINCIPAL, principal);
    Object p = principal;
    ctx.attribute(PRINCIPAL_CHECK, (java.util.function.BooleanSupplier) () -> guard.stillValid(p));
  }

  private static final String PRINCIPAL_CHECK = "principalCheck";

  /**
   * Whether the principal that opened this WebSocket still stands (key not revoked, user not
   * disabled); true for sockets opened without a guard's check.
   */
  public static boolean principalStillValid(io.javalin.websocket.WsContext ctx) {
    java.util.function.BooleanSupplier check = ctx.attribute(PRINCIPAL_CHECK);
    return check == null || check.getAsBoolean();
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
      ctx.header("Access-Control-Allow-Credentials", "true"); // session cookies, named origins only
      ctx.header("Vary", "Origin");
    } else {
      return;
    }
    ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
    ctx.header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    ctx.header("Access-Control-Max-Age", "600");
  }

  /**
   * Every registered route, as {@code METHOD /path} (WebSocket endpoints as {@code WS /path}; their
   * upgrade is a GET), for tests that check each route against the permission catalogue.
   */
  public List<String> routes() {
    List<String> out = new java.util.ArrayList<>();
    var router = app.unsafeConfig().pvt.internalRouter;
    for (var e : router.allHttpHandlers()) {
      HandlerType m = e.getEndpoint().getMethod();
      if (m.isHttpMethod() && m != HandlerType.HEAD && m != HandlerType.OPTIONS) {
        out.add(m.name() + " " + e.getEndpoint().getPath());
      }
    }
    for (var w : router.allWsHandlers()) {
      if (w.getType() == io.javalin.websocket.WsHandlerType.WEBSOCKET) {
        out.add("WS " + w.getPath());
      }
    }
    return out;
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
