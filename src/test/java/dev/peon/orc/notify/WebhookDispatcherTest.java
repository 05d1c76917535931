package dev.peon.orc.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.MutableClock;
import dev.peon.orc.testing.TestServers;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery over real HTTP to a local receiver, with a real SQLite database and short retries. */
class WebhookDispatcherTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp");
  private static final ServerId OTHER = ServerId.parse("csgo.main");
  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
  private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(20), 3);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private Database db;
  private Receiver receiver;
  private WebhookService service;

  @BeforeEach
  void open() throws Exception {
    db = Database.open(dir.resolve("peon.db"));
    TestServers.insert(db, CAMP.uid());
    TestServers.insert(db, OTHER.uid());
    receiver = new Receiver();
    service = new WebhookService(db, new HttpWebhookTransport(), FAST, clock, "test");
  }

  @AfterEach
  void close() {
    service.close();
    receiver.close();
    db.close();
  }

  private Webhook hook(
      ServerId scope, WebhookFormat format, Set<NotificationKind> events, String secret) {
    return service.create(
        scope,
        new WebhookService.Settings(
            null, WebhookUrl.parse(receiver.url("/hook")), format, events, secret, true));
  }

  private static Notification crash(ServerId server) {
    return new Notification(
        NotificationKind.SERVER_CRASHED,
        server.uid(),
        T0,
        Map.of("server", server.uid(), "exitCode", 137));
  }

  private Delivery awaitFinal(Webhook w) {
    Await.until(
        () -> {
          List<Delivery> d = service.deliveries(w.id(), 1);
          return !d.isEmpty() && d.get(0).status() != Delivery.Status.PENDING;
        });
    return service.deliveries(w.id(), 1).get(0);
  }

  private void dispatch(Notification n) {
    dispatcher().dispatch(n);
  }

  private WebhookDispatcher dispatcher() {
    return service.dispatcher();
  }

  @Test
  void retriesAServerErrorAndRecordsTheDeliveryOnceItSucceeds() {
    receiver.answer(500);
    Webhook w = hook(null, WebhookFormat.JSON, Set.of(), null);

    dispatch(crash(CAMP));

    Delivery d = awaitFinal(w);
    assertThat(d.status()).isEqualTo(Delivery.Status.DELIVERED);
    assertThat(d.attempts()).isEqualTo(2);
    assertThat(d.httpStatus()).isEqualTo(200);
    assertThat(d.event()).isEqualTo("server.crashed");
    assertThat(d.server()).isEqualTo(CAMP.uid());
    assertThat(receiver.received()).hasSize(2);
    assertThat(receiver.received().get(1).json().get("event").asText()).isEqualTo("server.crashed");
  }

  @Test
  void aClientErrorIsFinalAtOnce() {
    receiver.answer(404);
    Webhook w = hook(null, WebhookFormat.JSON, Set.of(), null);

    dispatch(crash(CAMP));

    Delivery d = awaitFinal(w);
    assertThat(d.status()).isEqualTo(Delivery.Status.FAILED);
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(d.httpStatus()).isEqualTo(404);
    assertThat(d.error()).isEqualTo("HTTP 404 (not retried)");
    assertThat(receiver.received()).hasSize(1);
  }

  @Test
  void givesUpAfterTheLastTry() {
    receiver.answer(503).answer(503).answer(429, "0").answer(200);
    Webhook w = hook(null, WebhookFormat.JSON, Set.of(), null);

    dispatch(crash(CAMP));

    Delivery d = awaitFinal(w);
    assertThat(d.status()).isEqualTo(Delivery.Status.FAILED);
    assertThat(d.attempts()).isEqualTo(3);
    assertThat(d.httpStatus()).isEqualTo(429);
    assertThat(d.error()).isEqualTo("HTTP 429 (gave up after 3 tries)");
    assertThat(receiver.received()).hasSize(3);
  }

  @Test
  void aNetworkErrorIsRetriedAndDescribedWithoutTheUrl() throws Exception {
    int closedPort;
    try (var s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Webhook w =
        service.create(
            null,
            new WebhookService.Settings(
                null,
                WebhookUrl.parse("http://127.0.0.1:" + closedPort + "/token-in-path"),
                WebhookFormat.JSON,
                Set.of(),
                null,
                true));

    dispatch(crash(CAMP));

    Delivery d = awaitFinal(w);
    assertThat(d.status()).isEqualTo(Delivery.Status.FAILED);
    assertThat(d.attempts()).isEqualTo(3);
    assertThat(d.httpStatus()).isNull();
    assertThat(d.error()).startsWith("connection refused").doesNotContain("token-in-path");
  }

  @Test
  void signsTheBodyWhenASecretIsSet() {
    String secret = "0123456789abcdef-secret";
    Webhook w = hook(null, WebhookFormat.JSON, Set.of(), secret);

    dispatch(crash(CAMP));

    awaitFinal(w);
    Receiver.Received r = receiver.received().get(0);
    assertThat(r.header("X-Peon-Signature")).isEqualTo(Payloads.signature(secret, r.body()));
    assertThat(r.header("X-Peon-Event")).isEqualTo("server.crashed");
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.header("User-Agent")).isEqualTo("PEON-Orchestrator/test");
  }

  @Test
  void sendsOnlyWhatTheFilterAndTheScopeAskFor() {
    Webhook global = hook(null, WebhookFormat.JSON, Set.of(), null);
    Webhook backupsOnly =
        hook(null, WebhookFormat.JSON, Set.of(NotificationKind.BACKUP_FAILED), null);
    Webhook camp = hook(CAMP, WebhookFormat.DISCORD, Set.of(), null);
    Webhook other = hook(OTHER, WebhookFormat.JSON, Set.of(), null);
    Webhook off =
        service
            .change(
                null,
                hook(null, WebhookFormat.JSON, Set.of(), null).id(),
                new WebhookService.Settings(
                    null, global.url(), WebhookFormat.JSON, Set.of(), null, false))
            .orElseThrow();

    dispatch(crash(CAMP)); // deliveries are recorded before dispatch returns

    assertThat(service.deliveries(global.id(), 10)).hasSize(1);
    assertThat(service.deliveries(camp.id(), 10)).hasSize(1);
    assertThat(service.deliveries(backupsOnly.id(), 10)).isEmpty();
    assertThat(service.deliveries(other.id(), 10)).isEmpty();
    assertThat(service.deliveries(off.id(), 10)).isEmpty();
    Await.until(() -> receiver.received().size() == 2);
    assertThat(receiver.received().stream().map(r -> r.json().has("embeds")).toList())
        .containsExactlyInAnyOrder(true, false);
  }

  @Test
  void aTestNotificationGoesEvenToADisabledWebhookWhateverItsFilter() {
    Webhook w = hook(CAMP, WebhookFormat.JSON, Set.of(NotificationKind.BACKUP_FAILED), null);
    service.change(
        CAMP,
        w.id(),
        new WebhookService.Settings(null, w.url(), w.format(), w.events(), null, false));

    long id = service.test(service.find(CAMP, w.id()).orElseThrow());

    Delivery d = awaitFinal(w);
    assertThat(d.id()).isEqualTo(id);
    assertThat(d.status()).isEqualTo(Delivery.Status.DELIVERED);
    assertThat(receiver.received().get(0).json().get("event").asText()).isEqualTo("test");
  }

  @Test
  void aWebhookIsFoundOnlyInItsOwnScope() {
    Webhook w = hook(CAMP, WebhookFormat.JSON, Set.of(), null);
    assertThat(service.find(CAMP, w.id())).isPresent();
    assertThat(service.find(null, w.id())).isEmpty();
    assertThat(service.find(OTHER, w.id())).isEmpty();
    assertThat(service.delete(OTHER, w.id())).isFalse();
    assertThat(service.list(CAMP)).extracting(Webhook::id).containsExactly(w.id());
    assertThat(service.list(null)).isEmpty();
  }

  @Test
  void aServersWebhooksGoWithIt() {
    Webhook w = hook(CAMP, WebhookFormat.JSON, Set.of(), null);
    dispatch(crash(CAMP));
    awaitFinal(w);

    TestServers.delete(db, CAMP.uid());

    assertThat(service.find(CAMP, w.id())).isEmpty();
    assertThat(service.deliveries(w.id(), 10)).isEmpty();
  }

  @Test
  void deliveriesPendingAtAStopAreMarkedAbandonedAtTheNextStart() {
    service.close();
    service =
        new WebhookService(
            db, new HttpWebhookTransport(), new RetryPolicy(Duration.ofHours(1), 5), clock, "test");
    receiver.answer(500);
    Webhook w = hook(null, WebhookFormat.JSON, Set.of(), null);
    dispatch(crash(CAMP));
    Await.until(() -> service.deliveries(w.id(), 1).get(0).attempts() == 1);
    Delivery waiting = service.deliveries(w.id(), 1).get(0);
    assertThat(waiting.status()).isEqualTo(Delivery.Status.PENDING);
    assertThat(waiting.nextAttemptAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
    service.close();

    service = new WebhookService(db, new HttpWebhookTransport(), FAST, clock, "test");

    Delivery d = service.deliveries(w.id(), 1).get(0);
    assertThat(d.status()).isEqualTo(Delivery.Status.ABANDONED);
    assertThat(d.error()).contains("orchestrator stopped before delivery");
  }

  @Test
  void aFullQueueDropsItsOldestWaitingDelivery() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inFlight = new AtomicInteger();
    WebhookTransport stuck =
        (url, headers, body) -> {
          inFlight.incrementAndGet();
          release.await();
          return new WebhookTransport.Answer(200, null);
        };
    WebhookRepository repo = new WebhookRepository(db);
    Webhook w = hook(null, WebhookFormat.JSON, Set.of(), null);
    try (WebhookDispatcher d = new WebhookDispatcher(repo, stuck, clock, FAST, 1, "test")) {
      for (int i = 0; i < 4; i++) {
        d.enqueue(w, crash(CAMP)); // one per sender thread
      }
      Await.until(() -> inFlight.get() == 4);
      long waiting = d.enqueue(w, crash(CAMP));
      long newest = d.enqueue(w, crash(CAMP));

      assertThat(d.dropped()).isEqualTo(1);
      List<Delivery> all = repo.deliveries(w.id(), 10);
      assertThat(all.stream().filter(x -> x.id() == waiting).findFirst().orElseThrow().status())
          .isEqualTo(Delivery.Status.DROPPED);
      assertThat(all.stream().filter(x -> x.id() == newest).findFirst().orElseThrow().status())
          .isEqualTo(Delivery.Status.PENDING);
      release.countDown();
      Await.until(
          () ->
              repo.deliveries(w.id(), 10).stream()
                  .filter(x -> x.id() == newest)
                  .allMatch(x -> x.status() == Delivery.Status.DELIVERED));
    }
  }

  @Test
  void toStringsNeverShowTheSecretOrTheWholeUrl() {
    Webhook w =
        service.create(
            null,
            new WebhookService.Settings(
                null,
                WebhookUrl.parse("https://discord.com/api/webhooks/1/verysecrettokenvalue"),
                WebhookFormat.DISCORD,
                Set.of(),
                "0123456789abcdef-secret",
                true));
    assertThat(w.toString()).doesNotContain("verysecret", "0123456789abcdef").contains("(set)");
    assertThat(URI.create(w.url().uri().toString())).isEqualTo(w.url().uri());
  }
}
