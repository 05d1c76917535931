package dev.peon.orc.notify;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code webhooks} and {@code webhook_deliveries} tables (V10). A server's webhooks go with its
 * record (foreign key, cascade); deliveries go with their webhook and are pruned to the last {@link
 * #KEEP_DELIVERIES} per webhook.
 */
final class WebhookRepository {
  static final int KEEP_DELIVERIES = 50;
  private static final String COLUMNS =
      "id, server_id, name, url, format, events, secret, enabled, created_at";
  private static final String DELIVERY_COLUMNS =
      "id, webhook_id, event, server_id, status, attempts, http_status, error, created_at,"
          + " updated_at, next_attempt_at";

  private final Database db;

  WebhookRepository(Database db) {
    this.db = db;
  }

  void insert(Webhook w) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO webhooks(" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, w.id().value());
            ps.setString(2, w.server() == null ? null : w.server().uid());
            bindBody(ps, 3, w);
            ps.setString(9, w.createdAt().toString());
            return ps.executeUpdate();
          }
        });
  }

  /** Writes the changeable fields; false when the webhook is gone. */
  boolean update(Webhook w) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE webhooks SET name = ?, url = ?, format = ?, events = ?, secret = ?,"
                      + " enabled = ? WHERE id = ?")) {
            bindBody(ps, 1, w);
            ps.setString(7, w.id().value());
            return ps.executeUpdate() == 1;
          }
        });
  }

  private static void bindBody(PreparedStatement ps, int i, Webhook w) throws SQLException {
    ps.setString(i, w.name());
    ps.setString(i + 1, w.url().uri().toString());
    ps.setString(i + 2, w.format().wire());
    ps.setString(i + 3, eventsText(w.events()));
    ps.setString(i + 4, w.secret());
    ps.setInt(i + 5, w.enabled() ? 1 : 0);
  }

  boolean delete(WebhookId id) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("DELETE FROM webhooks WHERE id = ?")) {
            ps.setString(1, id.value());
            return ps.executeUpdate() == 1;
          }
        });
  }

  Optional<Webhook> find(WebhookId id) {
    List<Webhook> found = query("WHERE id = ?", id.value());
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** The webhooks of one server, or the global ones when {@code server} is null. */
  List<Webhook> list(ServerId server) {
    return server == null
        ? query("WHERE server_id IS NULL ORDER BY created_at, id")
        : query("WHERE server_id = ? ORDER BY created_at, id", server.uid());
  }

  /** The enabled webhooks that may want a notification about {@code server} (null: global only). */
  List<Webhook> candidates(String server) {
    return server == null
        ? query("WHERE enabled = 1 AND server_id IS NULL")
        : query("WHERE enabled = 1 AND (server_id IS NULL OR server_id = ?)", server);
  }

  private List<Webhook> query(String where, String... args) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT " + COLUMNS + " FROM webhooks " + where)) {
            for (int i = 0; i < args.length; i++) {
              ps.setString(i + 1, args[i]);
            }
            List<Webhook> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                String server = rs.getString(2);
                out.add(
                    new Webhook(
                        new WebhookId(rs.getString(1)),
                        server == null ? null : ServerId.parse(server),
                        rs.getString(3),
                        new WebhookUrl(URI.create(rs.getString(4))),
                        WebhookFormat.fromWire(rs.getString(5)).orElse(WebhookFormat.JSON),
                        eventsOf(rs.getString(6)),
                        rs.getString(7),
                        rs.getInt(8) != 0,
                        Instant.parse(rs.getString(9))));
              }
            }
            return out;
          }
        });
  }

  static String eventsText(Set<NotificationKind> events) {
    StringBuilder b = new StringBuilder();
    for (NotificationKind k : NotificationKind.values()) {
      if (events.contains(k)) {
        b.append(b.isEmpty() ? "" : ",").append(k.wire());
      }
    }
    return b.toString();
  }

  static Set<NotificationKind> eventsOf(String text) {
    Set<NotificationKind> out = EnumSet.noneOf(NotificationKind.class);
    if (text != null && !text.isEmpty()) {
      for (String w : text.split(",")) {
        NotificationKind.fromWire(w).ifPresent(out::add); // a kind dropped in a later version
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ deliveries

  /** Records a new pending delivery and prunes the webhook's oldest; returns its id. */
  long insertDelivery(WebhookId webhook, Notification n, Instant now) {
    return db.inTransaction(
        c -> {
          long id;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO webhook_deliveries(webhook_id, event, server_id, status, attempts,"
                      + " created_at, updated_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)",
                  java.sql.Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, webhook.value());
            ps.setString(2, n.kind().wire());
            ps.setString(3, n.server());
            ps.setString(4, now.toString());
            ps.setString(5, now.toString());
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
              keys.next();
              id = keys.getLong(1);
            }
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id <= ?")) {
            ps.setString(1, webhook.value());
            ps.setLong(2, id - KEEP_DELIVERIES);
            ps.executeUpdate();
          }
          return id;
        });
  }

  /** Records an attempt's outcome (a pruned or deleted delivery is left alone). */
  void recordAttempt(
      long id,
      Delivery.Status status,
      int attempts,
      Integer httpStatus,
      String error,
      Instant now,
      Instant nextAttemptAt) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE webhook_deliveries SET status = ?, attempts = ?, http_status = ?,"
                      + " error = ?, updated_at = ?, next_attempt_at = ? WHERE id = ?")) {
            ps.setString(1, status.wire());
            ps.setInt(2, attempts);
            if (httpStatus == null) {
              ps.setNull(3, Types.INTEGER);
            } else {
              ps.setInt(3, httpStatus);
            }
            ps.setString(4, error);
            ps.setString(5, now.toString());
            ps.setString(6, nextAttemptAt == null ? null : nextAttemptAt.toString());
            ps.setLong(7, id);
            return ps.executeUpdate();
          }
        });
  }

  /** The last {@code limit} deliveries of a webhook, newest first. */
  List<Delivery> deliveries(WebhookId webhook, int limit) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + DELIVERY_COLUMNS
                      + " FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, webhook.value());
            ps.setInt(2, limit);
            List<Delivery> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                int http = rs.getInt(7);
                Integer httpStatus = rs.wasNull() ? null : http;
                String next = rs.getString(11);
                out.add(
                    new Delivery(
                        rs.getLong(1),
                        new WebhookId(rs.getString(2)),
                        rs.getString(3),
                        rs.getString(4),
                        Delivery.Status.valueOf(rs.getString(5).toUpperCase(java.util.Locale.ROOT)),
                        rs.getInt(6),
                        httpStatus,
                        rs.getString(8),
                        Instant.parse(rs.getString(9)),
                        Instant.parse(rs.getString(10)),
                        next == null ? null : Instant.parse(next)));
              }
            }
            return out;
          }
        });
  }

  /** Deliveries left pending by the last run: their retries were in memory and are lost. */
  int abandonPending(Instant now) {
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE webhook_deliveries SET status = 'abandoned', next_attempt_at = NULL,"
                      + " updated_at = ?, error = COALESCE(error, '') || CASE WHEN error IS NULL"
                      + " THEN '' ELSE '; ' END || 'orchestrator stopped before delivery'"
                      + " WHERE status = 'pending'")) {
            ps.setString(1, now.toString());
            return ps.executeUpdate();
          }
        });
  }
}
