package dev.peon.orc.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.MutableClock;
import dev.peon.orc.testing.RoutesUnderTest;
import dev.peon.orc.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Boots only {@link WebhookRoutes} on a real server (port 0) with a real SQLite database. */
class WebhookRoutesTest {
  private static final ServerId CAMP = ServerId.parse("valheim.camp");
  private static final String TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Receiver receiver;
  private String root;

  record Answer(int status, JsonNode body, String raw) {}

  @BeforeEach
  void boot() throws Exception {
    Database db = Database.open(dir.resolve("peon.db"));
    toClose.add(db);
    TestServers.insert(db, CAMP.uid());
    receiver = new Receiver();
    toClose.add(receiver);
    WebhookService service = new WebhookService(db, new EventBus(clock), clock, "test");
    toClose.add(service);
    HttpServer http =
        RoutesUnderTest.server(dir, List.of(new WebhookRoutes(service, Set.of(CAMP)::contains)));
    toClose.add(http);
    toClose.add(client::shutdownNow);
    root = "http://127.0.0.1:" + http.start();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private Answer call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(root + path)).header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(
        r.statusCode(), r.body().isEmpty() ? null : mapper.readTree(r.body()), r.body());
  }

  @Test
  void createsAWebhookAndNeverShowsItsSecretOrWholeUrl() throws Exception {
    Answer a =
        call(
            "POST",
            "/api/v2/webhooks",
            """
            {"url": "https://discord.com/api/webhooks/42/%s", "name": "ops",
             "events": ["server.crashed", "backup.failed"], "secret": "0123456789abcdef-secret"}
            """
                .formatted(TOKEN));

    assertThat(a.status()).as(a.raw()).isEqualTo(201);
    assertThat(a.raw()).doesNotContain(TOKEN, "0123456789abcdef");
    JsonNode w = a.body();
    assertThat(w.get("id").asText()).matches("wh_[0-9a-f]{12}");
    assertThat(w.get("server").isNull()).isTrue();
    assertThat(w.get("url").asText()).isEqualTo("https://discord.com/…/6789");
    assertThat(w.get("format").asText()).isEqualTo("discord"); // guessed from the URL
    assertThat(w.get("events").findValuesAsText("")).isEmpty();
    assertThat(mapper.convertValue(w.get("events"), List.class))
        .containsExactly("server.crashed", "backup.failed");
    assertThat(w.get("secretSet").asBoolean()).isTrue();
    assertThat(w.get("enabled").asBoolean()).isTrue();

    Answer list = call("GET", "/api/v2/webhooks", null);
    assertThat(list.body().get("items")).hasSize(1);
    assertThat(list.raw()).doesNotContain(TOKEN, "0123456789abcdef");
  }

  @Test
  void refusesBadInputNamingTheFieldsAndNeverEchoingTheUrl() throws Exception {
    Answer a =
        call(
            "POST",
            "/api/v2/webhooks",
            "{\"url\": \"ftp://files.example/"
                + TOKEN
                + "\", \"format\": \"slack\","
                + " \"events\": [\"server.exploded\", \"test\"], \"secret\": \"short\","
                + " \"colour\": 1}");

    assertThat(a.status()).isEqualTo(400);
    assertThat(a.raw()).doesNotContain(TOKEN);
    assertThat(a.body().get("errors").findValuesAsText("field"))
        .containsExactlyInAnyOrder("url", "format", "events[0]", "events[1]", "secret", "colour");
    assertThat(
            call("POST", "/api/v2/webhooks", "{}").body().get("errors").findValuesAsText("field"))
        .containsExactly("url");
    assertThat(call("GET", "/api/v2/webhooks", null).body().get("items")).isEmpty();
  }

  @Test
  void serverWebhooksLiveUnderTheirServerOnly() throws Exception {
    Answer a =
        call(
            "POST",
            "/api/v2/servers/valheim.camp/webhooks",
            "{\"url\": \"" + receiver.url("/x") + "\"}");
    assertThat(a.status()).as(a.raw()).isEqualTo(201);
    String id = a.body().get("id").asText();
    assertThat(a.body().get("server").asText()).isEqualTo("valheim.camp");
    assertThat(a.body().get("format").asText()).isEqualTo("json");

    assertThat(call("GET", "/api/v2/servers/valheim.camp/webhooks/" + id, null).status())
        .isEqualTo(200);
    assertThat(call("GET", "/api/v2/webhooks/" + id, null).status()).isEqualTo(404);
    assertThat(call("DELETE", "/api/v2/webhooks/" + id, null).status()).isEqualTo(404);
    assertThat(call("GET", "/api/v2/servers/csgo.main/webhooks", null).status()).isEqualTo(404);
    assertThat(
            call("GET", "/api/v2/webhooks/nope", null)
                .body()
                .get("errors")
                .findValuesAsText("field"))
        .containsExactly("wid");
    assertThat(call("GET", "/api/v2/webhooks", null).body().get("items")).isEmpty();
  }

  @Test
  void patchesChangeOnlyWhatIsGivenAndAnEmptySecretClearsIt() throws Exception {
    String id =
        call(
                "POST",
                "/api/v2/webhooks",
                "{\"url\": \"" + receiver.url("/x") + "\", \"secret\": \"0123456789abcdef\"}")
            .body()
            .get("id")
            .asText();

    Answer p =
        call(
            "PATCH",
            "/api/v2/webhooks/" + id,
            "{\"enabled\": false, \"events\": [\"server.started\"], \"secret\": \"\"}");

    assertThat(p.status()).as(p.raw()).isEqualTo(200);
    assertThat(p.body().get("enabled").asBoolean()).isFalse();
    assertThat(p.body().get("secretSet").asBoolean()).isFalse();
    assertThat(p.body().get("format").asText()).isEqualTo("json");
    assertThat(mapper.convertValue(p.body().get("events"), List.class))
        .containsExactly("server.started");
    assertThat(call("PATCH", "/api/v2/webhooks/" + id, "{\"url\": \"nope\"}").status())
        .isEqualTo(400);
    assertThat(call("DELETE", "/api/v2/webhooks/" + id, null).status()).isEqualTo(204);
    assertThat(call("GET", "/api/v2/webhooks/" + id, null).status()).isEqualTo(404);
  }

  @Test
  void theTestEndpointDeliversAndTheDeliveryIsListed() throws Exception {
    String id =
        call("POST", "/api/v2/webhooks", "{\"url\": \"" + receiver.url("/x") + "\"}")
            .body()
            .get("id")
            .asText();

    Answer t = call("POST", "/api/v2/webhooks/" + id + "/test", null);

    assertThat(t.status()).isEqualTo(202);
    long delivery = t.body().get("delivery").asLong();
    Await.until(
        () -> {
          try {
            JsonNode items = call("GET", "/api/v2/webhooks/" + id + "/deliveries", null).body();
            return items.get("items").get(0).get("status").asText().equals("delivered");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
    JsonNode d = call("GET", "/api/v2/webhooks/" + id + "/deliveries?limit=5", null).body();
    assertThat(d.get("items").get(0).get("id").asLong()).isEqualTo(delivery);
    assertThat(d.get("items").get(0).get("event").asText()).isEqualTo("test");
    assertThat(d.get("items").get(0).get("httpStatus").asInt()).isEqualTo(200);
    assertThat(d.get("items").get(0).get("attempts").asInt()).isEqualTo(1);
    assertThat(receiver.received()).hasSize(1);
    assertThat(call("GET", "/api/v2/webhooks/" + id + "/deliveries?limit=0", null).status())
        .isEqualTo(400);
  }

  @Test
  void aScopeHoldsAtMostTwentyWebhooks() throws Exception {
    for (int i = 0; i < WebhookService.MAX_PER_SCOPE; i++) {
      assertThat(
              call("POST", "/api/v2/webhooks", "{\"url\": \"https://h.example/" + i + "\"}")
                  .status())
          .isEqualTo(201);
    }
    Answer a = call("POST", "/api/v2/webhooks", "{\"url\": \"https://h.example/x\"}");
    assertThat(a.status()).isEqualTo(409);
    assertThat(a.body().get("type").asText()).endsWith("/conflict");
  }
}
