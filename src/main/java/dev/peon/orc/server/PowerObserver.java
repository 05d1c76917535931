package dev.peon.orc.server;

import dev.peon.orc.runtime.ExitStatus;
import java.time.Instant;

/**
 * Told by {@link ServerService} what the operator wants and what happened to a container behind the
 * orchestrator's back; supervision implements it. Calls come from power actions and from the state
 * tracker and must return quickly (no Docker calls, no waiting for a power lock).
 */
public interface PowerObserver {

  /** A start or restart was asked for (API, schedule, v1): the server should run. */
  void startRequested(ServerId id);

  /** A stop or kill was asked for (API, schedule, v1): the server should not run. */
  void stopRequested(ServerId id);

  /**
   * The container is about to start, by any path (start, restart, resume, update, restore), under
   * the power lock and before its ports are checked: whoever holds the server's ports for it (a
   * sleeping server's stand-in) lets go now.
   */
  default void aboutToStart(ServerId id) {}

  /**
   * The container exited (or was OOM-killed) and no action of the orchestrator caused it: neither a
   * stop, kill, restart, update nor a backup quiesce was stopping it.
   */
  void containerExited(ServerId id, Exit exit);

  /**
   * One exit.
   *
   * @param status the exit code and OOM flag as the engine reports them
   * @param at when the orchestrator saw it
   * @param afterStreamDrop seen while or right after the engine's event stream was down (for
   *     instance a dockerd restart): the engine may have stopped the container itself
   */
  record Exit(ExitStatus status, Instant at, boolean afterStreamDrop) {}

  /** Does nothing: servers are not supervised. */
  PowerObserver NONE =
      new PowerObserver() {
        @Override
        public void startRequested(ServerId id) {}

        @Override
        public void stopRequested(ServerId id) {}

        @Override
        public void containerExited(ServerId id, Exit exit) {}
      };
}
