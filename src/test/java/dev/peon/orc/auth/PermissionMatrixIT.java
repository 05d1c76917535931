package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.auth.OrcHarness.Res;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.Operations;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The permission matrix of issue 6, against a real orchestrator: every registered route (v1, v2,
 * WebSockets) called by every role, by an operator on a granted and on a non-granted server, by a
 * scoped key, by the v1 key and by nobody; each answer is 403 exactly when the catalogue ({@link
 * RoutePolicy} + {@link Role} + grants + key scope) says the permission is missing. Every changing
 * or refused call must leave exactly one audit entry with the right actor, action, target, outcome
 * and request id, and no response or audit entry shows a secret to those without the right.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PermissionMatrixIT {
  private static final String GAME = "permgame";
  private static final String ALPHA = GAME + ".alpha";
  private static final String BETA = GAME + ".beta";
  private static final String SECRET = "Sup3r-" + HexFormat.of().toHexDigits(System.nanoTime());
  private static final String USER_PASSWORD = "user-pass-" + Long.toHexString(System.nanoTime());
  private static final Set<String> PUBLIC =
      Set.of("/api/v2/login", "/api/v2/openapi.json", "/api/docs");

  /** Granted to the operator on ALPHA: server.settings and schedule.write exceed its role. */
  private static final Set<Permission> OPERATOR_GRANT =
      EnumSet.of(
          Permission.SERVER_POWER,
          Permission.SERVER_CONSOLE,
          Permission.SERVER_UPDATE,
          Permission.SERVER_SETTINGS,
          Permission.SCHEDULE_WRITE,
          Permission.BACKUP_READ,
          Permission.BACKUP_CREATE);

  private OrcHarness h;
  private final RoutePolicy policy = new RoutePolicy();
  private final List<Who> principals = new ArrayList<>();
  private final Map<String, Long> userIds = new LinkedHashMap<>();
  private final Set<String> secretsToHide = new LinkedHashSet<>();
  private final Map<String, Long> fixtureSchedule = new LinkedHashMap<>();
  private String opId;
  private final AtomicInteger seq = new AtomicInteger();
  private final List<Sent> sent = new ArrayList<>();
  private final Set<String> exercised = new TreeSet<>();

  /** A caller: how it authenticates and what the catalogue gives it. */
  private final class Who {
    final String label;
    final Role role;
    final Set<Permission> scope; // null = the whole role
    final Map<String, Set<Permission>> grants;
    final String actor;
    String key; // personal or v1 key, or null for a session
    String keyId;
    OrcHarness.Session session;

    Who(
        String label,
        Role role,
        Set<Permission> scope,
        Map<String, Set<Permission>> grants,
        String actor) {
      this.label = label;
      this.role = role;
      this.scope = scope;
      this.grants = grants;
      this.actor = actor;
    }

    Map<String, String> headers(String method) {
      Map<String, String> m = new LinkedHashMap<>();
      if (key != null) {
        m.put("X-Api-Key", key);
      } else if (session != null) {
        m.put("Cookie", session.cookie());
        if (!method.equals("GET")) {
          m.put(AuthGuard.CSRF_HEADER, session.csrf());
        }
      }
      return m;
    }

    /**
     * The catalogue, restated: role, narrowed by scope; an operator's server rights need a grant.
     */
    boolean holds(Permission p, String server) {
      if (role == null) {
        return false;
      }
      if (!role.permissions().contains(p) || (scope != null && !scope.contains(p))) {
        return false;
      }
      boolean readAnywhere = p == Permission.SERVER_READ || p == Permission.SCHEDULE_READ;
      if (role == Role.OPERATOR && p.perServer() && server != null && !readAnywhere) {
        return grants.getOrDefault(server, Set.of()).contains(p);
      }
      return true;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** One request of the matrix, remembered for the audit check. */
  private record Sent(
      String requestId,
      String method,
      String route,
      String path,
      Map<String, String> params,
      Who who,
      int status) {}

  @BeforeAll
  void start() throws Exception {
    h = new OrcHarness(GAME, "10.223.0.0/20", Clock.systemUTC());
    h.start();
    secretsToHide.add(OrcHarness.OWNER_PASSWORD);
    secretsToHide.add(USER_PASSWORD);
    secretsToHide.add(SECRET);
    secretsToHide.add(h.v1Key);
    String ownerKey = h.ownerKey();
    secretsToHide.add(ownerKey);

    Res a =
        h.ownerCall(
            "POST",
            "/api/v2/servers",
            "{\"game\": \"%s\", \"name\": \"alpha\", \"settings\": {\"SERVER_PASSWORD\": \"%s\"}}"
                .formatted(GAME, SECRET));
    assertThat(a.status()).as(a.text()).isEqualTo(202);
    Operations.awaitResult(p -> h.ownerCall("GET", p, null).json(), a.json());
    Res b =
        h.ownerCall(
            "POST", "/api/v2/servers", "{\"game\": \"%s\", \"name\": \"beta\"}".formatted(GAME));
    assertThat(b.status()).as(b.text()).isEqualTo(202);
    Operations.awaitResult(p -> h.ownerCall("GET", p, null).json(), b.json());
    assertThat(
            h.ownerCall("POST", "/api/v2/servers/" + ALPHA + "/power", "{\"action\": \"start\"}")
                .status())
        .isEqualTo(202);
    await(
        () -> {
          JsonNode s = h.ownerCall("GET", "/api/v2/servers/" + ALPHA, null).json();
          return s.path("state").asText().equals("running")
              && SECRET.equals(s.path("config").path("password").asText().trim());
        });

    for (String[] u :
        new String[][] {
          {"adm", "admin"}, {"ops", "operator"}, {"vie", "viewer"}, {"scratch", "viewer"}
        }) {
      Res r =
          h.ownerCall(
              "POST",
              "/api/v2/users",
              "{\"name\": \"%s\", \"password\": \"%s\", \"role\": \"%s\"}"
                  .formatted(u[0], USER_PASSWORD, u[1]));
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      userIds.put(u[0], r.json().get("id").asLong());
    }
    Res g =
        h.ownerCall(
            "PUT",
            "/api/v2/users/" + userIds.get("ops") + "/grants/" + ALPHA,
            "{\"permissions\": [%s]}"
                .formatted(
                    OPERATOR_GRANT.stream()
                        .map(p -> "\"" + p.wire() + "\"")
                        .collect(Collectors.joining(","))));
    assertThat(g.status()).as(g.text()).isEqualTo(200);

    Who owner = new Who("owner-key", Role.OWNER, null, Map.of(), "user:owner");
    owner.key = ownerKey;
    owner.keyId = keyId(ownerKey);
    Who session = new Who("owner-session", Role.OWNER, null, Map.of(), "user:owner");
    session.session = h.login("127.0.0.1", "owner", OrcHarness.OWNER_PASSWORD);
    Who admin = userKey("admin-key", "adm", Role.ADMIN, null, Map.of());
    Who operator =
        userKey("operator-key", "ops", Role.OPERATOR, null, Map.of(ALPHA, OPERATOR_GRANT));
    Who viewer = userKey("viewer-key", "vie", Role.VIEWER, null, Map.of());
    Who scoped =
        userKey("scoped-key", "adm", Role.ADMIN, EnumSet.of(Permission.SERVER_READ), Map.of());
    Who v1 = new Who("v1-key", Role.ADMIN, null, Map.of(), "v1-key");
    v1.key = h.v1Key;
    principals.addAll(List.of(owner, session, admin, operator, viewer, scoped, v1));

    for (String s : List.of(ALPHA, BETA)) {
      Res r =
          h.ownerCall(
              "POST",
              "/api/v2/servers/" + s + "/schedules",
              "{\"action\": \"stop\", \"cron\": \"0 0 1 1 *\"}");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      fixtureSchedule.put(s, r.json().get("id").asLong());
    }
    Res op = h.ownerCall("POST", "/api/v2/plans/sync", null);
    assertThat(op.status()).as(op.text()).isEqualTo(202);
    opId = op.json().get("id").asText();
  }

  private Who userKey(
      String label,
      String user,
      Role role,
      Set<Permission> scope,
      Map<String, Set<Permission>> grants) {
    ObjectNode body = OrcHarness.JSON.createObjectNode().put("name", label).put("user", user);
    if (scope != null) {
      var arr = body.putArray("scope");
      scope.forEach(p -> arr.add(p.wire()));
    }
    Res r = h.ownerCall("POST", "/api/v2/keys", body.toString());
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    Who w = new Who(label, role, scope, grants, "user:" + user);
    w.key = r.json().get("secret").asText();
    w.keyId = r.json().get("id").asText();
    secretsToHide.add(w.key);
    return w;
  }

  private static String keyId(String key) {
    return key.substring(5, 17);
  }

  @AfterAll
  void stop() throws IOException {
    if (h != null) {
      h.close();
    }
  }

  // ------------------------------------------------------------------ secrets

  @Test
  @Order(1)
  void secretsAreShownOnlyToThoseWithServerSecrets() throws Exception {
    // the fake game wrote config/password from SERVER_PASSWORD: the secret is in settings and
    // config
    for (Who w : principals) {
      boolean may = w.holds(Permission.SERVER_SECRETS, ALPHA);
      List<String> gets =
          List.of(
              "/api/v1/servers",
              "/api/1.0/servers",
              "/api/v1/server/info/" + ALPHA,
              "/api/v1/server/stats/" + ALPHA,
              "/api/v2/servers",
              "/api/v2/servers/" + ALPHA,
              "/api/v2/servers/" + ALPHA + "/schedules",
              "/api/v2/operations",
              "/api/v2/operations/" + opId,
              "/api/v2/system",
              "/api/v2/me",
              "/api/v2/keys",
              "/api/v2/users",
              "/api/v2/audit",
              "/api/v2/audit/export");
      for (String path : gets) {
        Res r = h.call("GET", path, null, w.headers("GET"));
        assertThat(r.status()).as(w + " GET " + path).isNotIn(401, 500);
        if (!may || path.startsWith("/api/v1") || path.startsWith("/api/1.0")) {
          assertThat(r.text()).as(w + " GET " + path).doesNotContain(SECRET);
        }
      }
      // the v1 save zip holds config.json in clear: only with server.secrets
      Res zip = h.call("GET", "/api/v1/server/save/" + ALPHA, null, w.headers("GET"));
      if (may) {
        assertThat(zip.status()).as(w + " save").isEqualTo(200);
        assertThat(zip.header("Content-Type")).startsWith("application/zip");
      } else {
        assertThat(zip.status()).as(w + " save").isEqualTo(403);
        assertThat(new String(zip.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
      }
      // events replayed from the start
      String events = readStream("/api/v2/events", Map.of("Last-Event-ID", "0"), w);
      assertThat(events).as(w + " events").doesNotContain(SECRET);
      // v2 shows the secret to admins and owners, in settings and in the running config
      JsonNode one = h.call("GET", "/api/v2/servers/" + ALPHA, null, w.headers("GET")).json();
      if (may) {
        assertThat(one.path("settings").path("SERVER_PASSWORD").asText())
            .as(w.label)
            .isEqualTo(SECRET);
        assertThat(one.path("config").path("password").asText().trim())
            .as(w.label)
            .isEqualTo(SECRET);
      } else {
        assertThat(one.path("settings").path("SERVER_PASSWORD").asText())
            .as(w.label)
            .isEqualTo("********");
        assertThat(one.path("config").path("password").asText()).as(w.label).isEqualTo("********");
      }
    }
  }

  /** Reads an event stream for a moment; never fails on the stream ending. */
  private String readStream(String path, Map<String, String> extra, Who w) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.base + path));
    w.headers("GET").forEach(b::header);
    extra.forEach(b::header);
    HttpResponse<InputStream> r =
        h.client("127.0.0.1").send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    StringBuffer out = new StringBuffer();
    InputStream in = r.body();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  byte[] buf = new byte[8192];
                  try {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                      out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                  } catch (IOException e) {
                    // closed below
                  }
                });
    reader.join(1500);
    in.close();
    return r.statusCode() + "\n" + out;
  }

  // ------------------------------------------------------------------ the matrix

  @Test
  @Order(2)
  void everyRouteAnswersExactlyAsTheCatalogueSays() throws Exception {
    List<String> registered = h.app.routes();
    assertThat(registered).as("routes of the running app").isNotEmpty();
    Set<String> guarded = new TreeSet<>();
    Set<String> websockets = new TreeSet<>();
    List<String> withoutRule = new ArrayList<>();
    for (String r : registered) {
      String method = r.substring(0, r.indexOf(' '));
      String path = r.substring(r.indexOf(' ') + 1);
      if (!path.startsWith("/api/") || PUBLIC.contains(path)) {
        continue;
      }
      String key = (method.equals("WS") ? "GET" : method) + " " + path;
      if (method.equals("WS")) {
        websockets.add(key);
      }
      if (policy.rule(key.substring(0, key.indexOf(' ')), path).isEmpty()) {
        withoutRule.add(r);
      }
      guarded.add(key);
    }
    assertThat(withoutRule)
        .as("routes without a RoutePolicy rule (they are refused to all)")
        .isEmpty();

    int calls = 0;
    List<String> mismatches = new ArrayList<>(); // all of them, not just the first
    for (String route : guarded) {
      String method = route.substring(0, route.indexOf(' '));
      String template = route.substring(route.indexOf(' ') + 1);
      RoutePolicy.Rule rule = policy.rule(method, template).orElseThrow();
      for (Variant v : variants(method, template)) {
        for (Who w : principals) {
          List<String> servers =
              rule.serverParam() != null && w.role == Role.OPERATOR && !v.freshServer
                  ? List.of(ALPHA, BETA)
                  : List.of(ALPHA);
          for (String server : servers) {
            Map<String, String> params = params(template, v, server);
            Permission needed = RoutePolicy.effective(rule, method, params);
            String target = rule.serverParam() == null ? null : params.get(rule.serverParam());
            boolean allowed = needed == null || w.holds(needed, target);
            if (allowed && v.throwaway != Throwaway.NONE) {
              params.put(v.throwaway.param, throwaway(v.throwaway));
            }
            String path = expand(template, params) + (v.query == null ? "" : "?" + v.query);
            int status =
                websockets.contains(route)
                    ? upgrade(path, w)
                    : send(
                        method,
                        template,
                        path,
                        params,
                        v.body,
                        w,
                        route.equals("GET /api/v2/events"));
            calls++;
            String what =
                w
                    + " "
                    + method
                    + " "
                    + path
                    + " (needs "
                    + (needed == null ? "login" : needed.wire())
                    + ")";
            if (allowed && Set.of(401, 403, 429).contains(status)) {
              mismatches.add(what + " should be allowed but got " + status);
            } else if (!allowed && status != 403) {
              mismatches.add(what + " should be refused but got " + status);
            }
            if (template.equals("/api/v2/logout") && w.session != null) {
              w.session = h.login("127.0.0.1", "owner", OrcHarness.OWNER_PASSWORD);
            }
          }
        }
        // and nobody: no credentials, from a fresh address every few calls so the address
        // throttle (10 failures a minute) never trips
        String anonPath = expand(template, params(template, v, ALPHA));
        int status =
            websockets.contains(route)
                ? upgrade(anonPath, null)
                : send(
                    method,
                    template,
                    anonPath,
                    params(template, v, ALPHA),
                    v.body,
                    null,
                    route.equals("GET /api/v2/events"));
        calls++;
        if (status != 401) {
          mismatches.add(
              "anonymous " + method + " " + anonPath + " should be 401 but got " + status);
        }
      }
      exercised.add(route);
    }
    assertThat(mismatches).as("answers that differ from the catalogue").isEmpty();
    Set<String> policyRegistered = new TreeSet<>(policy.routes());
    policyRegistered.retainAll(guarded);
    assertThat(exercised)
        .as("every catalogued and registered route is exercised")
        .containsAll(policyRegistered);
    System.out.printf(
        "permission matrix: %d routes (%d WebSocket) x %d principals + anonymous, %d calls%n",
        guarded.size(), websockets.size(), principals.size(), calls);
  }

  // ------------------------------------------------------------------ audit of the matrix

  @Test
  @Order(3)
  void everyChangingOrRefusedCallLeftExactlyOneTrueAuditEntry() throws Exception {
    assertThat(sent).isNotEmpty();
    Map<String, List<JsonNode>> byRequest = new LinkedHashMap<>();
    // the audit is written when the request finishes, possibly after the answer went out
    await(
        () -> {
          byRequest.clear();
          Res export = h.ownerCall("GET", "/api/v2/audit/export", null);
          for (String line : export.text().split("\n")) {
            if (!line.isBlank()) {
              JsonNode e = parse(line);
              byRequest
                  .computeIfAbsent(e.path("requestId").asText(), k -> new ArrayList<>())
                  .add(e);
            }
          }
          Sent last = sent.get(sent.size() - 1);
          return !expectsEntry(last) || byRequest.containsKey(last.requestId());
        });
    List<String> problems = new ArrayList<>();
    for (Sent s : sent) {
      List<JsonNode> entries = byRequest.getOrDefault(s.requestId(), List.of());
      String what =
          (s.who() == null ? "anonymous" : s.who().label)
              + " "
              + s.method()
              + " "
              + s.path()
              + " -> "
              + s.status();
      if (!expectsEntry(s)) {
        if (!entries.isEmpty()) {
          problems.add(what + ": a successful read or a refused authentication was audited");
        }
        continue;
      }
      if (entries.size() != 1) {
        problems.add(what + ": " + entries.size() + " entries");
        continue;
      }
      JsonNode e = entries.get(0);
      RoutePolicy.Rule rule = policy.rule(s.method(), s.route()).orElseThrow();
      String action = RoutePolicy.action(rule, s.params());
      String target =
          rule.serverParam() != null
              ? s.params().get(rule.serverParam())
              : s.params().isEmpty() ? null : String.join("/", s.params().values());
      if (!s.path().equals(e.path("params").path("path").asText())) {
        problems.add(what + ": path " + e.path("params").path("path"));
      }
      String outcome =
          s.status() < 400
              ? "success"
              : Set.of(401, 403, 429).contains(s.status()) ? "denied" : "failure";
      String actor = s.who() == null ? "anonymous" : s.who().actor;
      String keyId = s.who() == null ? null : s.who().keyId;
      if (!action.equals(e.path("action").asText())) {
        problems.add(what + ": action " + e.path("action") + " != " + action);
      }
      if (!actor.equals(e.path("actor").asText())) {
        problems.add(what + ": actor " + e.path("actor") + " != " + actor);
      }
      if (!String.valueOf(target)
          .equals(e.path("target").isNull() ? "null" : e.path("target").asText())) {
        problems.add(what + ": target " + e.path("target") + " != " + target);
      }
      if (!outcome.equals(e.path("outcome").asText())) {
        problems.add(what + ": outcome " + e.path("outcome") + " != " + outcome);
      }
      if (!String.valueOf(keyId)
          .equals(e.path("keyId").isNull() ? "null" : e.path("keyId").asText())) {
        problems.add(what + ": keyId " + e.path("keyId") + " != " + keyId);
      }
      if (e.path("params").path("status").asInt() != s.status()) {
        problems.add(what + ": status " + e.path("params").path("status"));
      }
    }
    assertThat(problems).isEmpty();
    // and no secret (user passwords, key secrets, the v1 key, server settings) in the whole log
    String all = h.ownerCall("GET", "/api/v2/audit/export", null).text();
    for (String secret : secretsToHide) {
      assertThat(all).as("the audit export shows a secret").doesNotContain(secret);
    }
    Res verify = h.ownerCall("GET", "/api/v2/audit/verify", null);
    assertThat(verify.status()).as(verify.text()).isEqualTo(200);
  }

  @Test
  @Order(4)
  void aScopedKeyCannotMintAKeyWiderThanItself() {
    Who scoped =
        principals.stream().filter(w -> w.label.equals("scoped-key")).findFirst().orElseThrow();
    Res minted = h.call("POST", "/api/v2/keys", "{\"name\": \"minted\"}", scoped.headers("POST"));
    assertThat(minted.status()).as(minted.text()).isEqualTo(201);
    String k = minted.json().get("secret").asText();
    secretsToHide.add(k);
    assertThat(minted.json().get("scope").toString()).isEqualTo("[\"server.read\"]");
    assertThat(h.call("GET", "/api/v2/plans", null, OrcHarness.key(k)).status()).isEqualTo(403);
    assertThat(h.call("GET", "/api/v2/servers", null, OrcHarness.key(k)).status()).isEqualTo(200);
    Res wider =
        h.call(
            "POST",
            "/api/v2/keys",
            "{\"name\": \"wider\", \"scope\": [\"plan.read\"]}",
            scoped.headers("POST"));
    assertThat(wider.status()).as(wider.text()).isEqualTo(400);
    Res forOther =
        h.call(
            "POST",
            "/api/v2/keys",
            "{\"name\": \"other\", \"user\": \"owner\"}",
            scoped.headers("POST"));
    assertThat(forOther.status()).as(forOther.text()).isEqualTo(403);
  }

  @Test
  @Order(5)
  void aSessionNeedsItsCsrfTokenToChangeAnything() {
    OrcHarness.Session s = h.login("127.0.0.1", "owner", OrcHarness.OWNER_PASSWORD);
    Res without =
        h.call(
            "PATCH",
            "/api/v2/servers/" + ALPHA,
            "{\"description\": \"csrf\"}",
            Map.of("Cookie", s.cookie(), "X-Request-Id", "csrf-missing"));
    assertThat(without.status()).isEqualTo(403);
    Res wrong =
        h.call(
            "PATCH",
            "/api/v2/servers/" + ALPHA,
            "{\"description\": \"csrf\"}",
            Map.of(
                "Cookie", s.cookie(), AuthGuard.CSRF_HEADER, "nope", "X-Request-Id", "csrf-wrong"));
    assertThat(wrong.status()).isEqualTo(403);
    Res right =
        h.call(
            "PATCH",
            "/api/v2/servers/" + ALPHA,
            "{\"description\": \"csrf\"}",
            Map.of("Cookie", s.cookie(), AuthGuard.CSRF_HEADER, s.csrf()));
    assertThat(right.status()).isEqualTo(200);
    await(
        () -> {
          String log = h.ownerCall("GET", "/api/v2/audit?outcome=denied&limit=1000", null).text();
          return log.contains("csrf-missing") && log.contains("csrf-wrong");
        });
  }

  @Test
  @Order(6)
  void aSessionCookieAloneNeverOpensAConsoleFromAnyOrigin() throws Exception {
    OrcHarness.Session s = h.login("127.0.0.1", "owner", OrcHarness.OWNER_PASSWORD);
    for (String path :
        List.of("/api/v2/servers/" + ALPHA + "/console", "/api/v1/ws/console/" + ALPHA)) {
      for (String origin : List.of("http://evil.example", h.base)) {
        var b =
            h.client("127.0.0.1")
                .newWebSocketBuilder()
                .header("Cookie", s.cookie())
                .header("Origin", origin);
        int status;
        try {
          b.buildAsync(
                  URI.create(h.base.replace("http://", "ws://") + path),
                  new WebSocket.Listener() {})
              .get(20, TimeUnit.SECONDS)
              .abort();
          status = 101;
        } catch (ExecutionException e) {
          status =
              e.getCause() instanceof WebSocketHandshakeException hs
                  ? hs.getResponse().statusCode()
                  : -1;
        }
        assertThat(status).as(path + " from " + origin).isEqualTo(401);
      }
    }
    // the browser way still works: a ticket asked for with cookie + CSRF
    Res t =
        h.call(
            "POST",
            "/api/v2/console/tickets",
            "{}",
            Map.of("Cookie", s.cookie(), AuthGuard.CSRF_HEADER, s.csrf()));
    assertThat(t.status()).isEqualTo(201);
    h.client("127.0.0.1")
        .newWebSocketBuilder()
        .buildAsync(
            URI.create(
                h.base.replace("http://", "ws://")
                    + "/api/v2/servers/"
                    + ALPHA
                    + "/console?ticket="
                    + t.json().path("ticket").asText()),
            new WebSocket.Listener() {})
        .get(20, TimeUnit.SECONDS)
        .abort();
  }

  /**
   * Changing calls and refused permissions are audited one by one; refused authentication (401,
   * 429) is audited in aggregate per client address (auth.lockout, auth.failed), never one entry
   * per request.
   */
  private static boolean expectsEntry(Sent s) {
    if (s.status() == 401 || s.status() == 429) {
      return false;
    }
    return !s.method().equals("GET") || s.status() == 403;
  }

  private static JsonNode parse(String line) {
    try {
      return OrcHarness.JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalStateException(line, e);
    }
  }

  // ------------------------------------------------------------------ requests

  /** What stands in for a real resource when a call would destroy it. */
  private enum Throwaway {
    NONE(null),
    SERVER_ID("id"),
    SERVER_UID("uid"),
    USER("userId"),
    KEY("keyId"),
    SCHEDULE("sid");

    final String param;

    Throwaway(String param) {
      this.param = param;
    }
  }

  private record Variant(
      Map<String, String> fixed,
      String body,
      String query,
      Throwaway throwaway,
      boolean freshServer) {
    static Variant of(String body) {
      return new Variant(Map.of(), body, null, Throwaway.NONE, false);
    }
  }

  /**
   * How each route is called. Mutations are real where cheap and harmless (descriptions, schedules,
   * users, keys, plan syncs, restarts); where they would pull images or need more set-up, an
   * invalid body makes the handler answer 400 after the permission check has passed; deleting
   * routes get a throwaway resource when the caller is allowed. Routes unknown here (say a feature
   * that lands later) get a generic call.
   */
  private List<Variant> variants(String method, String template) {
    String v1 = "/api/(v1|1\\.0)";
    String key = method + " " + template.replaceFirst(v1, "/V1");
    int n = seq.incrementAndGet();
    return switch (key) {
      case "GET /V1/server/{action}/<uid>" ->
          List.of(action("info", null), action("stats", null), action("save", null));
      case "PUT /V1/server/{action}/<uid>" ->
          List.of(
              new Variant(
                  Map.of("action", "create", "uid", GAME + ".mx" + n),
                  "{\"start_later\": true}",
                  null,
                  Throwaway.NONE,
                  true),
              action("start", "{\"epoch_time\": \"not a time\"}"),
              action("stop", "{\"epoch_time\": \"not a time\"}"),
              action("restart", "{}"),
              action("update", "{\"mode\": 5}"),
              action("description", "{\"description\": \"matrix\"}"),
              action("skip", "{}"));
      case "DELETE /V1/server/{action}/<uid>" ->
          List.of(
              new Variant(Map.of("action", "destroy"), "{}", null, Throwaway.SERVER_UID, false),
              new Variant(
                  Map.of("action", "eradicate"),
                  "{\"eradicate\": true}",
                  null,
                  Throwaway.SERVER_UID,
                  false));
      case "POST /V1/server/create" -> List.of(Variant.of("{}"));
      case "POST /api/v2/servers" ->
          List.of(new Variant(Map.of(), "CREATE", null, Throwaway.NONE, false));
      case "PATCH /api/v2/servers/{id}" -> List.of(Variant.of("{\"description\": \"matrix\"}"));
      case "DELETE /api/v2/servers/{id}" ->
          List.of(new Variant(Map.of(), null, null, Throwaway.SERVER_ID, false));
      case "POST /api/v2/servers/{id}/power" -> List.of(Variant.of("{\"action\": \"start\"}"));
      case "POST /api/v2/servers/{id}/update" -> List.of(Variant.of("{\"mode\": \"bogus\"}"));
      case "POST /api/v2/servers/{id}/schedules" ->
          List.of(Variant.of("{\"action\": \"stop\", \"cron\": \"0 0 1 1 *\"}"));
      case "PATCH /api/v2/servers/{id}/schedules/{sid}" ->
          List.of(Variant.of("{\"enabled\": true}"));
      case "DELETE /api/v2/servers/{id}/schedules/{sid}" ->
          List.of(new Variant(Map.of(), null, null, Throwaway.SCHEDULE, false));
      case "POST /api/v2/users" -> List.of(Variant.of("USER"));
      case "PATCH /api/v2/users/{userId}" -> List.of(Variant.of("{\"enabled\": true}"));
      case "DELETE /api/v2/users/{userId}" ->
          List.of(new Variant(Map.of(), null, null, Throwaway.USER, false));
      case "PUT /api/v2/users/{userId}/grants/{server}" ->
          List.of(Variant.of("{\"permissions\": [\"server.read\"]}"));
      case "POST /api/v2/keys" -> List.of(Variant.of("KEY"));
      case "DELETE /api/v2/keys/{keyId}" ->
          List.of(new Variant(Map.of(), null, null, Throwaway.KEY, false));
      default -> List.of(Variant.of(method.equals("GET") || method.equals("DELETE") ? null : "{}"));
    };
  }

  private static Variant action(String action, String body) {
    return new Variant(Map.of("action", action), body, null, Throwaway.NONE, false);
  }

  private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}|<([^>]+)>");

  /** Path parameters in path order: real resources by default. */
  private Map<String, String> params(String template, Variant v, String server) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(template);
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      String value =
          v.fixed.containsKey(name)
              ? v.fixed.get(name)
              : switch (name) {
                case "id", "uid", "server" -> server;
                case "sid" -> Long.toString(fixtureSchedule.get(server));
                case "opId" -> opId;
                case "userId" -> Long.toString(userIds.get("scratch"));
                case "keyId" -> "0123456789ab";
                case "game" -> GAME;
                default -> "nosuch";
              };
      out.put(name, value);
    }
    return out;
  }

  private static String expand(String template, Map<String, String> params) {
    Matcher m = PARAM.matcher(template);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      m.appendReplacement(sb, Matcher.quoteReplacement(params.get(name)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Makes a resource that an allowed caller may destroy; returns its id. */
  private String throwaway(Throwaway t) {
    int n = seq.incrementAndGet();
    switch (t) {
      case SERVER_ID, SERVER_UID -> {
        Res r =
            h.ownerCall(
                "POST",
                "/api/v2/servers",
                "{\"game\": \"%s\", \"name\": \"tmp%d\"}".formatted(GAME, n));
        assertThat(r.status()).as(r.text()).isEqualTo(202);
        return Operations.awaitResult(p -> h.ownerCall("GET", p, null).json(), r.json())
            .get("id")
            .asText();
      }
      case USER -> {
        Res r =
            h.ownerCall(
                "POST",
                "/api/v2/users",
                "{\"name\": \"tmp%d\", \"password\": \"%s\", \"role\": \"viewer\"}"
                    .formatted(n, USER_PASSWORD));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json().get("id").asText();
      }
      case KEY -> {
        Res r =
            h.ownerCall(
                "POST",
                "/api/v2/keys",
                "{\"name\": \"tmp%d\", \"user\": \"scratch\"}".formatted(n));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        secretsToHide.add(r.json().get("secret").asText());
        return r.json().get("id").asText();
      }
      case SCHEDULE -> {
        Res r =
            h.ownerCall(
                "POST",
                "/api/v2/servers/" + ALPHA + "/schedules",
                "{\"action\": \"stop\", \"cron\": \"0 0 1 1 *\"}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json().get("id").asText();
      }
      default -> throw new IllegalArgumentException(t.name());
    }
  }

  private int send(
      String method,
      String route,
      String path,
      Map<String, String> params,
      String body,
      Who w,
      boolean stream)
      throws Exception {
    int n = seq.incrementAndGet();
    String b =
        switch (body == null ? "" : body) {
          case "CREATE" -> "{\"game\": \"%s\", \"name\": \"c%d\"}".formatted(GAME, n);
          case "USER" ->
              "{\"name\": \"u%d\", \"password\": \"%s\", \"role\": \"viewer\"}"
                  .formatted(n, USER_PASSWORD);
          case "KEY" -> "{\"name\": \"k%d\"}".formatted(n);
          default -> body;
        };
    String rid = "mx-" + n;
    Map<String, String> headers = new LinkedHashMap<>(w == null ? Map.of() : w.headers(method));
    headers.put("X-Request-Id", rid);
    int status;
    String text;
    if (stream) {
      HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(h.base + path));
      headers.forEach(rb::header);
      String source = w == null ? anonSource() : "127.0.0.1";
      HttpResponse<InputStream> r =
          h.client(source).send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
      status = r.statusCode();
      r.body().close();
      text = "";
    } else {
      Res r = h.call(w == null ? anonSource() : "127.0.0.1", method, path, b, headers);
      status = r.status();
      text =
          r.header("Content-Type") != null && r.header("Content-Type").contains("zip")
              ? ""
              : r.text();
      if (status == 201 && text.contains("\"secret\"")) {
        secretsToHide.add(r.json().path("secret").asText());
      }
    }
    sent.add(new Sent(rid, method, route, path, params, w, status));
    // nothing shows the server secret to a caller without server.secrets, nor in v1 JSON at all
    boolean v1 = !path.startsWith("/api/v2/");
    if (w == null || v1 || !w.holds(Permission.SERVER_SECRETS, params.getOrDefault("id", ALPHA))) {
      assertThat(text)
          .as((w == null ? "anonymous" : w.label) + " " + method + " " + path)
          .doesNotContain(SECRET);
    }
    return status;
  }

  private int anonCount;

  private String anonSource() {
    return "127.0.1." + (10 + anonCount++ / 5);
  }

  /** A WebSocket upgrade: 101 on success, else the handshake's status. */
  private int upgrade(String path, Who w) throws Exception {
    var b = h.client(w == null ? anonSource() : "127.0.0.1").newWebSocketBuilder();
    if (w != null && w.session != null) {
      // a browser: a ticket asked for with cookie + CSRF, then the upgrade with the ticket only
      OrcHarness.Res t = h.call("POST", "/api/v2/console/tickets", "{}", w.headers("POST"));
      if (t.status() != 201) {
        return t.status();
      }
      path += (path.contains("?") ? "&" : "?") + "ticket=" + t.json().path("ticket").asText();
    } else if (w != null) {
      w.headers("GET").forEach(b::header);
    }
    try {
      WebSocket ws =
          b.buildAsync(
                  URI.create(h.base.replace("http://", "ws://") + path),
                  new WebSocket.Listener() {})
              .get(20, TimeUnit.SECONDS);
      ws.abort();
      return 101;
    } catch (ExecutionException | CompletionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException hs) {
        return hs.getResponse().statusCode();
      }
      throw e;
    }
  }

  private static void await(BooleanSupplier condition) {
    Await.until(Duration.ofSeconds(60), condition);
  }
}
