package dev.peon.orc.game;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Built-in {@code game} sections for the most played games of the PEON plan repository, keyed by
 * {@code game_uid} (with aliases). Ports are tried in order: the first name the server has wins.
 * Grace periods are long because these images download the game at first start.
 */
final class GameProfiles {
  private static final String SOURCE =
      """
      {"readiness": {"type": "a2s", "port": ["QUERY_PORT", "PORT"], "interval": "10s",
                     "timeout": "3s", "grace": "20m", "failures": 3},
       "say": "say {message}"}""";

  private static final Map<String, String> PROFILES =
      Map.ofEntries(
          Map.entry(
              "valheim",
              """
              {"readiness": {"type": "a2s", "port": ["QUERY_PORT"], "interval": "10s",
                             "timeout": "3s", "grace": "15m", "failures": 3}}"""),
          Map.entry("csgo", SOURCE),
          Map.entry("cs2", SOURCE),
          Map.entry("css", SOURCE),
          Map.entry("tf2", SOURCE),
          Map.entry("gmod", SOURCE),
          Map.entry(
              "minecraft",
              """
              {"readiness": {"type": "minecraft", "port": ["PORT", "SERVER_PORT", "GAME_PORT"],
                             "interval": "10s", "timeout": "3s", "grace": "10m", "failures": 3},
               "say": "say {message}"}"""),
          Map.entry(
              "ark",
              """
              {"readiness": {"type": "a2s", "port": ["QUERY_PORT"], "interval": "15s",
                             "timeout": "3s", "grace": "30m", "failures": 4}}"""),
          Map.entry(
              "palworld",
              """
              {"readiness": {"type": "a2s", "port": ["QUERY_PORT"], "interval": "10s",
                             "timeout": "3s", "grace": "15m", "failures": 3}}"""),
          Map.entry(
              "rust",
              """
              {"readiness": {"type": "a2s", "port": ["QUERY_PORT", "PORT"], "interval": "15s",
                             "timeout": "3s", "grace": "30m", "failures": 4}}"""),
          Map.entry(
              "7daystodie",
              """
              {"readiness": {"type": "a2s", "port": ["QUERY_PORT", "PORT"], "interval": "10s",
                             "timeout": "3s", "grace": "20m", "failures": 3}}"""),
          // the Lightweight Query API: PollServerState (magic 0xF6D5, type 0, version 1, an
          // 8-byte cookie, terminator 1) answered by ServerStateResponse (type 1)
          Map.entry(
              "satisfactory",
              """
              {"readiness": {"type": "udp", "port": ["PORT", "QUERY_PORT"],
                             "request": "d5f60001000000000000000001", "expect": "d5f601",
                             "interval": "10s", "timeout": "3s", "grace": "15m", "failures": 3}}"""),
          // no query protocol: ready when the map is loaded; no health probe after that
          Map.entry(
              "factorio",
              """
              {"readiness": {"type": "log",
                             "pattern": "changing state from\\\\(CreatingGame\\\\) to\\\\(InGame\\\\)",
                             "interval": "5s", "grace": "10m", "failures": 3}}"""),
          Map.entry(
              "enshrouded",
              """
              {"readiness": {"type": "a2s", "port": ["QUERY_PORT"], "interval": "10s",
                             "timeout": "3s", "grace": "15m", "failures": 3}}"""));

  private static final Map<String, String> ALIASES =
      Map.of(
          "counterstrike2", "cs2",
          "sevendaystodie", "7daystodie",
          "7dtd", "7daystodie",
          "arkse", "ark",
          "ark_se", "ark",
          "mc", "minecraft",
          "minecraft_java", "minecraft");

  private GameProfiles() {}

  /** The profile's JSON text, or null when the game has none. */
  static String json(String name) {
    if (name == null) {
      return null;
    }
    String key = ALIASES.getOrDefault(name, name);
    return PROFILES.get(key);
  }

  /** Every profile name, sorted. */
  static List<String> names() {
    return List.copyOf(new TreeMap<>(PROFILES).keySet());
  }
}
