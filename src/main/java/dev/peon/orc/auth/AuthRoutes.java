package dev.peon.orc.auth;

import dev.peon.orc.audit.AuditLog;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.JsonInput;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Users, API keys, the caller's own identity, and browser login.
 *
 * <pre>
 * POST   /api/v2/login                        {name, password} -> session cookie + csrfToken
 * POST   /api/v2/logout
 * GET    /api/v2/me
 * GET    /api/v2/users                        (user.admin)
 * POST   /api/v2/users                        {name, password, role}
 * GET    /api/v2/users/{userId}
 * PATCH  /api/v2/users/{userId}               {role?, enabled?, password?}
 * DELETE /api/v2/users/{userId}
 * PUT    /api/v2/users/{userId}/grants/{server}  {permissions: [...]}
 * GET    /api/v2/keys                         own keys (?all=true with key.admin)
 * POST   /api/v2/keys                         {name, scope?, expiresAt?, user?} -> secret once
 * DELETE /api/v2/keys/{keyId}                 revoke (own, or any with key.admin)
 * </pre>
 */
public final class AuthRoutes implements Routes {
  private static final Pattern SERVER =
      Pattern.compile("[a-z0-9][a-z0-9_]{0,62}\\.[a-z0-9][a-z0-9_-]{0,62}");
  private final IdentityService ids;
  private final AuthThrottle throttle;
  private final Clock clock;

  private final AuditLog audit;
  private final FailureTally failures;

  public AuthRoutes(IdentityService ids, AuthThrottle throttle, AuditLog audit, Clock clock) {
    this(ids, throttle, audit, clock, new FailureTally(audit, clock));
  }

  /**
   * @param failures where logins refused during a lock-out are counted (the guard's, so that an
   *     address has one tally)
   */
  public AuthRoutes(
      IdentityService ids,
      AuthThrottle throttle,
      AuditLog audit,
      Clock clock,
      FailureTally failures) {
    this.ids = ids;
    this.throttle = throttle;
    this.audit = audit;
    this.clock = clock;
    this.failures = failures;
  }

  /** Logins are public routes, so they are audited here rather than by the guard. */
  private void auditLogin(Context ctx, String name, String outcome) {
    audit.append(
        new AuditLog.Record(
            outcome.equals("success") ? "user:" + name : "anonymous",
            null,
            HttpServer.clientAddress(ctx),
            ctx.attribute(HttpServer.REQUEST_ID),
            "login",
            name != null && name.matches("[a-z0-9][a-z0-9_.-]{0,31}") ? "user:" + name : null,
            outcome,
            Map.of()));
  }

  @Override
  public void register(Javalin app) {
    app.post("/api/v2/login", this::login);
    app.post("/api/v2/logout", this::logout);
    app.get("/api/v2/me", this::me);
    app.get(
        "/api/v2/users",
        ctx -> ctx.json(Map.of("items", ids.users().stream().map(AuthRoutes::user).toList())));
    app.post("/api/v2/users", this::createUser);
    app.get(
        "/api/v2/users/{userId}",
        ctx -> ctx.json(user(ids.user(userId(ctx)).orElseThrow(AuthRoutes::noUser))));
    app.patch("/api/v2/users/{userId}", this::updateUser);
    app.delete(
        "/api/v2/users/{userId}",
        ctx -> {
          ids.deleteUser(userId(ctx));
          ctx.status(204);
        });
    app.put("/api/v2/users/{userId}/grants/{server}", this::grants);
    app.get("/api/v2/keys", this::keys);
    app.post("/api/v2/keys", this::createKey);
    app.delete("/api/v2/keys/{keyId}", this::revoke);
    app.exception(
        AuthException.class,
        (e, ctx) -> {
          String type =
              switch (e.kind()) {
                case INVALID -> "invalid-request";
                case UNAUTHORIZED -> "unauthorized";
                case FORBIDDEN -> "forbidden";
                case NOT_FOUND -> "not-found";
                case CONFLICT -> "conflict";
                case LOCKED -> "rate-limited";
              };
          HttpServer.renderProblem(ctx, Problem.of(type, e.kind().status(), e.getMessage()));
        });
  }

