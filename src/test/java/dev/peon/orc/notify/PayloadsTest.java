package dev.peon.orc.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-12-03T10:00:00Z");

  private static Notification crash() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("server", "valheim.camp");
    data.put("exitCode", 137);
    data.put("oomKilled", false);
    data.put("restartInSeconds", 5);
    return new Notification(NotificationKind.SERVER_CRASHED, "valheim.camp", AT, data);
  }

  @Test
  void genericBodyCarriesEventServerTimeAndData() throws Exception {
    JsonNode n = JSON.readTree(Payloads.render(WebhookFormat.JSON, crash()));
    assertThat(n.fieldNames()).toIterable().containsExactly("event", "server", "time", "data");
    assertThat(n.get("event").asText()).isEqualTo("server.crashed");
    assertThat(n.get("server").asText()).isEqualTo("valheim.camp");
    assertThat(n.get("time").asText()).isEqualTo("2026-12-03T10:00:00Z");
    assertThat(n.get("data").get("exitCode").asInt()).isEqualTo(137);
  }

  @Test
  void discordBodyIsOneEmbedWithoutContentOrMentions() throws Exception {
    JsonNode n = JSON.readTree(Payloads.render(WebhookFormat.DISCORD, crash()));
    assertThat(n.get("content").isNull()).isTrue();
    assertThat(n.get("allowed_mentions").get("parse")).isEmpty();
    assertThat(n.get("embeds")).hasSize(1);
    JsonNode e = n.get("embeds").get(0);
    assertThat(e.get("title").asText()).isEqualTo("Server crashed: valheim.camp");
    assertThat(e.get("description").asText())
        .isEqualTo("Server valheim.camp crashed (exit code 137); restart in 5 s.");
    assertThat(e.get("color").asInt()).isEqualTo(0xE74C3C);
    assertThat(e.get("timestamp").asText()).isEqualTo("2026-12-03T10:00:00Z");
  }

  @Test
  void discordDescriptionIsCutToDiscordsLimit() throws Exception {
    Notification n =
        new Notification(
            NotificationKind.BACKUP_FAILED, "a.b", AT, Map.of("error", "x".repeat(10_000)));
    JsonNode e = JSON.readTree(Payloads.render(WebhookFormat.DISCORD, n)).get("embeds").get(0);
    assertThat(e.get("description").asText()).hasSize(4096).endsWith("…");
  }

  @Test
  void everyKindHasADescription() {
    for (NotificationKind k : NotificationKind.values()) {
      assertThat(new Notification(k, "a.b", AT, Map.of()).describe()).isNotBlank();
    }
  }

  @Test
  void signatureIsTheHexHmacSha256OfTheBody() {
    // RFC-style known answer for HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog")
    assertThat(
            Payloads.signature(
                "key",
                "The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  }
}
