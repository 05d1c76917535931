package dev.peon.orc.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The bodies webhooks get, and the signature of the generic one. */
final class Payloads {
  static final String SIGNATURE_HEADER = "X-Peon-Signature";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DISCORD_TITLE = 256;
  private static final int DISCORD_DESCRIPTION = 4096;

  private Payloads() {}

  /** The body in {@code format}, UTF-8 JSON. */
  static byte[] render(WebhookFormat format, Notification n) {
    Map<String, Object> body =
        switch (format) {
          case JSON -> generic(n);
          case DISCORD -> discord(n);
        };
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("notification not serializable", e);
    }
  }

  /** {@code {"event", "server", "time", "data"}}. */
  static Map<String, Object> generic(Notification n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("event", n.kind().wire());
    m.put("server", n.server());
    m.put("time", n.at().toString());
    m.put("data", n.data());
    return m;
  }

  /** A Discord execute-webhook body: no content, one embed, no mentions ever parsed. */
  static Map<String, Object> discord(Notification n) {
    Map<String, Object> embed = new LinkedHashMap<>();
    String title = n.kind().title() + (n.server() == null ? "" : ": " + n.server());
    embed.put("title", cut(title, DISCORD_TITLE));
    embed.put("description", cut(n.describe(), DISCORD_DESCRIPTION));
    embed.put("color", n.kind().color());
    embed.put("timestamp", n.at().toString());
    embed.put("footer", Map.of("text", "PEON Orchestrator · " + n.kind().wire()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("content", null);
    m.put("embeds", List.of(embed));
    m.put("allowed_mentions", Map.of("parse", List.of()));
    return m;
  }

  /** {@code sha256=<hex HMAC-SHA256 of the body>} under {@code secret}. */
  static String signature(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
