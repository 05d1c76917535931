package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;

/** Types a line into a running server's console (the console feature's command path). */
@FunctionalInterface
public interface ConsoleInput {
  /** For a scheduler without a console: every command step fails. */
  ConsoleInput NONE =
      (server, line) -> {
        throw new IllegalStateException("no console is available to scheduled commands");
      };

  void send(ServerId server, String line) throws Exception;
}
