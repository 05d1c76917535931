package dev.peon.orc.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import dev.peon.orc.testing.TestServers;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityServiceTest {
  @TempDir Path tmp;
  private Database db;
  private MutableClock clock;
  private IdentityService ids;

  @BeforeEach
  void open() {
    db = Database.open(tmp.resolve("peon.db"));
    clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));
    ids = new IdentityService(db, clock);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void hashesPasswordsWithArgon2idAndChecksThem() {
    ids.createUser("alice", "correct horse".toCharArray(), Role.ADMIN);
    assertThat(ids.checkPassword("alice", "correct horse".toCharArray())).isPresent();
    assertThat(ids.checkPassword("alice", "wrong horse!".toCharArray())).isEmpty();
    assertThat(ids.checkPassword("nobody", "correct horse".toCharArray())).isEmpty();
    String stored =
        db.inTransaction(
            c -> {
              try (ResultSet rs =
                  c.createStatement().executeQuery("SELECT password_hash FROM users")) {
                rs.next();
                return rs.getString(1);
              }
            });
    assertThat(stored).startsWith("$argon2id$v=19$").doesNotContain("correct");
  }

  @Test
  void refusesBadNamesShortPasswordsAndDuplicates() {
    assertThatThrownBy(
            () -> ids.createUser("Bad Name", "long enough pw".toCharArray(), Role.VIEWER))
        .isInstanceOf(AuthException.class);
    assertThatThrownBy(() -> ids.createUser("bob", "short".toCharArray(), Role.VIEWER))
        .isInstanceOf(AuthException.class);
    ids.createUser("bob", "long enough pw".toCharArray(), Role.VIEWER);
    assertThatThrownBy(() -> ids.createUser("bob", "long enough pw".toCharArray(), Role.VIEWER))
        .isInstanceOfSatisfying(
            AuthException.class, e -> assertThat(e.kind()).isEqualTo(AuthException.Kind.CONFLICT));
  }

  @Test
  void keysAreShownOnceStoredHashedAndScoped() {
    User u = ids.createUser("carol", "long enough pw".toCharArray(), Role.ADMIN);
    var created = ids.createKey(u.id(), "bot", EnumSet.of(Permission.SERVER_READ), null);
    assertThat(created.secret()).startsWith("peon_" + created.key().id() + "_");
    String stored =
        db.inTransaction(
            c -> {
              try (ResultSet rs =
                  c.createStatement().executeQuery("SELECT secret_hash FROM api_keys")) {
                rs.next();
                return rs.getString(1);
              }
            });
    assertThat(created.secret()).doesNotContain(stored);
    assertThat(stored).hasSize(64);
    Principal p = ids.authenticateKey(created.secret()).orElseThrow();
    assertThat(p.permissions()).containsExactly(Permission.SERVER_READ);
    assertThat(p.keyId()).isEqualTo(created.key().id());
    assertThat(ids.authenticateKey(created.secret() + "x")).isEmpty();
    String secret = created.secret();
    char last = secret.charAt(secret.length() - 1);
    String flipped = secret.substring(0, secret.length() - 1) + (last == 'A' ? 'B' : 'A');
    assertThat(ids.authenticateKey(flipped)).isEmpty();
  }

  @Test
  void revokedAndExpiredKeysAreRefusedOnTheNextRequest() {
    User u = ids.createUser("dave", "long enough pw".toCharArray(), Role.OPERATOR);
    var k1 = ids.createKey(u.id(), "one", null, null);
    var k2 = ids.createKey(u.id(), "two", null, clock.instant().plus(Duration.ofHours(1)));
    assertThat(ids.authenticateKey(k1.secret())).isPresent();
    ids.revokeKey(k1.key().id());
    assertThat(ids.authenticateKey(k1.secret())).isEmpty();
    assertThat(ids.authenticateKey(k2.secret())).isPresent();
    clock.advance(Duration.ofHours(1));
    assertThat(ids.authenticateKey(k2.secret())).isEmpty();
  }

  @Test
  void aKeyCannotExceedItsUsersRoleAndDisabledUsersKeysStopWorking() {
    User v = ids.createUser("erin", "long enough pw".toCharArray(), Role.VIEWER);
    assertThatThrownBy(() -> ids.createKey(v.id(), "k", EnumSet.of(Permission.SERVER_DELETE), null))
        .isInstanceOf(AuthException.class);
    var k = ids.createKey(v.id(), "k", null, null);
    ids.updateUser(v.id(), null, false, null);
    assertThat(ids.authenticateKey(k.secret())).isEmpty();
  }

  @Test
  void grantsGoWithTheirServerAndNeverPassToANewServerOfTheSameName() {
    User o = ids.createUser("bob", "long enough pw".toCharArray(), Role.OPERATOR);
    TestServers.insert(db, "minecraft.survival");
    ids.setGrants(o.id(), "minecraft.survival", Set.of(Permission.SERVER_CONSOLE));
    assertThat(ids.user(o.id()).orElseThrow().grants()).containsKey("minecraft.survival");

    TestServers.delete(db, "minecraft.survival");
    TestServers.insert(db, "minecraft.survival"); // months later, for another group

    assertThat(ids.user(o.id()).orElseThrow().grants()).isEmpty();
    Principal p = ids.principal(ids.user(o.id()).orElseThrow(), null, null);
    assertThat(p.may(Permission.SERVER_CONSOLE, "minecraft.survival")).isFalse();
    AuthException e =
        catchThrowableOfType(
            AuthException.class,
            () -> ids.setGrants(o.id(), "minecraft.future", Set.of(Permission.SERVER_READ)));
    assertThat(e.kind()).isEqualTo(AuthException.Kind.NOT_FOUND);
  }

  @Test
  void operatorsActOnlyOnGrantedServers() {
    User o = ids.createUser("frank", "long enough pw".toCharArray(), Role.OPERATOR);
    TestServers.insert(db, "valheim.main");
    ids.setGrants(o.id(), "valheim.main", Set.of(Permission.SERVER_POWER, Permission.SERVER_READ));
    Principal p = ids.principal(ids.user(o.id()).orElseThrow(), null, null);
    assertThat(p.may(Permission.SERVER_POWER, "valheim.main")).isTrue();
    assertThat(p.may(Permission.SERVER_POWER, "valheim.other")).isFalse();
    assertThat(p.may(Permission.SERVER_DELETE, "valheim.main")).isFalse();
  }

  @Test
  void theLastOwnerCannotBeRemovedOrDemoted() {
    User owner = ids.createUser("owner", "long enough pw".toCharArray(), Role.OWNER);
    assertThatThrownBy(() -> ids.deleteUser(owner.id())).isInstanceOf(AuthException.class);
    assertThatThrownBy(() -> ids.updateUser(owner.id(), Role.ADMIN, null, null))
        .isInstanceOf(AuthException.class);
  }

  @Test
  void sessionsExpire() {
    User u = ids.createUser("gina", "long enough pw".toCharArray(), Role.VIEWER);
    var s = ids.openSession(u.id());
    assertThat(ids.session(s.token())).isPresent();
    clock.advance(IdentityService.SESSION_TTL);
    assertThat(ids.session(s.token())).isEmpty();
  }

  @Test
  void theGeneratedOwnerPasswordMustBeChangedAndItsFileGoesWithTheChange() throws Exception {
    OwnerBootstrap.ensureOwner(ids, "owner", null, tmp);
    java.nio.file.Path file = tmp.resolve("owner-password");
    User owner = ids.findByName("owner").orElseThrow();
    assertThat(ids.passwordChangeRequired(owner.id())).isTrue();
    assertThat(ids.passwordChangeRequired(null)).isFalse();
    // a restart finds the file still there: still the generated password
    IdentityService again = new IdentityService(db, clock);
    OwnerBootstrap.ensureOwner(again, "owner", null, tmp);
    assertThat(again.passwordChangeRequired(owner.id())).isTrue();
    again.updateUser(owner.id(), null, null, "my own password".toCharArray());
    assertThat(again.passwordChangeRequired(owner.id())).isFalse();
    assertThat(file).doesNotExist();
    OwnerBootstrap.ensureOwner(new IdentityService(db, clock), "owner", null, tmp);
    assertThat(new IdentityService(db, clock).passwordChangeRequired(owner.id())).isFalse();
  }

  @Test
  void aConfiguredOwnerPasswordNeedsNoChange() {
    OwnerBootstrap.ensureOwner(
        ids, "owner", new dev.peon.orc.config.Secret("configured password"), tmp);
    assertThat(ids.passwordChangeRequired(ids.findByName("owner").orElseThrow().id())).isFalse();
  }
}
