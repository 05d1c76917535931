package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;

/** Carries out a schedule that fell due, usually through the server's power entry point. */
@FunctionalInterface
public interface ScheduledActionHandler {
  /**
   * Runs {@code action} on {@code server}; a thrown exception is recorded as the schedule's failed
   * result (its message as the detail), logged, and not retried.
   *
   * @param updateMode set for {@link ScheduledAction#UPDATE}, null otherwise
   */
  void run(ServerId server, ScheduledAction action, ScheduledUpdateMode updateMode)
      throws Exception;
}
