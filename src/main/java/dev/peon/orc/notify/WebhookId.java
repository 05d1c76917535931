package dev.peon.orc.notify;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A webhook's id: {@code wh_} and 12 lower-case hex digits. */
public record WebhookId(String value) {
  private static final Pattern SHAPE = Pattern.compile("wh_[0-9a-f]{12}");

  public WebhookId {
    if (value == null || !SHAPE.matcher(value).matches()) {
      throw new IllegalArgumentException("must be a webhook id (wh_ and 12 hex digits)");
    }
  }

  static WebhookId random(SecureRandom random) {
    byte[] b = new byte[6];
    random.nextBytes(b);
    return new WebhookId("wh_" + HexFormat.of().formatHex(b));
  }

  @Override
  public String toString() {
    return value;
  }
}
