package dev.peon.orc.auth;

import dev.peon.orc.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users, per-server grants, API keys and browser sessions. Keys look like {@code
 * peon_<id>_<secret>}: the id is public (listed, audited), the secret is shown once and stored only
 * as its SHA-256, compared in constant time. Passwords are Argon2id.
 */
public final class IdentityService {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityService.class);
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,31}");
  private static final Pattern KEY = Pattern.compile("peon_([0-9a-f]{12})_([A-Za-z0-9_-]{43})");
  public static final Duration SESSION_TTL = Duration.ofHours(12);
  private static final Duration LAST_USED_GRANULARITY = Duration.ofMinutes(1);

  private final Database db;
  private final Clock clock;
  private final PasswordHasher hasher = new PasswordHasher();
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final String dummyHash;

  /** Users still on a generated first-run password, with the file that holds it. */
  private final Map<Long, java.nio.file.Path> generatedPasswords = new ConcurrentHashMap<>();

  /** A browser session: the cookie value maps to it; {@code csrf} must accompany changes. */
  public record Session(String token, long userId, String csrf, Instant expiresAt) {}

  public IdentityService(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
    this.dummyHash = sha256("dummy");
  }

  // ---------------------------------------------------------------- users

  public boolean hasUsers() {
    return db.inTransaction(
        c -> {
          try (ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM users")) {
            return rs.next() && rs.getLong(1) > 0;
          }
        });
  }

  public User createUser(String name, char[] password, Role role) {
    validateName(name);
    validatePassword(password);
    String hash = hasher.hash(password);
    try {
      long id =
          db.inTransaction(
              c -> {
                try (PreparedStatement ps =
                    c.prepareStatement(
                        "INSERT INTO users(name, password_hash, role, enabled, created_at) VALUES"
                            + " (?,?,?,1,?)",
                        java.sql.Statement.RETURN_GENERATED_KEYS)) {
                  ps.setString(1, name);
                  ps.setString(2, hash);
                  ps.setString(3, role.wire());
                  ps.setLong(4, clock.millis());
                  ps.executeUpdate();
                  try (ResultSet k = ps.getGeneratedKeys()) {
                    k.next();
                    return k.getLong(1);
                  }
                }
              });
      LOG.atInfo().addKeyValue("user", name).addKeyValue("role", role.wire()).log("user created");
      return user(id).orElseThrow();
    } catch (RuntimeException e) {
      if (findByName(name).isPresent()) {
        throw new AuthException(AuthException.Kind.CONFLICT, "The user " + name + " exists.");
      }
      throw e;
    }
  }

  public List<User> users() {
    return db.inTransaction(
        c -> {
          List<User> out = new ArrayList<>();
          try (ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT id, name, role, enabled, created_at FROM users ORDER BY name")) {
            while (rs.next()) {
              out.add(mapUser(c, rs));
            }
          }
          return out;
        });
  }

  public Optional<User> user(long id) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT id, name, role, enabled, created_at FROM users WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(mapUser(c, rs)) : Optional.<User>empty();
            }
          }
        });
  }

  public Optional<User> findByName(String name) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT id, name, role, enabled, created_at FROM users WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(mapUser(c, rs)) : Optional.<User>empty();
            }
          }
        });
  }

  /**
   * Marks a user as still using the generated first-run password kept in {@code file}: {@link
   * #passwordChangeRequired} answers true until their password is changed, which deletes the file.
   */
  public void passwordGenerated(long userId, java.nio.file.Path file) {
    generatedPasswords.put(userId, file);
  }

  /** Whether the user still signs in with a generated first-run password. */
  public boolean passwordChangeRequired(Long userId) {
    return userId != null && generatedPasswords.containsKey(userId);
  }

  /** Changes role, enabled state and/or password (nulls leave a field as is). */
  public User updateUser(long id, Role role, Boolean enabled, char[] password) {
    User u =
        user(id)
            .orElseThrow(() -> new AuthException(AuthException.Kind.NOT_FOUND, "No such user."));
    boolean losesOwner =
        u.role() == Role.OWNER
            && ((role != null && role != Role.OWNER) || Boolean.FALSE.equals(enabled));
    if (losesOwner && enabledOwners() <= 1) {
      throw new AuthException(
          AuthException.Kind.CONFLICT, "The last enabled owner cannot be demoted or disabled.");
    }
    if (password != null) {
      validatePassword(password);
    }
    String hash = password == null ? null : hasher.hash(password);
    db.inTransaction(
        c -> {
          if (role != null) {
            exec(c, "UPDATE users SET role = ? WHERE id = ?", role.wire(), id);
          }
          if (enabled != null) {
            exec(c, "UPDATE users SET enabled = ? WHERE id = ?", enabled ? 1 : 0, id);
          }
          if (hash != null) {
            exec(c, "UPDATE users SET password_hash = ? WHERE id = ?", hash, id);
          }
          return null;
        });
    if (Boolean.FALSE.equals(enabled) || hash != null) {
      sessions.values().removeIf(s -> s.userId() == id);
    }
    if (hash != null) {
      forgetGeneratedPassword(id);
    }
    return user(id).orElseThrow();
  }

  private void forgetGeneratedPassword(long id) {
    java.nio.file.Path file = generatedPasswords.remove(id);
    if (file != null) {
      try {
        java.nio.file.Files.deleteIfExists(file);
      } catch (java.io.IOException e) {
        org.slf4j.LoggerFactory.getLogger(IdentityService.class)
            .atWarn()
            .addKeyValue("file", file)
            .addKeyValue("reason", e.toString())
            .log("cannot delete the first-run password file; delete it by hand");
      }
    }
  }

  public void deleteUser(long id) {
    User u =
        user(id)
            .orElseThrow(() -> new AuthException(AuthException.Kind.NOT_FOUND, "No such user."));
    if (u.role() == Role.OWNER && u.enabled() && enabledOwners() <= 1) {
      throw new AuthException(AuthException.Kind.CONFLICT, "The last owner cannot be deleted.");
    }
    db.inTransaction(c -> exec(c, "DELETE FROM users WHERE id = ?", id));
    sessions.values().removeIf(s -> s.userId() == id);
  }

  /** Replaces a user's grants on one server (empty set removes them). */
  public User setGrants(long userId, String serverUid, Set<Permission> permissions) {
    user(userId)
        .orElseThrow(() -> new AuthException(AuthException.Kind.NOT_FOUND, "No such user."));
    for (Permission p : permissions) {
      if (!p.perServer()) {
        throw new AuthException(
            AuthException.Kind.INVALID, p.wire() + " cannot be granted on one server");
      }
    }
    db.inTransaction(
        c -> {
          // grants belong to an existing server and go with it (V9): none waits for a future
          // server of that name
          try (var ps = c.prepareStatement("SELECT 1 FROM servers WHERE server_id = ?")) {
            ps.setString(1, serverUid);
            try (var rs = ps.executeQuery()) {
              if (!rs.next() && !permissions.isEmpty()) {
                throw new AuthException(
                    AuthException.Kind.NOT_FOUND, "There is no server [" + serverUid + "].");
              }
            }
          }
          exec(c, "DELETE FROM grants WHERE user_id = ? AND server_id = ?", userId, serverUid);
          for (Permission p : permissions) {
            exec(
                c,
                "INSERT INTO grants(user_id, server_id, permission) VALUES (?,?,?)",
                userId,
                serverUid,
                p.wire());
          }
          return null;
        });
    return user(userId).orElseThrow();
  }

  private long enabledOwners() {
    return db.inTransaction(
        c -> {
          try (ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT COUNT(*) FROM users WHERE role = 'owner' AND enabled = 1")) {
            return rs.next() ? rs.getLong(1) : 0L;
          }
        });
  }

  // ---------------------------------------------------------------- passwords and sessions

  /** Checks a password; empty when wrong, unknown or disabled (same work either way). */
  public Optional<User> checkPassword(String name, char[] password) {
    String stored =
        db.inTransaction(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT password_hash FROM users WHERE name = ? AND enabled = 1")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                  return rs.next() ? rs.getString(1) : null;
                }
              }
            });
    if (stored == null) {
      hasher.verify(password, DUMMY_PHC); // same cost as a real check
      return Optional.empty();
    }
    return hasher.verify(password, stored) ? findByName(name) : Optional.empty();
  }

  private static final String DUMMY_PHC =
      "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  public Session openSession(long userId) {
    Session s = new Session(token(32), userId, token(24), clock.instant().plus(SESSION_TTL));
    sessions.put(s.token(), s);
    return s;
  }

  public Optional<Session> session(String token) {
    if (token == null) {
      return Optional.empty();
    }
    Session s = sessions.get(token);
    if (s == null || !clock.instant().isBefore(s.expiresAt())) {
      if (s != null) {
        sessions.remove(token);
      }
      return Optional.empty();
    }
    return Optional.of(s);
  }

  public void closeSession(String token) {
    if (token != null) {
      sessions.remove(token);
    }
  }

  // ---------------------------------------------------------------- keys

  /** A new key: its metadata and the full secret, which is never shown again. */
  public record CreatedKey(ApiKey key, String secret) {}

  public CreatedKey createKey(long userId, String name, Set<Permission> scope, Instant expiresAt) {
    User u =
        user(userId)
            .orElseThrow(() -> new AuthException(AuthException.Kind.NOT_FOUND, "No such user."));
    if (name == null || !name.matches("[A-Za-z0-9 _.-]{1,64}")) {
      throw new AuthException(
          AuthException.Kind.INVALID, "name must be 1-64 letters, digits, spaces or _.-");
    }
    if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
      throw new AuthException(AuthException.Kind.INVALID, "expiresAt must be in the future");
    }
    if (scope != null && !u.role().permissions().containsAll(scope)) {
      throw new AuthException(
          AuthException.Kind.INVALID, "a key's scope cannot exceed its user's role");
    }
    byte[] idBytes = new byte[6];
    random.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    String secret = token(32);
    db.inTransaction(
        c ->
            exec(
                c,
                "INSERT INTO api_keys(id, user_id, name, secret_hash, scope, expires_at, created_at)"
                    + " VALUES (?,?,?,?,?,?,?)",
                id,
                userId,
                name,
                sha256(secret),
                scope == null
                    ? null
                    : scope.stream()
                        .map(Permission::wire)
                        .sorted()
                        .collect(Collectors.joining(",")),
                expiresAt == null ? null : expiresAt.toEpochMilli(),
                clock.millis()));
    LOG.atInfo().addKeyValue("keyId", id).addKeyValue("user", u.name()).log("API key created");
    return new CreatedKey(key(id).orElseThrow(), "peon_" + id + "_" + secret);
  }

  public List<ApiKey> keys(Long userId) {
    return db.inTransaction(
        c -> {
          String sql =
              "SELECT k.*, u.name AS user_name FROM api_keys k JOIN users u ON u.id = k.user_id"
                  + (userId == null ? "" : " WHERE k.user_id = ?")
                  + " ORDER BY k.created_at";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (userId != null) {
              ps.setLong(1, userId);
            }
            List<ApiKey> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(mapKey(rs));
              }
            }
            return out;
          }
        });
  }

  public Optional<ApiKey> key(String id) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT k.*, u.name AS user_name FROM api_keys k JOIN users u ON u.id ="
                      + " k.user_id WHERE k.id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(mapKey(rs)) : Optional.<ApiKey>empty();
            }
          }
        });
  }

  public void revokeKey(String id) {
    int n =
        db.inTransaction(
            c ->
                exec(
                    c,
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    clock.millis(),
                    id));
    if (n == 0 && key(id).isEmpty()) {
      throw new AuthException(AuthException.Kind.NOT_FOUND, "No such key.");
    }
    LOG.atInfo().addKeyValue("keyId", id).log("API key revoked");
  }

  /** The public id of a presented key of our form {@code peon_<id>_<secret>}, else null. */
  public static String publicKeyId(String presented) {
    var m = KEY.matcher(presented);
    return m.matches() ? m.group(1) : null;
  }

  /**
   * Resolves a presented key: the principal when it exists, is not revoked or expired, and its user
   * is enabled. The secret is compared in constant time whether or not the id exists.
   */
  public Optional<Principal> authenticateKey(String presented) {
    if (presented == null) {
      return Optional.empty();
    }
    var m = KEY.matcher(presented);
    if (!m.matches()) {
      MessageDigest.isEqual(
          dummyHash.getBytes(StandardCharsets.UTF_8),
          sha256(presented).getBytes(StandardCharsets.UTF_8));
      return Optional.empty();
    }
    String id = m.group(1);
    String presentedHash = sha256(m.group(2));
    record Row(long userId, String hash, String scope, Long expires, Long revoked, Long lastUsed) {}
    Row row =
        db.inTransaction(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT user_id, secret_hash, scope, expires_at, revoked_at, last_used_at FROM"
                          + " api_keys WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                  if (!rs.next()) {
                    return null;
                  }
                  return new Row(
                      rs.getLong(1),
                      rs.getString(2),
                      rs.getString(3),
                      nullableLong(rs, 4),
                      nullableLong(rs, 5),
                      nullableLong(rs, 6));
                }
              }
            });
    boolean match =
        MessageDigest.isEqual(
            (row == null ? dummyHash : row.hash()).getBytes(StandardCharsets.UTF_8),
            presentedHash.getBytes(StandardCharsets.UTF_8));
    if (row == null || !match || row.revoked() != null) {
      return Optional.empty();
    }
    long now = clock.millis();
    if (row.expires() != null && now >= row.expires()) {
      return Optional.empty();
    }
    Optional<User> u = user(row.userId()).filter(User::enabled);
    if (u.isEmpty()) {
      return Optional.empty();
    }
    if (row.lastUsed() == null || now - row.lastUsed() > LAST_USED_GRANULARITY.toMillis()) {
      db.inTransaction(c -> exec(c, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", now, id));
    }
    Set<Permission> scope = parseScope(row.scope());
    return Optional.of(principal(u.get(), id, scope));
  }

  /**
   * Whether a principal resolved earlier still stands: the v1 key always; a user's only while the
   * user exists and is enabled, and, through a key, while that key is neither revoked nor expired.
   */
  public boolean stillValid(Principal p) {
    if (p.userId() == null) {
      return true;
    }
    if (user(p.userId()).filter(User::enabled).isEmpty()) {
      return false;
    }
    if (p.keyId() == null) {
      return true;
    }
    Instant now = clock.instant();
    return key(p.keyId())
        .filter(k -> k.revokedAt() == null)
        .filter(k -> k.expiresAt() == null || now.isBefore(k.expiresAt()))
        .isPresent();
  }

  /** The principal of a user (optionally through a key with a narrower scope). */
  public Principal principal(User u, String keyId, Set<Permission> scope) {
    Set<Permission> perms = EnumSet.noneOf(Permission.class);
    perms.addAll(u.role().permissions());
    if (scope != null) {
      perms.retainAll(scope);
    }
    Map<String, Set<Permission>> grants = new HashMap<>();
    u.grants()
        .forEach(
            (server, ps) -> {
              Set<Permission> g = EnumSet.noneOf(Permission.class);
              g.addAll(ps);
              if (scope != null) {
                g.retainAll(scope);
              }
              grants.put(server, g);
            });
    return new Principal(u.id(), u.name(), u.role(), keyId, perms, grants);
  }

  /** The principal of the PEON v1 key from configuration, with the configured role. */
  public static Principal v1Principal(Role role) {
    return new Principal(null, "v1-key", role, null, role.permissions(), Map.of());
  }

  // ---------------------------------------------------------------- internals

  private static Set<Permission> parseScope(String s) {
    if (s == null) {
      return null;
    }
    Set<Permission> out = EnumSet.noneOf(Permission.class);
    if (!s.isEmpty()) {
      for (String p : s.split(",")) {
        out.add(Permission.fromWire(p));
      }
    }
    return out;
  }

  private ApiKey mapKey(ResultSet rs) throws SQLException {
    return new ApiKey(
        rs.getString("id"),
        rs.getLong("user_id"),
        rs.getString("user_name"),
        rs.getString("name"),
        parseScope(rs.getString("scope")),
        instant(rs, "expires_at"),
        instant(rs, "created_at"),
        instant(rs, "last_used_at"),
        instant(rs, "revoked_at"));
  }

  private static Long nullableLong(ResultSet rs, int col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : v;
  }

  private static Instant instant(ResultSet rs, String col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }

  private User mapUser(Connection c, ResultSet rs) throws SQLException {
    long id = rs.getLong("id");
    Map<String, Set<Permission>> grants = new LinkedHashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT server_id, permission FROM grants WHERE user_id = ? ORDER BY server_id")) {
      ps.setLong(1, id);
      try (ResultSet g = ps.executeQuery()) {
        while (g.next()) {
          grants
              .computeIfAbsent(g.getString(1), k -> EnumSet.noneOf(Permission.class))
              .add(Permission.fromWire(g.getString(2)));
        }
      }
    }
    return new User(
        id,
        rs.getString("name"),
        Role.fromWire(rs.getString("role")),
        rs.getInt("enabled") == 1,
        Instant.ofEpochMilli(rs.getLong("created_at")),
        grants);
  }

  private static int exec(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps.executeUpdate();
    }
  }

  private static void validateName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new AuthException(
          AuthException.Kind.INVALID,
          "name must be 1-32 of a-z, 0-9, _ . - (starting alphanumeric)");
    }
  }

  private static void validatePassword(char[] password) {
    if (password == null || password.length < 10 || password.length > 256) {
      throw new AuthException(AuthException.Kind.INVALID, "password must be 10 to 256 characters");
    }
  }

  String token(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
