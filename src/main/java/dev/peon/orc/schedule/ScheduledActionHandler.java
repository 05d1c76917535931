package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;

/** Carries out a schedule that fell due, usually through the server's power entry point. */
@FunctionalInterface
public interface ScheduledActionHandler {
  /** Runs {@code action} on {@code server}; a failure is logged by the scheduler, not retried. */
  void run(ServerId server, ScheduledAction action) throws Exception;
}
