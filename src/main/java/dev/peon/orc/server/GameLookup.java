package dev.peon.orc.server;

/**
 * The game's state for the v2 server object; the {@code game} feature answers it (like {@link
 * ScheduleLookup}, so {@code server} does not depend on it).
 */
public interface GameLookup {

  /** What the game of a server is doing, or {@link Game#NONE}. */
  Game game(ServerId id);

  /**
   * @param state {@code starting}, {@code ready}, {@code unhealthy}, or null (not running, no
   *     probe)
   * @param online players online, null when unknown
   * @param max the player limit, null when unknown
   * @param sleeping stopped with its ports watched for a wake
   * @param lastStopReason why it last stopped ({@code stopped: idle 30 min}), or null
   */
  record Game(String state, Integer online, Integer max, boolean sleeping, String lastStopReason) {
    public static final Game NONE = new Game(null, null, null, false, null);
  }

  GameLookup NONE = id -> Game.NONE;
}
