package dev.peon.orc.plan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small plan folders for tests; JSON uses single quotes for readability. */
final class PlanFixtures {
  static final String VALHEIM =
      """
      {
        'metadata': {
          'game_uid': 'valheim', 'warcamp': 'default', 'version': '1.0.0',
          'description': 'A Valheim game server for PEON.', 'mode': 'steamcmd',
          'hostname': 'peon.warcamp.valheim', 'image': 'umlatt/steamcmd'
        },
        'ports': [
          [ { 'PORT': ['2456', 'udp'] }, { 'QUERY_PORT': ['2457', 'udp'] } ],
          [ { 'PORT': ['2466', 'udp'] }, { 'QUERY_PORT': ['2467', 'udp'] } ]
        ],
        'environment': { 'STEAM_ID': '896660', 'SERVER_NAME': null, 'WORLD_NAME': null,
                         'MAX_PLAYERS': '10' },
        'volumes': { '~!/actions': '/actions', '~!/data': '/home/steam/steamcmd/data',
                     '~!/config': '/home/steam/config',
                     '~!/user': '/home/steam/.config/unity3d/IronGate/Valheim' },
        'files': { '~!/server.cfg': '/home/steam/data/game/server.cfg' }
      }
      """;

  private PlanFixtures() {}

  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  /** A minimal plan for {@code gameUid} with the given image. */
  static String minimal(String gameUid) {
    return json(
        "{'metadata': {'game_uid': '"
            + gameUid
            + "', 'image': 'peon/"
            + gameUid
            + "'}, 'environment': {'STEAM_ID': '1'}}");
  }

  static Path writePlan(Path plansDir, String folder, String planJson) {
    try {
      Path dir = Files.createDirectories(plansDir.resolve(folder));
      Files.writeString(dir.resolve("plan.json"), planJson);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void writeRegistry(Path plansDir, String singleQuotedJson) {
    try {
      Files.createDirectories(plansDir);
      Files.writeString(plansDir.resolve("plans.json"), json(singleQuotedJson));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
