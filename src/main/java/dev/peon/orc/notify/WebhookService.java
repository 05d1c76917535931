package dev.peon.orc.notify;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifications: the webhooks of the orchestrator (global) and of each server, and their delivery.
 * A scope is a server id, or null for the global webhooks; a webhook is found only in its own
 * scope.
 */
public final class WebhookService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookService.class);

  /** Webhooks per scope: bounds the fan-out of one event. */
  public static final int MAX_PER_SCOPE = 20;

  private final WebhookRepository repository;
  private final WebhookDispatcher dispatcher;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** Production wiring: HTTP delivery with the default retries, listening to {@code events}. */
  public WebhookService(Database db, EventBus events, Clock clock, String version) {
    this(db, new HttpWebhookTransport(), RetryPolicy.DEFAULT, clock, version);
    dispatcher.listen(events);
  }

  WebhookService(
      Database db, WebhookTransport transport, RetryPolicy retry, Clock clock, String version) {
    this.repository = new WebhookRepository(db);
    this.dispatcher =
        new WebhookDispatcher(
            repository, transport, clock, retry, WebhookDispatcher.DEFAULT_QUEUE, version);
    this.clock = clock;
  }

  /** What a create or change asks for. */
  public record Settings(
      String name,
      WebhookUrl url,
      WebhookFormat format,
      Set<NotificationKind> events,
      String secret,
      boolean enabled) {
    public Settings {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(format, "format");
      events = Set.copyOf(events);
    }

    @Override
    public String toString() {
      return "Settings[url=" + url.masked() + ", format=" + format.wire() + "]";
    }
  }

  /** Thrown when a scope already has {@link #MAX_PER_SCOPE} webhooks. */
  public static final class TooManyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooManyException(String message) {
      super(message);
    }
  }

  public List<Webhook> list(ServerId scope) {
    return repository.list(scope);
  }

  public Optional<Webhook> find(ServerId scope, WebhookId id) {
    return repository.find(id).filter(w -> Objects.equals(w.server(), scope));
  }

  public Webhook create(ServerId scope, Settings s) {
    if (repository.list(scope).size() >= MAX_PER_SCOPE) {
      throw new TooManyException(
          (scope == null ? "The orchestrator" : "Server [" + scope.uid() + "]")
              + " already has "
              + MAX_PER_SCOPE
              + " webhooks; delete one first.");
    }
    Webhook w =
        new Webhook(
            WebhookId.random(random),
            scope,
            s.name(),
            s.url(),
            s.format(),
            s.events(),
            s.secret(),
            s.enabled(),
            clock.instant());
    repository.insert(w);
    LOG.atInfo()
        .addKeyValue("webhookId", w.id())
        .addKeyValue("serverId", scope)
        .addKeyValue("url", w.url().masked())
        .log("webhook created");
    return w;
  }

  /** Replaces the settings of a webhook of {@code scope}; empty when there is none. */
  public Optional<Webhook> change(ServerId scope, WebhookId id, Settings s) {
    Optional<Webhook> current = find(scope, id);
    if (current.isEmpty()) {
      return Optional.empty();
    }
    Webhook changed =
        current.get().with(s.name(), s.url(), s.format(), s.events(), s.secret(), s.enabled());
    if (!repository.update(changed)) {
      return Optional.empty();
    }
    LOG.atInfo()
        .addKeyValue("webhookId", id)
        .addKeyValue("url", changed.url().masked())
        .addKeyValue("enabled", changed.enabled())
        .log("webhook changed");
    return Optional.of(changed);
  }

  public boolean delete(ServerId scope, WebhookId id) {
    if (find(scope, id).isEmpty() || !repository.delete(id)) {
      return false;
    }
    LOG.atInfo().addKeyValue("webhookId", id).log("webhook deleted");
    return true;
  }

  /** Queues a test notification to {@code w} (even when disabled); returns the delivery id. */
  public long test(Webhook w) {
    return dispatcher.enqueue(
        w,
        new Notification(
            NotificationKind.TEST,
            w.server() == null ? null : w.server().uid(),
            clock.instant(),
            Map.of("webhook", w.id().value())));
  }

  /** The last deliveries of a webhook, newest first. */
  public List<Delivery> deliveries(WebhookId id, int limit) {
    return repository.deliveries(id, limit);
  }

  WebhookDispatcher dispatcher() {
    return dispatcher;
  }

  @Override
  public void close() {
    dispatcher.close();
  }
}
