package dev.peon.orc.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes 180 plan folders shaped like the upstream plan repository (peon-warplans), which is not
 * available offline. What counts for ports is copied from its measured make-up:
 *
 * <ul>
 *   <li>160 plans whose <em>only</em> port group publishes 27015: {@code PORT} with udp and with
 *       tcp, {@code tcp/udp}, a query port next to it, an rcon port, the port given as a JSON
 *       number, or two names sharing 27015 over different protocols;
 *   <li>8 plans with 2-3 alternative groups, Valheim-like ({@code 2456-2458}, {@code 2459-2461},
 *       {@code 2462-2464}) or two groups of two;
 *   <li>12 plans with several ports per group far apart (game + query + rcon).
 * </ul>
 *
 * Every plan uses {@link #IMAGE} and needs no setting, so a test can create all of them as they
 * are.
 */
final class UpstreamShapedPlans {
  static final String IMAGE = "umlatt/steamcmd";
  static final int SINGLE_GROUP_27015 = 160;
  static final int MULTI_GROUP = 8;
  static final int SEVERAL_PORTS = 12;
  static final int TOTAL = SINGLE_GROUP_27015 + MULTI_GROUP + SEVERAL_PORTS;

  private UpstreamShapedPlans() {}

  /** One generated plan: its folder name ({@code game_uid}) and its {@code ports} JSON. */
  record Shape(String gameUid, String portsJson) {}

  /** The 180 shapes, in a stable order. */
  static List<Shape> shapes() {
    List<Shape> out = new ArrayList<>();
    for (int i = 0; i < SINGLE_GROUP_27015; i++) {
      String ports =
          switch (i % 6) {
            case 0 -> "[[{'PORT': ['27015', 'udp']}, {'PORT': ['27015', 'tcp']}]]";
            case 1 -> "[[{'PORT': ['27015', 'tcp/udp']}]]";
            case 2 -> "[[{'PORT': ['27015', 'udp']}, {'QUERY_PORT': ['27016', 'udp']}]]";
            case 3 ->
                "[[{'PORT': [27015, 'udp']}, {'PORT': [27015, 'tcp']},"
                    + " {'RCON_PORT': ['27020', 'tcp']}]]";
            case 4 ->
                "[[{'GAME_PORT': ['27015', 'udp']}, {'QUERY_PORT': ['27015', 'tcp']},"
                    + " {'CLIENT_PORT': ['27005', 'udp']}]]";
            default -> "[[{'PORT': ['27015', 'udp']}]]";
          };
      out.add(new Shape("source_%03d".formatted(i), ports));
    }
    for (int i = 0; i < MULTI_GROUP; i++) {
      String ports =
          i % 2 == 0
              ? "[[{'PORT': ['2456', 'udp']}, {'QUERY_PORT': ['2457', 'udp']},"
                  + " {'CROSSPLAY_PORT': ['2458', 'udp']}],"
                  + " [{'PORT': ['2459', 'udp']}, {'QUERY_PORT': ['2460', 'udp']},"
                  + " {'CROSSPLAY_PORT': ['2461', 'udp']}],"
                  + " [{'PORT': ['2462', 'udp']}, {'QUERY_PORT': ['2463', 'udp']},"
                  + " {'CROSSPLAY_PORT': ['2464', 'udp']}]]"
              : "[[{'PORT': ['7777', 'udp']}, {'QUERY_PORT': ['7778', 'udp']}],"
                  + " [{'PORT': ['7787', 'udp']}, {'QUERY_PORT': ['7788', 'udp']}]]";
      out.add(new Shape("groups_%02d".formatted(i), ports));
    }
    for (int i = 0; i < SEVERAL_PORTS; i++) {
      String ports =
          i % 2 == 0
              ? "[[{'PORT': ['7777', 'udp']}, {'QUERY_PORT': ['27016', 'udp']},"
                  + " {'RCON_PORT': ['25575', 'tcp']}]]"
              : "[[{'PORT': ['25565', 'tcp']}, {'QUERY_PORT': ['25565', 'udp']},"
                  + " {'RCON_PORT': ['25575', 'tcp']}, {'WEB_PORT': ['8080', 'tcp']}]]";
      out.add(new Shape("several_%02d".formatted(i), ports));
    }
    return out;
  }

  /** Writes every plan folder under {@code plansDir}; returns the folders in order. */
  static List<Path> write(Path plansDir) {
    List<Path> folders = new ArrayList<>();
    int steamId = 200000;
    for (Shape s : shapes()) {
      String json =
          ("{'metadata': {'game_uid': '%s', 'warcamp': 'default', 'version': '1.0.0',"
                  + " 'description': 'A %s game server for PEON.', 'mode': 'steamcmd',"
                  + " 'hostname': 'peon.warcamp.%s', 'image': '%s'},"
                  + " 'ports': %s,"
                  + " 'environment': {'STEAM_ID': '%d', 'SERVER_NAME': 'PEON server',"
                  + " 'MAX_PLAYERS': '16'},"
                  + " 'volumes': {'~!/actions': '/actions', '~!/data': '/home/steam/steamcmd/data',"
                  + " '~!/config': '/home/steam/config'}}")
              .formatted(s.gameUid(), s.gameUid(), s.gameUid(), IMAGE, s.portsJson(), steamId++)
              .replace('\'', '"');
      try {
        Path dir = Files.createDirectories(plansDir.resolve(s.gameUid()));
        Files.writeString(dir.resolve("plan.json"), json);
        Files.createDirectories(dir.resolve("actions"));
        Files.writeString(dir.resolve("actions").resolve("server_start"), "#!/bin/sh\n");
        folders.add(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return folders;
  }
}
