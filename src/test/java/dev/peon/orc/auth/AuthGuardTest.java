package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.audit.AuditEntry;
import dev.peon.orc.audit.AuditLog;
import dev.peon.orc.config.Secret;
import dev.peon.orc.http.Guard;
import dev.peon.orc.http.Guard.Outcome;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard's throttling and failure audit on a fake clock: lock-outs per address and per key id
 * never refuse a credential that verifies, {@code Retry-After} is the real remaining time, and
 * refusals are audited in aggregate rather than one entry (and fsync) each.
 */
class AuthGuardTest {
  private static final String V1_KEY = "v1-key-for-the-guard-test";
  @TempDir Path tmp;
  private Database db;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));
  private IdentityService ids;
  private AuditLog audit;
  private AuthGuard guard;
  private String aliceKey;

  @BeforeEach
  void open() {
    db = Database.open(tmp.resolve("peon.db"));
    ids = new IdentityService(db, clock);
    User alice = ids.createUser("alice", "correct horse battery".toCharArray(), Role.ADMIN);
    aliceKey = ids.createKey(alice.id(), "ci", null, null).secret();
    audit = new AuditLog(db, clock, tmp.resolve("audit-head"));
    guard =
        new AuthGuard(ids, new Secret(V1_KEY), Role.ADMIN, new AuthThrottle(clock), audit, clock);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private Guard.Authentication call(String address, String key) {
    Map<String, String> headers = key == null ? Map.of() : Map.of("X-Api-Key", key);
    return guard.authenticate(
        new Guard.Caller(address, "GET", "/api/v2/servers", "rid", headers::get, name -> null));
  }

  private String wrongKey(int i) {
    return "peon_" + aliceKey.substring(5, 17) + "_" + String.format("%043d", i);
  }

  private List<AuditEntry> entries(String action) {
    return audit.query(new AuditLog.Query(null, action, null, null, null, null, 0, 1000));
  }

  @Test
  void aCredentialThatVerifiesIsLetThroughWhileItsAddressIsLockedOut() {
    for (int i = 0; i < 10; i++) {
      assertThat(call("10.0.0.1", "not-a-key-" + i).outcome()).isEqualTo(Outcome.DENIED);
    }
    assertThat(call("10.0.0.1", "not-a-key-x").outcome()).isEqualTo(Outcome.THROTTLED);

    assertThat(call("10.0.0.1", aliceKey).outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(call("10.0.0.1", V1_KEY).outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(call("10.0.0.1", "not-a-key-y").outcome()).isEqualTo(Outcome.THROTTLED);
  }

  @Test
  void throttledAnswersCarryTheRealRemainingLockOut() {
    for (int i = 0; i < 10; i++) {
      call("10.0.0.2", "not-a-key-" + i);
    }
    assertThat(call("10.0.0.2", "wrong").retryAfter()).isEqualTo(Duration.ofMinutes(5));
    clock.advance(Duration.ofSeconds(200));
    assertThat(call("10.0.0.2", "wrong").retryAfter()).isEqualTo(Duration.ofSeconds(100));
    clock.advance(Duration.ofSeconds(100));
    assertThat(call("10.0.0.2", "wrong").outcome()).isEqualTo(Outcome.DENIED);
  }

  @Test
  void wrongSecretsForOneKeyIdFromManyAddressesLockThatIdButNeverItsHolder() {
    for (int i = 0; i < 10; i++) {
      assertThat(call("10.1.0." + i, wrongKey(i)).outcome()).isEqualTo(Outcome.DENIED);
    }
    Guard.Authentication locked = call("10.1.0.50", wrongKey(50));
    assertThat(locked.outcome()).isEqualTo(Outcome.THROTTLED);
    assertThat(locked.retryAfter()).isPositive();
    assertThat(call("10.1.0.51", aliceKey).outcome()).isEqualTo(Outcome.ALLOWED);
    // another key id from a fresh address is not affected
    assertThat(call("10.1.0.52", "peon_000000000000_" + "A".repeat(43)).outcome())
        .isEqualTo(Outcome.DENIED);
  }

  @Test
  void refusalsAreAuditedInAggregateOneEpisodePerAddress() {
    for (int i = 0; i < 10; i++) {
      call("10.2.0.1", wrongKey(i));
    }
    for (int i = 0; i < 1000; i++) {
      assertThat(call("10.2.0.1", wrongKey(100 + i)).outcome()).isEqualTo(Outcome.THROTTLED);
    }
    for (int i = 0; i < 20; i++) {
      call("10.2.0.9", null); // asking without a credential: counted, never locked out
    }
    // the guard is told of every refused request too; none of them is an entry of its own
    guard.completed(
        new Guard.Completed(
            null,
            new Guard.Caller("10.2.0.1", "GET", "/api/v2/servers", "r", h -> null, c -> null),
            "/api/v2/servers",
            Map.of(),
            429,
            null));
    List<AuditEntry> lockouts = entries("auth.lockout");
    assertThat(lockouts).hasSize(2); // the address and the key id, both at the 10th failure
    assertThat(lockouts).allSatisfy(e -> assertThat(e.source()).isEqualTo("10.2.0.1"));
    assertThat(lockouts.get(0).params()).contains("\"failures\":10");
    assertThat(entries("auth.failed")).isEmpty();
    assertThat(entries("*")).hasSize(2);

    clock.advance(Duration.ofMinutes(6));
    call("10.9.9.9", aliceKey); // any later request writes the episodes that have ended

    List<AuditEntry> failed = entries("auth.failed");
    assertThat(failed).hasSize(2);
    AuditEntry attacker =
        failed.stream().filter(e -> e.source().equals("10.2.0.1")).findFirst().orElseThrow();
    assertThat(attacker.outcome()).isEqualTo("denied");
    assertThat(attacker.params())
        .contains("\"wrong\":10")
        .contains("\"throttled\":1000")
        .contains("\"idsPresented\":[\"" + aliceKey.substring(5, 17) + "\"]")
        .doesNotContain(wrongKey(1).substring(18));
    AuditEntry asking =
        failed.stream().filter(e -> e.source().equals("10.2.0.9")).findFirst().orElseThrow();
    assertThat(asking.params()).contains("\"unidentified\":20");
    assertThat(entries("*")).hasSize(4);
    assertThat(audit.verify().ok()).isTrue();
  }

  @Test
  void episodesStillOpenAreWrittenAtShutdown() {
    call("10.3.0.1", "wrong");
    assertThat(entries("auth.failed")).isEmpty();
    guard.failures().flushAll();
    assertThat(entries("auth.failed")).hasSize(1);
  }

  @Test
  void refusedPermissionsOfAKnownCallerAreStillAuditedOneByOne() {
    Principal p = (Principal) call("10.4.0.1", aliceKey).principal();
    guard.completed(
        new Guard.Completed(
            p,
            new Guard.Caller("10.4.0.1", "GET", "/api/v2/audit", "r403", h -> null, c -> null),
            "/api/v2/audit",
            Map.of(),
            403,
            null));
    assertThat(entries("*")).extracting(AuditEntry::requestId).containsExactly("r403");
  }

  @Test
  void keepsARedactedTruncatedCopyOfALargeBodyAndTheWholeOfAPaddedOne() {
    String padded = "{\"description\":\"pad\",\"password\":\"hunter2\"}" + " ".repeat(20_000);
    assertThat(guard.auditedBody("server.settings", padded))
        .isEqualTo(Map.of("description", "pad", "password", "[redacted]"));

    String big = "{\"admin_password\":\"hunter2\",\"description\":\"" + "x".repeat(20_000) + "\"}";
    Object kept = guard.auditedBody("server.settings", big);
    assertThat(kept).isInstanceOf(Map.class);
    Map<?, ?> m = (Map<?, ?>) kept;
    assertThat(m.get("truncated")).isEqualTo(true);
    assertThat((String) m.get("start"))
        .hasSize(AuthGuard.TRUNCATED_CHARS)
        .contains("[redacted]")
        .doesNotContain("hunter2")
        .contains("xxxx");
    assertThat(guard.auditedBody("server.settings", "{not json"))
        .isEqualTo(Map.of("notJson", true, "length", 9));
  }

  @Test
  void keepsAWebhookUrlMaskedAndItsSecretRedacted() {
    String body =
        "{\"url\":\"https://discord.com/api/webhooks/1/SeCrEtToKeNvalue\","
            + "\"secret\":\"0123456789abcdef\",\"enabled\":true}";
    assertThat(guard.auditedBody("webhook.create", body))
        .isEqualTo(
            Map.of("url", "https://discord.com/…/alue", "secret", "[redacted]", "enabled", true));
    assertThat(guard.auditedBody("webhook.change", "{\"url\":\"ftp://x/SeCrEtToKeN\"}"))
        .isEqualTo(Map.of("url", "(invalid URL, 19 characters)"));
  }

  @Test
  void freshAddressesBeyondWhatIsTrackedShareOneEntry() {
    FailureTally tally = new FailureTally(audit, clock, Duration.ofMinutes(1), 3);
    for (int i = 0; i < 100; i++) {
      tally.refused(FailureTally.Kind.WRONG_CREDENTIAL, "2001:db8::" + i, null, "/api/v2/x", null);
    }
    assertThat(tally.open()).as("the tracked ones and the shared one").isEqualTo(4);
    assertThat(entries("*")).isEmpty();
    clock.advance(Duration.ofMinutes(2));
    tally.flushDue();
    List<AuditEntry> failed = entries("auth.failed");
    assertThat(failed).hasSize(4);
    AuditEntry many =
        failed.stream().filter(e -> e.source().equals(FailureTally.MANY)).findFirst().orElseThrow();
    assertThat(many.params()).contains("\"addresses\":97").contains("\"wrong\":97");
  }
}
