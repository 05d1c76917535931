package dev.peon.orc.server;

import java.util.Locale;

/** The PEON update modes. Any unknown word means a plain restart. */
public enum UpdateMode {
  FULL,
  IMAGE,
  SERVER,
  REINIT,
  RESTART;

  public static UpdateMode parse(String word) {
    if (word == null || word.isBlank()) {
      return FULL;
    }
    return switch (word.trim().toLowerCase(Locale.ROOT)) {
      case "full", "all" -> FULL;
      case "image", "container" -> IMAGE;
      case "server", "game" -> SERVER;
      case "reinit" -> REINIT;
      default -> RESTART;
    };
  }
}
