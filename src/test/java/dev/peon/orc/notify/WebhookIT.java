package dev.peon.orc.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peon.orc.auth.OrcHarness;
import dev.peon.orc.auth.OrcHarness.Res;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.testing.Await;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Notifications end to end on the real dockerd: a receiver in the test gets the start, the crash (a
 * container killed behind the orchestrator's back), the stop and the backup of a real server, in
 * the generic format (signed) and in Discord's; a receiver that answers 500 gets the delivery
 * again; URLs and secrets never show in the API or the audit log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookIT {
  private static final String GAME = "hookgame";
  private static final String SERVER = GAME + ".alpha";
  private static final String TOKEN = "tok" + Long.toHexString(System.nanoTime()) + "xyzw";
  private static final String SECRET = "signing-" + Long.toHexString(System.nanoTime());
  private static final Duration WAIT = Duration.ofSeconds(90);

  private OrcHarness h;
  private Receiver receiver;
  private String globalId;
  private String discordId;

  @BeforeAll
  void start() throws Exception {
    receiver = new Receiver();
    h = new OrcHarness(GAME, "10.241.0.0/22", Clock.systemUTC());
    h.start();
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (h != null) {
        h.close();
      }
    } finally {
      if (receiver != null) {
        receiver.close();
      }
    }
  }

  private Res call(String method, String path, String body) {
    return h.call(method, path, body, OrcHarness.key(h.v1Key));
  }

  private JsonNode deliveries(String base, String id) {
    return call("GET", base + "/" + id + "/deliveries?limit=50", null).json().get("items");
  }

  @Test
  @Order(1)
  void webhooksAreConfiguredGloballyAndPerServerWithoutShowingTheirSecrets() {
    Res created =
        call("POST", "/api/v2/servers", "{\"game\": \"" + GAME + "\", \"name\": \"alpha\"}");
    assertThat(created.status()).as(created.text()).isEqualTo(201);

    Res global =
        call(
            "POST",
            "/api/v2/webhooks",
            "{\"url\": \"%s\", \"name\": \"all\", \"secret\": \"%s\"}"
                .formatted(receiver.url("/generic/" + TOKEN), SECRET));
    assertThat(global.status()).as(global.text()).isEqualTo(201);
    globalId = global.json().get("id").asText();
    Res discord =
        call(
            "POST",
            "/api/v2/servers/" + SERVER + "/webhooks",
            "{\"url\": \"%s\", \"format\": \"discord\", \"events\": [\"server.crashed\"]}"
                .formatted(receiver.url("/api/webhooks/1/" + TOKEN)));
    assertThat(discord.status()).as(discord.text()).isEqualTo(201);
    discordId = discord.json().get("id").asText();

    for (Res r :
        List.of(
            global,
            discord,
            call("GET", "/api/v2/webhooks", null),
            call("GET", "/api/v2/servers/" + SERVER + "/webhooks", null))) {
      assertThat(r.text()).doesNotContain(TOKEN, SECRET);
    }
    assertThat(global.json().get("secretSet").asBoolean()).isTrue();
  }

  @Test
  @Order(2)
  void aStartAndACrashAreDeliveredInBothFormats() {
    assertThat(
            call("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\": \"start\"}")
                .status())
        .isEqualTo(202);
    Await.until(WAIT, () -> !receiver.events("server.started").isEmpty());
    Receiver.Received started = receiver.events("server.started").get(0);
    assertThat(started.path()).isEqualTo("/generic/" + TOKEN);
    assertThat(started.json().get("server").asText()).isEqualTo(SERVER);
    assertThat(started.json().get("data").get("reason").asText()).isEqualTo("start");
    assertThat(started.header("X-Peon-Signature"))
        .isEqualTo(Payloads.signature(SECRET, started.body()));

    h.docker.kill(ServerId.parse(SERVER).containerName()); // behind the orchestrator's back

    Await.until(WAIT, () -> receiver.events("server.crashed").size() == 2);
    Receiver.Received generic =
        receiver.events("server.crashed").stream()
            .filter(r -> r.path().startsWith("/generic/"))
            .findFirst()
            .orElseThrow();
    assertThat(generic.json().get("event").asText()).isEqualTo("server.crashed");
    assertThat(generic.json().get("data").get("exitCode").asInt()).isEqualTo(137);
    Receiver.Received embed =
        receiver.events("server.crashed").stream()
            .filter(r -> r.path().startsWith("/api/webhooks/"))
            .findFirst()
            .orElseThrow();
    JsonNode e = embed.json().get("embeds").get(0);
    assertThat(e.get("title").asText()).isEqualTo("Server crashed: " + SERVER);
    assertThat(e.get("description").asText()).contains("exit code 137");
    assertThat(embed.header("X-Peon-Signature")).isNull();
    // the supervisor brings it back: a start of its own
    Await.until(
        WAIT,
        () ->
            receiver.events("server.started").stream()
                .anyMatch(r -> r.json().get("data").get("reason").asText().equals("resume")));
  }

  @Test
  @Order(3)
  void aStopAndABackupAreDelivered() {
    assertThat(
            call("POST", "/api/v2/servers/" + SERVER + "/power", "{\"action\": \"stop\"}").status())
        .isEqualTo(202);
    Await.until(WAIT, () -> !receiver.events("server.stopped").isEmpty());
    assertThat(receiver.events("server.stopped").get(0).json().get("data").get("reason").asText())
        .isEqualTo("stop");

    Res backup = call("POST", "/api/v2/servers/" + SERVER + "/backups", "{}");
    assertThat(backup.status()).as(backup.text()).isEqualTo(202);

    Await.until(WAIT, () -> !receiver.events("backup.succeeded").isEmpty());
    JsonNode b = receiver.events("backup.succeeded").get(0).json();
    assertThat(b.get("server").asText()).isEqualTo(SERVER);
    assertThat(b.get("data").get("backup").asText()).isNotBlank();
    // the Discord webhook asked for crashes only
    assertThat(
            deliveries("/api/v2/servers/" + SERVER + "/webhooks", discordId)
                .findValuesAsText("event"))
        .containsOnly("server.crashed");
    JsonNode all = deliveries("/api/v2/webhooks", globalId);
    assertThat(all.findValuesAsText("event"))
        .contains("server.started", "server.crashed", "server.stopped", "backup.succeeded");
    assertThat(all.findValuesAsText("status")).containsOnly("delivered");
  }

  @Test
  @Order(4)
  void aReceiverThatAnswers500GetsTheDeliveryAgain() {
    receiver.answer(500);
    int before = receiver.events("test").size();

    Res t = call("POST", "/api/v2/webhooks/" + globalId + "/test", null);

    assertThat(t.status()).as(t.text()).isEqualTo(202);
    long delivery = t.json().get("delivery").asLong();
    Await.until(
        WAIT,
        () -> {
          for (JsonNode d : deliveries("/api/v2/webhooks", globalId)) {
            if (d.get("id").asLong() == delivery && d.get("status").asText().equals("delivered")) {
              return true;
            }
          }
          return false;
        });
    JsonNode d = deliveries("/api/v2/webhooks", globalId).get(0);
    assertThat(d.get("id").asLong()).isEqualTo(delivery);
    assertThat(d.get("attempts").asInt()).isEqualTo(2);
    assertThat(d.get("httpStatus").asInt()).isEqualTo(200);
    assertThat(receiver.events("test").size() - before).isEqualTo(2);
  }

  @Test
  @Order(5)
  void theAuditLogHasTheChangesWithoutUrlTokensOrSecrets() {
    Res p = call("PATCH", "/api/v2/webhooks/" + globalId, "{\"enabled\": false}");
    assertThat(p.status()).isEqualTo(200);
    String audit = call("GET", "/api/v2/audit?action=webhook.create", null).text();
    assertThat(audit).contains("webhook.create").doesNotContain(TOKEN, SECRET);
    assertThat(call("GET", "/api/v2/audit/export", null).text()).doesNotContain(TOKEN, SECRET);
  }

  @Test
  @Order(6)
  void aServersWebhooksGoWithTheServer() {
    Res del = call("DELETE", "/api/v2/servers/" + SERVER, null);
    assertThat(del.status()).as(del.text()).isIn(200, 202, 204);
    Await.until(
        WAIT, () -> call("GET", "/api/v2/servers/" + SERVER + "/webhooks", null).status() == 404);
    assertThat(call("GET", "/api/v2/webhooks", null).json().get("items")).hasSize(1);
  }
}
