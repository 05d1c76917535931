package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peon.orc.auth.OrcHarness.Res;
import dev.peon.orc.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Brute force and audit integrity over HTTP, against a real orchestrator on a fake clock: repeated
 * failures from one address or on one account are slowed, then refused for a while, and audited;
 * tampering with the audit table on disk (edit, delete, reorder, truncate) is reported by {@code
 * /api/v2/audit/verify} after a restart; nothing secret ever reaches the log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthAuditIT {
  private static final String VICTIM_PASSWORD =
      "victim-pass-" + Long.toHexString(System.nanoTime());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final List<String> neverLogged = new ArrayList<>();
  private OrcHarness h;
  private String victimKey;

  @BeforeAll
  void start() throws IOException {
    h = new OrcHarness("authgame", "10.224.0.0/20", clock);
    h.start();
    neverLogged.add(OrcHarness.OWNER_PASSWORD);
    neverLogged.add(VICTIM_PASSWORD);
    neverLogged.add(h.v1Key);
    neverLogged.add(h.ownerKey());
    Res u =
        h.ownerCall(
            "POST",
            "/api/v2/users",
            "{\"name\": \"victim\", \"password\": \"%s\", \"role\": \"viewer\"}"
                .formatted(VICTIM_PASSWORD));
    assertThat(u.status()).as(u.text()).isEqualTo(201);
    Res k = h.ownerCall("POST", "/api/v2/keys", "{\"name\": \"victim\", \"user\": \"victim\"}");
    assertThat(k.status()).as(k.text()).isEqualTo(201);
    victimKey = k.json().get("secret").asText();
    neverLogged.add(victimKey);
  }

  @AfterAll
  void stop() throws IOException {
    if (h != null) {
      h.close();
    }
  }

  @Test
  @Order(1)
  void wrongKeysFromOneAddressAreRefusedForAWhileAndAuditedInAggregate() {
    String attacker = "127.0.2.1";
    String keyId = victimKey.substring(5, 17);
    int before = exportLines().size();
    for (int i = 0; i < 10; i++) {
      String wrong = "peon_" + keyId + "_" + String.format("%043d", i);
      neverLogged.add(wrong);
      long t0 = System.nanoTime();
      Res r =
          h.call(
              attacker,
              "GET",
              "/api/v2/servers",
              null,
              Map.of("X-Api-Key", wrong, "X-Request-Id", "bf-key-" + i));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.status()).as("attempt " + i).isEqualTo(401);
      if (i == 8) { // the 9th failure within the minute waits 600 ms before its answer
        assertThat(ms).as("slowed down").isGreaterThanOrEqualTo(550);
      }
    }
    // now locked out: wrong keys get 429 unread, with the real remaining time
    for (int i = 0; i < 200; i++) {
      Res locked =
          h.call(
              attacker,
              "GET",
              "/api/v2/servers",
              null,
              Map.of("X-Api-Key", "wrong-" + i, "X-Request-Id", "bf-key-locked"));
      assertThat(locked.status()).isEqualTo(429);
      assertThat(locked.header("Retry-After")).isEqualTo("300");
    }
    // but a key that verifies is never refused, from that address too
    assertThat(h.call(attacker, "GET", "/api/v2/servers", null, OrcHarness.key(victimKey)).status())
        .isEqualTo(200);
    assertThat(
            h.call(attacker, "GET", "/api/v1/servers", null, Map.of("X-Api-Key", h.v1Key)).status())
        .isEqualTo(200);
    clock.advance(Duration.ofMinutes(2));
    Res later = h.call(attacker, "GET", "/api/v2/servers", null, Map.of("X-Api-Key", "wrong"));
    assertThat(later.status()).isEqualTo(429);
    assertThat(later.header("Retry-After")).isEqualTo("180");
    // audited in aggregate: the lock-outs (address and key id) as they start, not each request
    List<JsonNode> written = exportLines().subList(before, exportLines().size());
    assertThat(written)
        .extracting(e -> e.path("action").asText())
        .containsExactly("auth.lockout", "auth.lockout");
    assertThat(written).allSatisfy(e -> assertThat(e.path("source").asText()).isEqualTo(attacker));
    assertThat(entries("bf-key-locked")).isEmpty();
    // the episode's summary once it is over, at the next request
    clock.advance(Duration.ofMinutes(3).plusSeconds(1));
    assertThat(h.call(attacker, "GET", "/api/v2/servers", null, OrcHarness.key(victimKey)).status())
        .isEqualTo(200);
    List<JsonNode> failed =
        exportLines().stream()
            .filter(e -> e.path("action").asText().equals("auth.failed"))
            .filter(e -> e.path("source").asText().equals(attacker))
            .toList();
    assertThat(failed).hasSize(1);
    JsonNode params = failed.get(0).path("params");
    assertThat(failed.get(0).path("outcome").asText()).isEqualTo("denied");
    assertThat(params.path("wrong").asInt()).isEqualTo(10);
    assertThat(params.path("throttled").asInt()).isEqualTo(201);
    assertThat(params.path("idsPresented").toString()).contains(keyId);
  }

  @Test
  @Order(5)
  void behindATrustedProxyOneBadClientLocksOutOnlyItself() {
    h.stop();
    h.extraConfig.put("http.trusted.proxies", "127.0.9.0/24");
    h.start();
    String proxy = "127.0.9.1";
    Map<String, String> bad = Map.of("X-Api-Key", "wrong", "X-Forwarded-For", "198.51.100.66");
    for (int i = 0; i < 10; i++) {
      assertThat(h.call(proxy, "GET", "/api/v1/servers", null, bad).status()).isEqualTo(401);
    }
    assertThat(h.call(proxy, "GET", "/api/v1/servers", null, bad).status()).isEqualTo(429);
    // another client behind the same proxy is not locked out, nor is the proxy itself
    Map<String, String> good = Map.of("X-Api-Key", "also-wrong", "X-Forwarded-For", "198.51.100.7");
    assertThat(h.call(proxy, "GET", "/api/v1/servers", null, good).status()).isEqualTo(401);
    Map<String, String> v1 = Map.of("X-Api-Key", h.v1Key, "X-Forwarded-For", "198.51.100.66");
    assertThat(h.call(proxy, "GET", "/api/v1/servers", null, v1).status()).isEqualTo(200);
    // a client that is not a trusted proxy cannot pick its address
    Map<String, String> spoof = Map.of("X-Api-Key", "wrong", "X-Forwarded-For", "198.51.100.99");
    for (int i = 0; i < 10; i++) {
      h.call("127.0.8.1", "GET", "/api/v1/servers", null, spoof);
    }
    assertThat(h.call("127.0.8.2", "GET", "/api/v1/servers", null, spoof).status()).isEqualTo(401);
    List<JsonNode> lockouts =
        exportLines().stream()
            .filter(e -> e.path("action").asText().equals("auth.lockout"))
            .map(e -> e.path("source"))
            .toList();
    assertThat(lockouts).extracting(JsonNode::asText).contains("198.51.100.66", "127.0.8.1");
  }

  @Test
  @Order(2)
  void wrongPasswordsOnOneAccountLockThatAccountFromEveryAddressAndAreAudited() {
    // a distributed guess: one wrong password from each of ten addresses
    for (int i = 0; i < 10; i++) {
      String wrong = "wrong-password-" + i;
      neverLogged.add(wrong);
      long t0 = System.nanoTime();
      Res r = login("127.0.3." + (i + 1), "victim", wrong, "bf-login-" + i);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.status()).as("attempt " + i).isEqualTo(401);
      if (i == 8) { // slowed by the account's failures, though each came from a new address
        assertThat(ms).as("slowed down").isGreaterThanOrEqualTo(550);
      }
    }
    // the account is locked, even for the right password from a new address
    Res locked = login("127.0.3.50", "victim", VICTIM_PASSWORD, "bf-login-locked");
    assertThat(locked.status()).as(locked.text()).isEqualTo(429);
    assertThat(locked.header("Retry-After")).isNotBlank();
    assertThat(locked.header("Set-Cookie")).isNull();
    // other accounts are not
    assertThat(login("127.0.3.51", "owner", OrcHarness.OWNER_PASSWORD, "bf-login-owner").status())
        .isEqualTo(200);
    for (int i = 0; i < 10; i++) {
      List<JsonNode> e = entries("bf-login-" + i);
      assertThat(e).as("attempt " + i).hasSize(1);
      assertThat(e.get(0).path("action").asText()).isEqualTo("login");
      assertThat(e.get(0).path("outcome").asText()).isEqualTo("failure");
      assertThat(e.get(0).path("target").asText()).isEqualTo("user:victim");
      assertThat(e.get(0).path("actor").asText()).isEqualTo("anonymous");
    }
    // refusals during the lock-out are counted, not one entry each
    assertThat(entries("bf-login-locked")).isEmpty();
    JsonNode ok = entries("bf-login-owner").get(0);
    assertThat(ok.path("outcome").asText()).isEqualTo("success");
    assertThat(ok.path("actor").asText()).isEqualTo("user:owner");
    // for a while only
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    assertThat(login("127.0.3.52", "victim", VICTIM_PASSWORD, "bf-login-after").status())
        .isEqualTo(200);
  }

  @Test
  @Order(3)
  void noSecretEverReachesTheAuditLog() {
    // changing calls carrying secrets in their bodies
    Res u =
        h.ownerCall(
            "PATCH",
            "/api/v2/users/" + userId("victim"),
            "{\"password\": \"%s-2\"}".formatted(VICTIM_PASSWORD));
    assertThat(u.status()).as(u.text()).isEqualTo(200);
    neverLogged.add(VICTIM_PASSWORD + "-2");
    Res k = h.ownerCall("POST", "/api/v2/keys", "{\"name\": \"another\"}");
    neverLogged.add(k.json().get("secret").asText());
    Res bad =
        h.ownerCall(
            "POST",
            "/api/v2/users",
            "{\"name\": \"Bad Name\", \"password\": \"not-logged-pw-1\", \"role\": \"viewer\"}");
    assertThat(bad.status()).isEqualTo(400);
    neverLogged.add("not-logged-pw-1");
    String export = exportText();
    assertThat(export).isNotBlank();
    for (String s : neverLogged) {
      assertThat(export).as("a secret in the audit export").doesNotContain(s);
    }
    // on disk neither
    assertThat(h.ownerCall("GET", "/api/v2/audit/verify", null).status()).isEqualTo(200);
  }

  @Test
  @Order(4)
  void tamperingWithTheTableOnDiskIsDetectedAfterARestart() throws Exception {
    String[][] tampers = {
      {"edit", "UPDATE audit_log SET outcome = 'success' WHERE id = 5"},
      {"edit-params", "UPDATE audit_log SET params = '{}' WHERE id = 3"},
      {"delete", "DELETE FROM audit_log WHERE id = 4"},
      {
        "reorder",
        "UPDATE audit_log SET id = -1 WHERE id = 3; UPDATE audit_log SET id = 3 WHERE id = 4;"
            + " UPDATE audit_log SET id = 4 WHERE id = -1"
      },
      {"truncate-newest", "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)"},
      {
        "truncate-newest-two",
        "DELETE FROM audit_log WHERE id >= (SELECT MAX(id) - 1 FROM audit_log)"
      },
    };
    assertThat(h.ownerCall("GET", "/api/v2/audit/verify", null).status()).isEqualTo(200);
    String ownerKey = h.ownerKey();
    Path db = h.data.resolve("peon.db");
    Path backup = h.root.resolve("peon.db.clean");
    for (String[] t : tampers) {
      h.stop();
      Files.copy(db, backup, StandardCopyOption.REPLACE_EXISTING);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement st = c.createStatement()) {
        for (String sql : t[1].split(";")) {
          st.executeUpdate(sql.trim());
        }
      }
      h.start();
      Res v = h.call("GET", "/api/v2/audit/verify", null, OrcHarness.key(ownerKey));
      assertThat(v.status()).as(t[0] + ": " + v.text()).isEqualTo(409);
      assertThat(v.json().path("ok").asBoolean()).isFalse();
      assertThat(v.json().path("reason").asText()).as(t[0]).isNotBlank();
      h.stop();
      Files.copy(backup, db, StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(h.data.resolve("peon.db-wal"));
      Files.deleteIfExists(h.data.resolve("peon.db-shm"));
      h.start();
      // the verify calls above are reads: the restored log is whole again
      Res ok = h.call("GET", "/api/v2/audit/verify", null, OrcHarness.key(ownerKey));
      assertThat(ok.status()).as(t[0] + " restored: " + ok.text()).isEqualTo(200);
    }
  }

  // ------------------------------------------------------------------ helpers

  private Res login(String source, String name, String password, String requestId) {
    return h.call(
        source,
        "POST",
        "/api/v2/login",
        OrcHarness.JSON.createObjectNode().put("name", name).put("password", password).toString(),
        Map.of("X-Request-Id", requestId));
  }

  private long userId(String name) {
    for (JsonNode u : h.ownerCall("GET", "/api/v2/users", null).json().path("items")) {
      if (u.path("name").asText().equals(name)) {
        return u.path("id").asLong();
      }
    }
    throw new AssertionError("no user " + name);
  }

  private String exportText() {
    Res r = h.ownerCall("GET", "/api/v2/audit/export", null);
    assertThat(r.status()).isEqualTo(200);
    return r.text();
  }

  private List<JsonNode> exportLines() {
    List<JsonNode> out = new ArrayList<>();
    for (String line : exportText().split("\n")) {
      if (!line.isBlank()) {
        try {
          out.add(OrcHarness.JSON.readTree(line));
        } catch (IOException e) {
          throw new IllegalStateException(line, e);
        }
      }
    }
    return out;
  }

  private List<JsonNode> entries(String requestId) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : exportText().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode e = OrcHarness.JSON.readTree(line);
        if (requestId.equals(e.path("requestId").asText())) {
          out.add(e);
        }
      } catch (IOException e) {
        throw new IllegalStateException(line, e);
      }
    }
    return out;
  }
}
