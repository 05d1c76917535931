package dev.peon.orc.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Remembers the answers of requests sent with an {@code Idempotency-Key}, so a retried request gets
 * the first answer instead of acting twice. Keys live for 24 hours.
 */
public final class IdempotencyStore {
  public static final Duration TTL = Duration.ofHours(24);
  private final Database db;
  private final Clock clock;

  public IdempotencyStore(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** A remembered answer. */
  public record Stored(String requestHash, int status, String body) {}

  public Optional<Stored> find(String scope, String key) {
    long oldest = clock.millis() - TTL.toMillis();
    return db.inTransaction(
        c -> {
          try (PreparedStatement del =
              c.prepareStatement("DELETE FROM idempotency_keys WHERE created_at < ?")) {
            del.setLong(1, oldest);
            del.executeUpdate();
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT request_hash, status, body FROM idempotency_keys WHERE idem_key = ? AND"
                      + " scope = ?")) {
            ps.setString(1, key);
            ps.setString(2, scope);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(new Stored(rs.getString(1), rs.getInt(2), rs.getString(3)))
                  : Optional.<Stored>empty();
            }
          }
        });
  }

  public void save(String scope, String key, String requestHash, int status, String body) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT OR REPLACE INTO idempotency_keys(idem_key, scope, request_hash, status,"
                      + " body, created_at) VALUES (?,?,?,?,?,?)")) {
            ps.setString(1, key);
            ps.setString(2, scope);
            ps.setString(3, requestHash);
            ps.setInt(4, status);
            ps.setString(5, body);
            ps.setLong(6, clock.millis());
            return ps.executeUpdate();
          }
        });
  }
}
