package dev.peon.orc.game;

import java.util.Locale;

/** What the game inside a running container is doing, beside Docker's state. */
public enum GameState {
  /** The container runs, the game does not answer yet (loading, downloading, in its grace). */
  STARTING,
  /** The readiness probe succeeded, and the health probe has not failed since. */
  READY,
  /** The health probe failed {@code failures} times in a row (or the game never became ready). */
  UNHEALTHY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