  // ------------------------------------------------------------ login

  private void login(Context ctx) {
    JsonInput in = JsonInput.parse(ctx.body());
    String name = in.requiredString("name", 32, null, null);
    String password = in.requiredString("password", 256, null, null);
    in.finish();
    String account = "account:" + name;
    String address = HttpServer.clientAddress(ctx);
    Duration locked = throttle.retryAfter(address);
    Duration accountLocked = throttle.retryAfter(account);
    locked = accountLocked.compareTo(locked) > 0 ? accountLocked : locked;
    if (locked.isPositive()) {
      // passwords can be guessed: a lock-out refuses even the right one; counted, not one entry
      // each
      failures.refused(
          FailureTally.Kind.THROTTLED,
          address,
          null,
          ctx.path(),
          IdentityService.NAME.matcher(name).matches() ? "user:" + name : null,
          clock.instant().plus(locked));
      ctx.header("Retry-After", HttpServer.retryAfterSeconds(locked));
      throw new AuthException(
          AuthException.Kind.LOCKED, "Too many failed logins; try again later.");
    }
    var user = ids.checkPassword(name, password.toCharArray());
    if (user.isEmpty()) {
      if (throttle.recordFailure(address)) {
        failures.lockedOut(address, address, throttle.lockout(), null);
      }
      if (throttle.recordFailure(account)) {
        failures.lockedOut(address, account, throttle.lockout(), null);
      }
      auditLogin(ctx, name, "failure");
      throttle.slowDown(address, account);
      throw new AuthException(AuthException.Kind.UNAUTHORIZED, "Wrong name or password.");
    }
    throttle.recordSuccess(account);
    auditLogin(ctx, name, "success");
    IdentityService.Session s = ids.openSession(user.get().id());
    Cookie c = new Cookie(AuthGuard.SESSION_COOKIE, s.token());
    c.setHttpOnly(true);
    c.setSameSite(SameSite.STRICT);
    c.setPath("/");
    c.setMaxAge((int) IdentityService.SESSION_TTL.toSeconds());
    c.setSecure(
        "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto")) || ctx.scheme().equals("https"));
    ctx.cookie(c);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("user", user(user.get()));
    m.put("csrfToken", s.csrf());
    m.put("expiresAt", s.expiresAt().toString());
    ctx.json(m);
  }

  private void logout(Context ctx) {
    ids.closeSession(ctx.cookie(AuthGuard.SESSION_COOKIE));
    ctx.removeCookie(AuthGuard.SESSION_COOKIE, "/");
    ctx.status(204);
  }

  private void me(Context ctx) {
    Principal p = principal(ctx);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", p.name());
    m.put("role", p.role().wire());
    m.put("keyId", p.keyId());
    m.put("permissions", p.permissions().stream().map(Permission::wire).sorted().toList());
    Map<String, List<String>> grants = new LinkedHashMap<>();
    p.grants()
        .forEach((s, ps) -> grants.put(s, ps.stream().map(Permission::wire).sorted().toList()));
    m.put("grants", grants);
    m.put("passwordChangeRequired", ids.passwordChangeRequired(p.userId()));
    m.put("userId", p.userId());
    ctx.json(m);
  }

  // ------------------------------------------------------------ users

  private void createUser(Context ctx) {
    JsonInput in = JsonInput.parse(ctx.body());
    String name =
        in.requiredString("name", 32, IdentityService.NAME, "must be 1-32 of a-z, 0-9, _ . -");
    String password = in.requiredString("password", 256, null, null);
    String role =
        in.requiredString(
            "role",
            16,
            Pattern.compile("owner|admin|operator|viewer"),
            "must be owner, admin, operator or viewer");
    in.finish();
    Principal p = principal(ctx);
    if (Role.fromWire(role) == Role.OWNER && p.role() != Role.OWNER) {
      throw new AuthException(AuthException.Kind.FORBIDDEN, "Only an owner can create an owner.");
    }
    User u = ids.createUser(name, password.toCharArray(), Role.fromWire(role));
    ctx.status(201).json(user(u));
  }

  private void updateUser(Context ctx) {
    long id = userId(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    String role =
        in.string(
                "role",
                16,
                Pattern.compile("owner|admin|operator|viewer"),
                "must be owner, admin, operator or viewer")
            .orElse(null);
    Boolean enabled = in.bool("enabled").orElse(null);
    String password = in.string("password", 256).orElse(null);
    in.finish();
    Principal p = principal(ctx);
    User target = ids.user(id).orElseThrow(AuthRoutes::noUser);
    if ((target.role() == Role.OWNER || Role.OWNER.wire().equals(role)) && p.role() != Role.OWNER) {
      throw new AuthException(AuthException.Kind.FORBIDDEN, "Only an owner can change an owner.");
    }
    ctx.json(
        user(
            ids.updateUser(
                id,
                role == null ? null : Role.fromWire(role),
                enabled,
                password == null ? null : password.toCharArray())));
  }

  private void grants(Context ctx) {
    long id = userId(ctx);
    String server = ctx.pathParam("server");
    if (!SERVER.matcher(server).matches()) {
      throw new ProblemException(Problem.invalid("server", "is not a valid server id"));
    }
    JsonInput in = JsonInput.parse(ctx.body());
    Set<Permission> perms = permissions(in, "permissions", true);
    in.finish();
    ctx.json(user(ids.setGrants(id, server, perms)));
  }

  // ------------------------------------------------------------ keys

  private void keys(Context ctx) {
    Principal p = principal(ctx);
    boolean all = "true".equals(ctx.queryParam("all"));
    if (all && !p.may(Permission.KEY_ADMIN, null)) {
      throw new AuthException(AuthException.Kind.FORBIDDEN, "Listing every key needs key.admin.");
    }
    if (!all && p.userId() == null) {
      ctx.json(Map.of("items", List.of()));
      return;
    }
    ctx.json(
        Map.of("items", ids.keys(all ? null : p.userId()).stream().map(AuthRoutes::key).toList()));
  }

  private void createKey(Context ctx) {
    Principal p = principal(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    String name =
        in.requiredString(
            "name",
            64,
            Pattern.compile("[A-Za-z0-9 _.-]{1,64}"),
            "must be 1-64 letters, digits, spaces or _.-");
    Set<Permission> scope = in.has("scope") ? permissions(in, "scope", false) : null;
    String expires = in.string("expiresAt", 40).orElse(null);
    String forUser = in.string("user", 32).orElse(null);
    Instant expiresAt = null;
    if (expires != null) {
      try {
        expiresAt = Instant.parse(expires);
        if (!expiresAt.isAfter(clock.instant())) {
          in.reject("expiresAt", "must be in the future");
        }
      } catch (DateTimeParseException e) {
        in.reject("expiresAt", "must be an RFC 3339 UTC time such as 2027-01-01T00:00:00Z");
      }
    }
    in.finish();
    long owner;
    if (forUser != null) {
      if (!p.may(Permission.KEY_ADMIN, null)) {
        throw new AuthException(
            AuthException.Kind.FORBIDDEN, "Creating a key for another user needs key.admin.");
      }
      User target = ids.findByName(forUser).orElseThrow(AuthRoutes::noUser);
      // a key for someone else must not carry more than the caller holds (an admin minting an
      // owner's key would gain user.admin)
      Set<Permission> carried = EnumSet.noneOf(Permission.class);
      carried.addAll(target.role().permissions());
      if (scope != null) {
        carried.retainAll(scope);
      }
      if (!p.permissions().containsAll(carried)) {
        throw new AuthException(
            AuthException.Kind.FORBIDDEN,
            "A key for " + forUser + " would carry permissions you do not hold; narrow its scope.");
      }
      owner = target.id();
    } else if (p.userId() == null) {
      throw new AuthException(
          AuthException.Kind.INVALID, "The v1 key has no user; name one with \"user\".");
    } else {
      owner = p.userId();
    }
    if (p.userId() != null && owner == p.userId()) {
      // a key for oneself (also when named with "user") is no wider than the caller: a scoped key
      // cannot mint an unscoped one
      if (scope != null && !p.permissions().containsAll(scope)) {
        throw new AuthException(
            AuthException.Kind.INVALID, "A key's scope cannot exceed your own permissions.");
      }
      if (scope == null && !p.permissions().containsAll(p.role().permissions())) {
        scope = p.permissions();
      }
    }
    IdentityService.CreatedKey k = ids.createKey(owner, name, scope, expiresAt);
    Map<String, Object> m = key(k.key());
    m.put("secret", k.secret());
    ctx.status(201).json(m);
  }

  private void revoke(Context ctx) {
    String id = ctx.pathParam("keyId");
    if (!id.matches("[0-9a-f]{12}")) {
      throw new ProblemException(Problem.invalid("keyId", "is not a key id"));
    }
    Principal p = principal(ctx);
    ApiKey k =
        ids.key(id)
            .orElseThrow(() -> new AuthException(AuthException.Kind.NOT_FOUND, "No such key."));
    if (!p.may(Permission.KEY_ADMIN, null) && (p.userId() == null || k.userId() != p.userId())) {
      throw new AuthException(AuthException.Kind.NOT_FOUND, "No such key.");
    }
    ids.revokeKey(id);
    ctx.status(204);
  }

  // ------------------------------------------------------------ mapping

  private static Set<Permission> permissions(JsonInput in, String field, boolean perServerOnly) {
    List<String> raw = in.stringList(field, 32).orElse(List.of());
    Set<Permission> out = EnumSet.noneOf(Permission.class);
    for (String s : raw) {
      try {
        Permission p = Permission.fromWire(s);
        if (perServerOnly && !p.perServer()) {
          in.reject(field, s + " cannot be granted on one server");
        }
        out.add(p);
      } catch (IllegalArgumentException e) {
        in.reject(field, "has an unknown permission: " + (s.matches("[a-z._]{1,40}") ? s : "?"));
      }
    }
    return out;
  }

  static Principal principal(Context ctx) {
    Object p = ctx.attribute(HttpServer.PRINCIPAL);
    if (p instanceof Principal pr) {
      return pr;
    }
    throw new AuthException(AuthException.Kind.UNAUTHORIZED, "Not authenticated.");
  }

  private static long userId(Context ctx) {
    String s = ctx.pathParam("userId");
    if (!s.matches("[0-9]{1,12}")) {
      throw new ProblemException(Problem.invalid("userId", "must be a number"));
    }
    return Long.parseLong(s);
  }

  private static AuthException noUser() {
    return new AuthException(AuthException.Kind.NOT_FOUND, "No such user.");
  }

  static Map<String, Object> user(User u) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", u.id());
    m.put("name", u.name());
    m.put("role", u.role().wire());
    m.put("enabled", u.enabled());
    m.put("createdAt", u.createdAt().toString());
    Map<String, List<String>> grants = new LinkedHashMap<>();
    u.grants()
        .forEach((s, ps) -> grants.put(s, ps.stream().map(Permission::wire).sorted().toList()));
    m.put("grants", grants);
    return m;
  }

  static Map<String, Object> key(ApiKey k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", k.id());
    m.put("user", k.userName());
    m.put("name", k.name());
    m.put(
        "scope",
        k.scope() == null ? null : k.scope().stream().map(Permission::wire).sorted().toList());
    m.put("expiresAt", str(k.expiresAt()));
    m.put("createdAt", str(k.createdAt()));
    m.put("lastUsedAt", str(k.lastUsedAt()));
    m.put("revokedAt", str(k.revokedAt()));
    return m;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }
}
