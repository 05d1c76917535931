package dev.peon.orc.server;

import java.util.Optional;

/** What the orchestrator does when a server's container exits while it should run. */
public enum RestartPolicy {
  /** Never restart; the crash is recorded. */
  NO("no"),
  /** Restart after a non-zero exit or an OOM kill (and after an exit seen at a resync). */
  ON_FAILURE("on-failure"),
  /** Restart after any exit, a clean one (code 0) included. */
  ALWAYS("always");

  public static final RestartPolicy DEFAULT = ON_FAILURE;

  private final String wire;

  RestartPolicy(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<RestartPolicy> fromWire(String word) {
    for (RestartPolicy p : values()) {
      if (p.wire.equals(word)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
