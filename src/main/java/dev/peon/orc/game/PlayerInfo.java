package dev.peon.orc.game;

import java.util.List;

/**
 * What a game's query answered about its players.
 *
 * @param online players connected now
 * @param max the player limit the game reports
 * @param names player names when the protocol gives them (A2S_PLAYER, the Minecraft sample; may be
 *     fewer than {@code online})
 * @param map the map or world, or null
 * @param version the game version, or null
 * @param serverName the name the game announces, or null
 */
public record PlayerInfo(
    int online, int max, List<String> names, String map, String version, String serverName) {
  public PlayerInfo {
    if (online < 0 || max < 0) {
      throw new IllegalArgumentException("player counts cannot be negative");
    }
    names = List.copyOf(names);
  }

  /** The same answer with the names of an A2S_PLAYER reply. */
  PlayerInfo withNames(List<String> newNames) {
    return new PlayerInfo(online, max, newNames, map, version, serverName);
  }
}
