package dev.peon.orc.game;

import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.server.ServerId;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Keeps a stopped server's ports answered while it sleeps and wakes it at the first real
 * connection; {@code game.wake} implements it.
 */
public interface Sleeper extends AutoCloseable {

  /** Binds the server's host ports and answers on them; throws when a port cannot be bound. */
  void listen(Target target) throws IOException;

  /** Closes the server's ports (before its container starts); no-op when not listening. */
  void release(ServerId id);

  boolean listening(ServerId id);

  @Override
  void close();

  /** Called once per wake, on the sleeper's thread; must return quickly. */
  interface WakeHandler {
    void wake(ServerId id, String reason);
  }

  /**
   * A server to watch while it sleeps.
   *
   * @param name the name shown in server browsers (marked as sleeping by the sleeper)
   * @param minecraftPorts TCP ports that speak the Minecraft protocol (status, login)
   * @param queryPorts UDP ports where A2S queries are answered rather than waking the server
   * @param startSeconds how long a start usually takes until ready (for "come back in N s")
   * @param maxPlayers the player limit to announce
   */
  record Target(
      ServerId id,
      String name,
      List<PortEntry> ports,
      Set<Integer> minecraftPorts,
      Set<Integer> queryPorts,
      GameSettings.Wake wake,
      int startSeconds,
      int maxPlayers,
      WakeHandler handler) {
    public Target {
      ports = List.copyOf(ports);
      minecraftPorts = Set.copyOf(minecraftPorts);
      queryPorts = Set.copyOf(queryPorts);
    }
  }

  /** Never listens (wake on connect off for the whole orchestrator). */
  Sleeper NONE =
      new Sleeper() {
        @Override
        public void listen(Target target) {}

        @Override
        public void release(ServerId id) {}

        @Override
        public boolean listening(ServerId id) {
          return false;
        }

        @Override
        public void close() {}
      };
}
