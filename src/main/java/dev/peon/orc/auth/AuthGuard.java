package dev.peon.orc.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.audit.AuditLog;
import dev.peon.orc.config.Secret;
import dev.peon.orc.http.Guard;
import dev.peon.orc.http.Permissions;
import dev.peon.orc.notify.WebhookUrl;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge guard: who is calling (PEON v1 key, personal API key, or browser session with CSRF
 * token), whether the route's permission is held, and one audit entry per changing request or
 * refused permission. Authentication failures are throttled per client address and per key id, and
 * audited in aggregate.
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
  private final FailureTally failures;
  private final Clock clock;
  private final ObjectMapper mapper = new ObjectMapper();

  public AuthGuard(
      IdentityService identities,
      Secret v1Key,
      Role v1Role,
      AuthThrottle throttle,
      AuditLog audit) {
    this(identities, v1Key, v1Role, throttle, audit, Clock.systemUTC());
  }

  public AuthGuard(
      IdentityService identities,
      Secret v1Key,
      Role v1Role,
      AuthThrottle throttle,
      AuditLog audit,
      Clock clock) {
    this.identities = identities;
    this.v1Key = v1Key;
    this.v1Role = v1Role;
    this.throttle = throttle;
    this.audit = audit;
    this.clock = clock;
    this.failures = new FailureTally(audit, clock);
  }

  public RoutePolicy policy() {
    return policy;
  }

  public AuthThrottle throttle() {
    return throttle;
  }

  /**
   * Who is calling. A key or session that verifies is let through even while its address or its key
   * id is locked out (one bad client behind a shared proxy must not lock out the rest); a failure
   * during a lock-out is refused with 429 unread and uncounted, any other failure counts against
   * the address and the key id and is slowed down. Refusals are audited in aggregate ({@link
   * FailureTally}).
   */
  @Override
  public Authentication authenticate(Caller caller) {
    failures.flushDue();
    String address = caller.address();
    String key = caller.header().apply("X-Api-Key");
    String authz = caller.header().apply("Authorization");
    boolean v2 = caller.path().startsWith("/api/v2/");
    if (key == null && v2 && authz != null && authz.startsWith("Bearer ")) {
      key = authz.substring("Bearer ".length()).trim();
    }
    String keyId = key == null ? null : IdentityService.publicKeyId(key);
    // only our own keys name themselves; the v1 key and garbage count against the address alone
    String credential = keyId == null ? null : "key:" + keyId;
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
    if (p.isPresent()) {
      throttle.recordSuccess(address);
      if (credential != null) {
        throttle.recordSuccess(credential);
      }
      return new Authentication(Outcome.ALLOWED, p.get(), null);
    }
    boolean presentedSomething = key != null || caller.cookie().apply(SESSION_COOKIE) != null;
    Duration locked = throttle.retryAfter(address);
    if (credential != null) {
      Duration c = throttle.retryAfter(credential);
      locked = c.compareTo(locked) > 0 ? c : locked;
    }
    String path = caller.path();
    if (locked.isPositive()) {
      failures.refused(
          FailureTally.Kind.THROTTLED, address, keyId, path, clock.instant().plus(locked));
      return new Authentication(Outcome.THROTTLED, null, null, locked);
    }
    if (presentedSomething) {
      // only wrong credentials count towards a lock-out, not a page asking before login
      failures.refused(FailureTally.Kind.WRONG_CREDENTIAL, address, keyId, path, null);
      if (throttle.recordFailure(address)) {
        failures.lockedOut(address, address, throttle.lockout(), keyId);
      }
      if (credential != null && throttle.recordFailure(credential)) {
        failures.lockedOut(address, credential, throttle.lockout(), keyId);
      }
      if (credential != null) {
        throttle.slowDown(address, credential);
      } else {
        throttle.slowDown(address);
      }
    } else {
      failures.refused(FailureTally.Kind.NO_CREDENTIAL, address, null, path, null);
    }
    LOG.atWarn()
        .addKeyValue("address", address)
        .addKeyValue("keyPresent", key != null)
        .addKeyValue("keyId", keyId)
        .log("authentication failed");
    return new Authentication(Outcome.DENIED, null, null);
  }

  /** Refused authentication, audited in aggregate. */
  public FailureTally failures() {
    return failures;
  }

  /** Bodies up to this size (as redacted JSON) are kept whole; larger ones are cut. */
  static final int MAX_BODY_CHARS = 16_384;

  /** What the audit log keeps of a size cut body: its start, as redacted JSON text. */
  static final int TRUNCATED_CHARS = 4_096;

  /**
   * The body as the audit log keeps it: the parsed object (never the raw text, so padding cannot
   * push it out), redacted, and when its redacted JSON is over {@value #MAX_BODY_CHARS} characters
   * the start of that text with {@code "truncated": true}.
   */
  Object auditedBody(String action, String raw) {
    JsonNode n;
    try {
      n = mapper.readTree(raw);
    } catch (java.io.IOException e) {
      return Map.of("notJson", true, "length", raw.length());
    }
    if (n == null || !n.isObject()) {
      return "(not an object)";
    }
    if (action.equals("server.command") && n.path("text").isTextual()) {
      // a typed line may carry a password: keep only its first word and length
      String text = n.path("text").asText();
      return Map.of("verb", text.strip().split("\\s+", 2)[0], "length", text.length());
    }
    if (action.startsWith("webhook.") && n.path("url").isTextual()) {
      // a webhook URL may embed its token (Discord does): audited masked, never whole
      String url = n.path("url").asText();
      String masked;
      try {
        masked = WebhookUrl.parse(url).masked();
      } catch (IllegalArgumentException e) {
        masked = "(invalid URL, " + url.length() + " characters)";
      }
      ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("url", masked);
    }
    Object body = AuditLog.redacted(mapper.convertValue(n, Map.class));
    String json;
    try {
      json = mapper.writeValueAsString(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return "(not JSON)";
    }
    if (json.length() <= MAX_BODY_CHARS) {
      return body;
    }
    Map<String, Object> cut = new LinkedHashMap<>();
    cut.put("truncated", true);
    cut.put("length", json.length());
    cut.put("start", json.substring(0, TRUNCATED_CHARS));
    return cut;
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
  public boolean stillValid(Object principal) {
    return principal instanceof Principal p && identities.stillValid(p);
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
    if (p == null && (c.status() == 401 || c.status() == 429)) {
      return; // refused at authentication: counted by the failure tally, not one entry each
    }
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
      params.put("body", auditedBody(action, c.body()));
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
