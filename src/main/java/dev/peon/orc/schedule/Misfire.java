package dev.peon.orc.schedule;

import java.util.Optional;

/** What happens to a run that fell due while the orchestrator was down. */
public enum Misfire {
  /** Fire once at start-up, however many runs were missed. */
  RUN_ONCE("run-once"),
  /** Record the run as skipped and wait for the next one. */
  SKIP("skip");

  private final String wire;

  Misfire(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<Misfire> fromWire(String word) {
    for (Misfire m : values()) {
      if (m.wire.equals(word)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
