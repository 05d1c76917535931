package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key proofs: revoked and expired keys stop working on the very next request, the
 * database holds nothing that can be turned back into a usable key, and how long a wrong key takes
 * to refuse does not depend on how much of the secret it gets right.
 */
class KeySecurityTest {
  @TempDir Path tmp;
  private Database db;
  private MutableClock clock;
  private IdentityService ids;
  private User alice;

  @BeforeEach
  void open() {
    db = Database.open(tmp.resolve("peon.db"));
    clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));
    ids = new IdentityService(db, clock);
    alice = ids.createUser("alice", "correct horse battery".toCharArray(), Role.ADMIN);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aRevokedKeyIsRefusedOnTheNextCall() {
    IdentityService.CreatedKey k = ids.createKey(alice.id(), "ci", null, null);
    assertThat(ids.authenticateKey(k.secret())).isPresent();
    ids.revokeKey(k.key().id());
    assertThat(ids.authenticateKey(k.secret())).isEmpty();
    // and it stays refused: time passing does not bring it back
    clock.advance(Duration.ofDays(400));
    assertThat(ids.authenticateKey(k.secret())).isEmpty();
  }

  @Test
  void anExpiredKeyIsRefusedFromItsExpiryInstantOn() {
    Instant expiry = clock.instant().plus(Duration.ofHours(1));
    IdentityService.CreatedKey k = ids.createKey(alice.id(), "short", null, expiry);
    clock.set(expiry.minusMillis(1));
    assertThat(ids.authenticateKey(k.secret())).isPresent();
    clock.set(expiry);
    assertThat(ids.authenticateKey(k.secret())).isEmpty();
    clock.advance(Duration.ofMillis(1));
    assertThat(ids.authenticateKey(k.secret())).isEmpty();
  }

  @Test
  void aPrincipalResolvedEarlierStopsStandingOnceItsKeyOrUserGoes() {
    IdentityService.CreatedKey revokedKey = ids.createKey(alice.id(), "ws", null, null);
    Instant expiry = clock.instant().plus(Duration.ofHours(1));
    IdentityService.CreatedKey expiring = ids.createKey(alice.id(), "short", null, expiry);
    Principal viaRevoked = ids.authenticateKey(revokedKey.secret()).orElseThrow();
    Principal viaExpiring = ids.authenticateKey(expiring.secret()).orElseThrow();
    Principal viaSession = ids.principal(ids.user(alice.id()).orElseThrow(), null, null);
    assertThat(ids.stillValid(viaRevoked)).isTrue();
    assertThat(ids.stillValid(viaSession)).isTrue();

    ids.revokeKey(revokedKey.key().id());
    clock.set(expiry);
    assertThat(ids.stillValid(viaRevoked)).isFalse();
    assertThat(ids.stillValid(viaExpiring)).isFalse();
    assertThat(ids.stillValid(viaSession)).isTrue();

    ids.createUser("owner", "owner password 1".toCharArray(), Role.OWNER);
    ids.updateUser(alice.id(), null, false, null);
    assertThat(ids.stillValid(viaSession)).isFalse();
    assertThat(ids.stillValid(IdentityService.v1Principal(Role.ADMIN))).isTrue();
  }

  @Test
  void aDisabledUsersKeyIsRefusedOnTheNextCall() {
    IdentityService.CreatedKey k = ids.createKey(alice.id(), "ci", null, null);
    ids.createUser("owner", "owner password 1".toCharArray(), Role.OWNER);
    ids.updateUser(alice.id(), null, false, null);
    assertThat(ids.authenticateKey(k.secret())).isEmpty();
  }

  @Test
  void theDatabaseHoldsOnlyTheSha256OfTheSecretWhichAuthenticatesNothing() throws Exception {
    IdentityService.CreatedKey k =
        ids.createKey(alice.id(), "ci", Set.of(Permission.SERVER_READ), null);
    String id = k.key().id();
    String secret = k.secret().substring(("peon_" + id + "_").length());
    String stored = storedHash(id);
    assertThat(stored).matches("[0-9a-f]{64}").isEqualTo(sha256Hex(secret));
    // nothing in the row (or the whole database file) holds the secret itself
    String dump =
        new String(Files.readAllBytes(tmp.resolve("peon.db")), StandardCharsets.ISO_8859_1);
    assertThat(dump).doesNotContain(secret);
    // the stored value is useless as a key or as a secret, whole or cut to the secret's length
    for (String attempt :
        new String[] {
          stored,
          "peon_" + id + "_" + stored,
          "peon_" + id + "_" + stored.substring(0, 43),
          "peon_" + id + "_" + stored.substring(64 - 43),
          "peon_" + id + "_" + HexFormat.of().formatHex(HexFormat.of().parseHex(stored)),
        }) {
      assertThat(ids.authenticateKey(attempt)).as(attempt).isEmpty();
    }
    // and the real key still works (the attempts above changed nothing)
    assertThat(ids.authenticateKey(k.secret())).isPresent();
  }

  /**
   * Why this is constant-time: {@code authenticateKey} hashes the whole presented secret with
   * SHA-256 and compares the hex digest with the stored one using {@link MessageDigest#isEqual},
   * which looks at every byte whatever the content. A presented secret that shares a long prefix
   * with the real one gives a digest that shares nothing predictable with the stored digest, so
   * even a short-circuiting comparison would leak nothing about the secret. This checks both the
   * structure (what is compared) and the behaviour (measured durations).
   */
  @Test
  void theComparisonIsOverTheSha256OfTheWholeSecret() throws Exception {
    IdentityService.CreatedKey k = ids.createKey(alice.id(), "ci", null, null);
    String id = k.key().id();
    String secret = k.secret().substring(("peon_" + id + "_").length());
    String nearMiss = secret.substring(0, 42) + flip(secret.charAt(42));
    // the compared values: digests of the whole secret; a near miss shares no useful prefix
    String right = sha256Hex(secret);
    String near = sha256Hex(nearMiss);
    assertThat(storedHash(id)).isEqualTo(right);
    assertThat(IdentityService.sha256(nearMiss)).isEqualTo(near);
    assertThat(commonPrefix(right, near)).isLessThan(8);
    // the code path: the secret is hashed and compared with MessageDigest.isEqual, never equals()
    String src = Files.readString(Path.of("src/main/java/dev/peon/orc/auth/IdentityService.java"));
    String body = src.substring(src.indexOf("public Optional<Principal> authenticateKey"));
    body = body.substring(0, body.indexOf("\n  }\n"));
    assertThat(body)
        .contains("String presentedHash = sha256(m.group(2));")
        .contains("MessageDigest.isEqual(")
        .doesNotContain("hash().equals(")
        .doesNotContain("presentedHash.equals(");
  }

  @Test
  void refusingAWrongKeyTakesAsLongWhateverPartOfTheSecretMatches() {
    IdentityService.CreatedKey k = ids.createKey(alice.id(), "ci", null, null);
    String id = k.key().id();
    String secret = k.secret().substring(("peon_" + id + "_").length());
    // same id, same length; one shares nothing with the secret, the other all but the last char
    StringBuilder none = new StringBuilder();
    for (char c : secret.toCharArray()) {
      none.append(flip(c));
    }
    String far = "peon_" + id + "_" + none;
    String near = "peon_" + id + "_" + secret.substring(0, 42) + flip(secret.charAt(42));
    assertThat(ids.authenticateKey(far)).isEmpty();
    assertThat(ids.authenticateKey(near)).isEmpty();
    for (int i = 0; i < 2_000; i++) { // warm up the JIT and SQLite's page cache
      ids.authenticateKey(i % 2 == 0 ? far : near);
    }
    int n = 3_000;
    long[] farNs = new long[n];
    long[] nearNs = new long[n];
    for (int i = 0; i < n; i++) { // interleaved, so load on the machine hits both alike
      boolean farFirst = (i & 1) == 0;
      long a = time(farFirst ? far : near);
      long b = time(farFirst ? near : far);
      farNs[i] = farFirst ? a : b;
      nearNs[i] = farFirst ? b : a;
    }
    double farMedian = percentile(farNs, 50);
    double nearMedian = percentile(nearNs, 50);
    double farP25 = percentile(farNs, 25);
    double nearP25 = percentile(nearNs, 25);
    // a leak worth worrying about would grow with the matching prefix (42 of 43 characters);
    // noise on a loaded 2-core runner is wide, so the bound is generous: 35% of the median
    double bound = 0.35 * Math.max(farMedian, nearMedian);
    assertThat(Math.abs(farMedian - nearMedian))
        .as("median ns: far %.0f near %.0f", farMedian, nearMedian)
        .isLessThan(bound);
    assertThat(Math.abs(farP25 - nearP25))
        .as("p25 ns: far %.0f near %.0f", farP25, nearP25)
        .isLessThan(0.35 * Math.max(farP25, nearP25));
  }

  private long time(String key) {
    long t0 = System.nanoTime();
    ids.authenticateKey(key);
    return System.nanoTime() - t0;
  }

  private static double percentile(long[] values, int p) {
    long[] s = values.clone();
    Arrays.sort(s);
    return s[(int) Math.min(s.length - 1, Math.round(p / 100.0 * (s.length - 1)))];
  }

  private static char flip(char c) {
    return c == 'A' ? 'B' : 'A';
  }

  private static int commonPrefix(String a, String b) {
    int i = 0;
    while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    return i;
  }

  private String storedHash(String id) {
    return db.inTransaction(
        c -> {
          try (var ps = c.prepareStatement("SELECT secret_hash FROM api_keys WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getString(1);
            }
          }
        });
  }

  private static String sha256Hex(String s) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
