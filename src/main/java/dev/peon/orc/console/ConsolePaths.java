package dev.peon.orc.console;

import dev.peon.orc.server.ServerId;

/** The console WebSocket paths, in one place. */
final class ConsolePaths {
  static final String V2 = "/api/v2/servers/{id}/console";
  static final String V1 = "/api/v1/ws/console/<uid>";
  private static final String V2_PREFIX = "/api/v2/servers/";
  private static final String V2_SUFFIX = "/console";
  private static final String V1_PREFIX = "/api/v1/ws/console/";

  private ConsolePaths() {}

  /** The server a console path names, or null when {@code path} is no console path. */
  static ServerId serverOf(String path) {
    String uid = null;
    if (path.startsWith(V2_PREFIX) && path.endsWith(V2_SUFFIX)) {
      uid = path.substring(V2_PREFIX.length(), path.length() - V2_SUFFIX.length());
    } else if (path.startsWith(V1_PREFIX)) {
      uid = path.substring(V1_PREFIX.length());
    }
    if (uid == null || uid.contains("/")) {
      return null;
    }
    try {
      return ServerId.parse(uid);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
