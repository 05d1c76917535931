package dev.peon.orc.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.audit.AuditLog;
import dev.peon.orc.config.Secret;
import dev.peon.orc.http.Guard;
import dev.peon.orc.http.Permissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge guard: who is calling (PEON v1 key, personal API key, or browser session with CSRF
 * token), whether the route's permission is held, and one audit entry per changing or refused
 * request. Failures are throttled per source address.
 */
public final class AuthGuard implements Guard {
  private static final Logger LOG = LoggerFactory.getLogger(AuthGuard.class);
  public static final String SESSION_COOKIE = "peon_session";
  public static final String CSRF_HEADER = "X-CSRF-Token";

  private final IdentityService identities;
  private final Secret v1Key;
  private final Role v1Role;
  private final AuthThrottle throttle;
  private final AuditLog audit;
  private final RoutePolicy policy = new RoutePolicy();
  private final ObjectMapper mapper = new ObjectMapper();

  public AuthGuard(
      IdentityService identities,
      Secret v1Key,
      Role v1Role,
      AuthThrottle throttle,
      AuditLog audit) {
    this.identities = identities;
    this.v1Key = v1Key;
    this.v1Role = v1Role;
    this.throttle = throttle;
    this.audit = audit;
  }

  public RoutePolicy policy() {
    return policy;
  }

  public AuthThrottle throttle() {
    return throttle;
  }

  @Override
  public Authentication authenticate(Caller caller) {
    if (throttle.isBlocked(caller.address())) {
      return new Authentication(Outcome.THROTTLED, null, null);
    }
    String key = caller.header().apply("X-Api-Key");
    String authz = caller.header().apply("Authorization");
    boolean v2 = caller.path().startsWith("/api/v2/");
    if (key == null && v2 && authz != null && authz.startsWith("Bearer ")) {
      key = authz.substring("Bearer ".length()).trim();
    }
    Optional<Principal> p = Optional.empty();
    if (key != null) {
      if (v1Key != null && v1Key.matches(key)) {
        p = Optional.of(IdentityService.v1Principal(v1Role));
      } else {
        p = identities.authenticateKey(key);
      }
    } else {
      String token = caller.cookie().apply(SESSION_COOKIE);
      Optional<IdentityService.Session> s = identities.session(token);
      if (s.isPresent()) {
        if (changing(caller.method())
            && !s.get().csrf().equals(caller.header().apply(CSRF_HEADER))) {
          return new Authentication(
              Outcome.FORBIDDEN,
              null,
              "A changing request with a session needs " + CSRF_HEADER + ".");
        }
        p =
            identities
                .user(s.get().userId())
                .filter(User::enabled)
                .map(u -> identities.principal(u, null, null));
      }
    }
    if (p.isEmpty()) {
      boolean presentedSomething = key != null || caller.cookie().apply(SESSION_COOKIE) != null;
      if (presentedSomething) {
        // only wrong credentials count towards a lock-out, not a page asking before login
        throttle.recordFailure(caller.address());
        throttle.slowDown(caller.address());
      }
      LOG.atWarn()
          .addKeyValue("address", caller.address())
          .addKeyValue("keyPresent", key != null)
          .log("authentication failed");
      return new Authentication(Outcome.DENIED, null, null);
    }
    throttle.recordSuccess(caller.address());
    return new Authentication(Outcome.ALLOWED, p.get(), null);
  }

  static boolean changing(String method) {
    return !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
  }

  @Override
  public boolean permits(
      Object principal, String method, String route, Map<String, String> params) {
    if (!(principal instanceof Principal p)) {
      return false;
    }
    Optional<RoutePolicy.Rule> rule = policy.rule(method, route);
    if (rule.isEmpty()) {
      LOG.atWarn().addKeyValue("route", method + " " + route).log("route without a policy refused");
      return false;
    }
    Permission needed = RoutePolicy.effective(rule.get(), method, params);
    if (needed == null) {
      return true;
    }
    String server = rule.get().serverParam() == null ? null : params.get(rule.get().serverParam());
    return p.may(needed, server);
  }

  @Override
  public Permissions permissions(Object principal) {
    if (!(principal instanceof Principal p)) {
      return (perm, server) -> false;
    }
    return (perm, server) -> {
      try {
        return p.may(Permission.fromWire(perm), server);
      } catch (IllegalArgumentException e) {
        return false;
      }
    };
  }

  @Override
  public void completed(Completed c) {
    Principal p = c.principal() instanceof Principal pr ? pr : null;
    Optional<RoutePolicy.Rule> rule = policy.rule(c.caller().method(), c.route());
    String action =
        rule.map(r -> RoutePolicy.action(r, c.pathParams()))
            .orElse(c.status() == 401 || c.status() == 429 ? "auth.failed" : "request");
    String target = null;
    if (rule.isPresent() && rule.get().serverParam() != null) {
      target = c.pathParams().get(rule.get().serverParam());
    } else if (!c.pathParams().isEmpty()) {
      target = String.join("/", c.pathParams().values());
    }
    String outcome =
        c.status() < 400
            ? "success"
            : (c.status() == 401 || c.status() == 403 || c.status() == 429) ? "denied" : "failure";
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("method", c.caller().method());
    params.put("path", c.caller().path());
    params.put("status", c.status());
    if (c.body() != null && !c.body().isBlank()) {
      try {
        JsonNode n = mapper.readTree(c.body());
        Object body = n.isObject() ? mapper.convertValue(n, Map.class) : "(not an object)";
        if (action.equals("server.command") && n.path("text").isTextual()) {
          // a typed line may carry a password: keep only its first word and length
          String text = n.path("text").asText();
          body = Map.of("verb", text.strip().split("\\s+", 2)[0], "length", text.length());
        }
        params.put("body", body);
      } catch (java.io.IOException e) {
        params.put("body", "(not JSON)");
      }
    }
    audit.append(
        new AuditLog.Record(
            p == null ? "anonymous" : p.actor(),
            p == null ? null : p.keyId(),
            c.caller().address(),
            c.caller().requestId(),
            action,
            target,
            outcome,
            params));
  }
}
