package dev.peon.orc.notify;

import dev.peon.orc.event.Event;
import dev.peon.orc.event.EventBus;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers notifications to webhooks, off the publisher's thread: events come from the bus through
 * its asynchronous subscription; each matching webhook gets a recorded delivery that waits in a
 * bounded queue (a full queue drops its oldest, counted in a WARN) for one of a few sender threads;
 * failed tries are repeated per the {@link RetryPolicy} from a timer. Retries live in memory: those
 * still pending when the orchestrator stops are marked {@code abandoned} at the next start.
 */
public final class WebhookDispatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
  static final int DEFAULT_QUEUE = 1000;
  private static final int SENDERS = 4;
  private static final int MAX_ERROR = 300;

  private final WebhookRepository repository;
  private final WebhookTransport transport;
  private final Clock clock;
  private final RetryPolicy retry;
  private final String userAgent;
  private final BlockingDeque<Job> queue;
  private final ScheduledExecutorService timer;
  private final List<Thread> senders = new ArrayList<>();
  private final AtomicLong dropped = new AtomicLong();
  private EventBus.AsyncSubscription subscription;
  private volatile boolean closed;

  /** One delivery on its way: the webhook is read again before every retry. */
  private record Job(Webhook webhook, Notification notification, long deliveryId, int made) {}

  WebhookDispatcher(
      WebhookRepository repository,
      WebhookTransport transport,
      Clock clock,
      RetryPolicy retry,
      int queueCapacity,
      String version) {
    this.repository = repository;
    this.transport = transport;
    this.clock = clock;
    this.retry = retry;
    this.userAgent = "PEON-Orchestrator/" + version;
    this.queue = new LinkedBlockingDeque<>(queueCapacity);
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1, Thread.ofPlatform().daemon().name("webhook-retry").factory());
    t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.timer = t;
    int abandoned = repository.abandonPending(clock.instant());
    if (abandoned > 0) {
      LOG.atInfo()
          .addKeyValue("deliveries", abandoned)
          .log("webhook deliveries pending at the last stop are abandoned");
    }
    for (int i = 0; i < SENDERS; i++) {
      senders.add(Thread.ofVirtual().name("webhook-sender-" + i).start(this::sendLoop));
    }
  }

  /** Starts listening to the bus. */
  void listen(EventBus events) {
    subscription = events.subscribeAsync("webhooks", 10_000, this::onEvent);
  }

  private void onEvent(Event e) {
    Notification.of(e).ifPresent(this::dispatch);
  }

  /** Queues a delivery of {@code n} to every enabled webhook that wants it. */
  void dispatch(Notification n) {
    for (Webhook w : repository.candidates(n.server())) {
      if (w.wants(n)) {
        enqueue(w, n);
      }
    }
  }

  /** Queues one delivery to {@code w} whatever its filter; returns the delivery's id. */
  long enqueue(Webhook w, Notification n) {
    long id = repository.insertDelivery(w.id(), n, clock.instant());
    offer(new Job(w, n, id, 0));
    return id;
  }

  private void offer(Job job) {
    if (closed) {
      return;
    }
    while (!queue.offerLast(job)) {
      Job oldest = queue.pollFirst();
      if (oldest != null) {
        long n = dropped.incrementAndGet();
        repository.recordAttempt(
            oldest.deliveryId(),
            Delivery.Status.DROPPED,
            oldest.made(),
            null,
            "dropped: too many deliveries waiting",
            clock.instant(),
            null);
        if (n == 1 || n % 100 == 0) {
          LOG.atWarn()
              .addKeyValue("dropped", n)
              .log("webhook queue full; the oldest waiting deliveries are dropped");
        }
      }
    }
  }

  private void sendLoop() {
    while (!closed) {
      Job job;
      try {
        job = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        send(job);
      } catch (RuntimeException e) {
        LOG.atWarn()
            .addKeyValue("webhookId", job.webhook().id())
            .setCause(e)
            .log("webhook delivery failed unexpectedly");
      }
    }
  }

  private void send(Job job) {
    Webhook w = job.webhook();
    Notification n = job.notification();
    byte[] body = Payloads.render(w.format(), n);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", userAgent);
    headers.put("X-Peon-Event", n.kind().wire());
    headers.put("X-Peon-Delivery", Long.toString(job.deliveryId()));
    if (w.secret() != null) {
      headers.put(Payloads.SIGNATURE_HEADER, Payloads.signature(w.secret(), body));
    }
    int made = job.made() + 1;
    Integer status = null;
    String error;
    Duration retryAfter = null;
    try {
      WebhookTransport.Answer a = transport.post(w.url().uri(), headers, body);
      status = a.status();
      if (status >= 200 && status < 300) {
        repository.recordAttempt(
            job.deliveryId(), Delivery.Status.DELIVERED, made, status, null, clock.instant(), null);
        LOG.atDebug()
            .addKeyValue("webhookId", w.id())
            .addKeyValue("event", n.kind().wire())
            .addKeyValue("attempts", made)
            .log("webhook delivered");
        return;
      }
      error = "HTTP " + status;
      if (!RetryPolicy.retryable(status)) {
        finalFailure(job, made, status, error + " (not retried)");
        return;
      }
      retryAfter = RetryPolicy.retryAfter(a.retryAfter(), clock.instant());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return; // shutting down: left pending, abandoned at the next start
    } catch (IOException e) {
      error = describe(e);
    }
    Optional<Duration> wait = retry.next(made, retryAfter);
    if (wait.isEmpty()) {
      finalFailure(job, made, status, error + " (gave up after " + made + " tries)");
      return;
    }
    Instant due = clock.instant().plus(wait.get());
    repository.recordAttempt(
        job.deliveryId(), Delivery.Status.PENDING, made, status, error, clock.instant(), due);
    try {
      timer.schedule(() -> retry(job, made), wait.get().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing: left pending, abandoned at the next start
    }
  }

  /** Tries again with the webhook as it is now: deleted or disabled ends the delivery. */
  private void retry(Job job, int made) {
    try {
      Optional<Webhook> now = repository.find(job.webhook().id());
      if (now.isEmpty()) {
        return; // its deliveries went with it
      }
      if (!now.get().enabled()) {
        finalFailure(job, made, null, "webhook disabled before the next try");
        return;
      }
      offer(new Job(now.get(), job.notification(), job.deliveryId(), made));
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("webhookId", job.webhook().id())
          .setCause(e)
          .log("webhook retry could not be queued");
    }
  }

  private void finalFailure(Job job, int made, Integer status, String error) {
    String text = error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error;
    repository.recordAttempt(
        job.deliveryId(), Delivery.Status.FAILED, made, status, text, clock.instant(), null);
    LOG.atWarn()
        .addKeyValue("webhookId", job.webhook().id())
        .addKeyValue("url", job.webhook().url().masked())
        .addKeyValue("event", job.notification().kind().wire())
        .addKeyValue("attempts", made)
        .addKeyValue("httpStatus", status)
        .log("webhook delivery failed: " + text);
  }

  /** What went wrong on the wire, in words that never repeat the URL. */
  static String describe(IOException e) {
    if (e instanceof HttpTimeoutException) {
      return e instanceof java.net.http.HttpConnectTimeoutException
          ? "connect timed out"
          : "no answer in time";
    }
    if (e instanceof java.net.ConnectException) {
      return "connection refused or unreachable";
    }
    if (e instanceof java.net.UnknownHostException) {
      return "unknown host";
    }
    if (e instanceof javax.net.ssl.SSLException) {
      return "TLS failure";
    }
    return "network error (" + e.getClass().getSimpleName() + ")";
  }

  /** Deliveries dropped from the full queue since start. */
  long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    if (subscription != null) {
      subscription.close();
    }
    closed = true;
    timer.shutdownNow();
    for (Thread t : senders) {
      t.interrupt();
    }
    for (Thread t : senders) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
