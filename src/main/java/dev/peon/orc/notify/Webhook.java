package dev.peon.orc.notify;

import dev.peon.orc.server.ServerId;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * One configured webhook.
 *
 * @param server the server it listens to, or null for a global webhook (every server)
 * @param name an optional label for people
 * @param events the kinds it wants; empty means every kind
 * @param secret the HMAC-SHA256 key that signs the generic format, or null; write-only on the API
 */
public record Webhook(
    WebhookId id,
    ServerId server,
    String name,
    WebhookUrl url,
    WebhookFormat format,
    Set<NotificationKind> events,
    String secret,
    boolean enabled,
    Instant createdAt) {

  public Webhook {
    events = events.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(events));
  }

  /** Whether a notification goes to this webhook. */
  boolean wants(Notification n) {
    if (n.kind() == NotificationKind.TEST) {
      return true;
    }
    if (!enabled || (!events.isEmpty() && !events.contains(n.kind()))) {
      return false;
    }
    return server == null || server.uid().equals(n.server());
  }

  Webhook with(
      String name,
      WebhookUrl url,
      WebhookFormat format,
      Set<NotificationKind> events,
      String secret,
      boolean enabled) {
    return new Webhook(id, server, name, url, format, events, secret, enabled, createdAt);
  }

  @Override
  public String toString() {
    return "Webhook[id="
        + id
        + ", server="
        + server
        + ", url="
        + url.masked()
        + ", format="
        + format.wire()
        + ", events="
        + events
        + ", secret="
        + (secret == null ? "none" : "(set)")
        + ", enabled="
        + enabled
        + "]";
  }
}
