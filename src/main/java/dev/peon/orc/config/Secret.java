package dev.peon.orc.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** A secret string whose {@code toString()} never reveals it. */
public record Secret(String value) {
  public Secret {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("secret must not be empty");
    }
  }

  /** Constant-time comparison with a presented value. */
  public boolean matches(String presented) {
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(
        value.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "********";
  }
}
