package dev.peon.orc.backup;

import java.util.Locale;

/** How a backup keeps a running server's world from changing under it. */
public enum Consistency {
  /** Stop the server, archive, start it again: players are disconnected. */
  STOP,
  /**
   * Freeze the container's processes while archiving (the default): players stay connected and see
   * the game hang for the archive's duration.
   */
  PAUSE,
  /** No quiescing: for games that save atomically. */
  LIVE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire word; throws {@link IllegalArgumentException} naming the choices. */
  public static Consistency parse(String s) {
    return switch (s == null ? "" : s) {
      case "stop" -> STOP;
      case "pause" -> PAUSE;
      case "live" -> LIVE;
      default -> throw new IllegalArgumentException("must be one of stop, pause, live");
    };
  }
}
