package dev.peon.orc.notify;

import java.util.Optional;

/** The body a webhook gets: our generic JSON, or a Discord message with one embed. */
public enum WebhookFormat {
  JSON("json"),
  DISCORD("discord");

  private final String wire;

  WebhookFormat(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<WebhookFormat> fromWire(String s) {
    for (WebhookFormat f : values()) {
      if (f.wire.equals(s)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
