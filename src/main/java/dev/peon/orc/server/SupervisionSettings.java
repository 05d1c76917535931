package dev.peon.orc.server;

import java.time.Instant;

/**
 * The per-server supervision settings and status as the v2 API shows and changes them; the {@code
 * supervision} package implements it (like {@link ScheduleLookup}, so {@code server} does not
 * depend on it).
 */
public interface SupervisionSettings {

  /** The server's settings and status (defaults when nothing was stored yet). */
  Status status(ServerId id);

  /** Changes the restart policy and/or autostart; a null leaves that one as it is. */
  Status change(ServerId id, RestartPolicy restartPolicy, Boolean autostart);

  /**
   * @param desiredRunning what the operator last asked for (start/restart: true; stop/kill: false)
   * @param crashed a crash loop stopped the restarts; a manual start clears it
   * @param nextRestartAt when the next restart after a crash is due, or null
   * @param lastCrash the last crash, or null if the server never crashed
   */
  record Status(
      RestartPolicy restartPolicy,
      boolean autostart,
      boolean desiredRunning,
      boolean crashed,
      Instant nextRestartAt,
      Crash lastCrash) {}

  /** One crash: when it was seen, the exit code, whether the kernel's OOM killer ended it. */
  record Crash(Instant at, long exitCode, boolean oomKilled) {}

  /** No supervision: defaults, changes refused. */
  SupervisionSettings NONE =
      new SupervisionSettings() {
        @Override
        public Status status(ServerId id) {
          return new Status(RestartPolicy.DEFAULT, true, false, false, null, null);
        }

        @Override
        public Status change(ServerId id, RestartPolicy restartPolicy, Boolean autostart) {
          throw new ServerException(
              ServerException.Kind.INVALID, "Supervision is not available in this process.");
        }
      };
}
