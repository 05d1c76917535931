package dev.peon.orc.console;

import dev.peon.orc.runtime.LogLine;
import java.time.Instant;

/**
 * One line of a server's console.
 *
 * @param seq increasing per server while the orchestrator runs (restarts begin again at 1)
 * @param source who wrote it: the game process or the orchestrator itself
 */
public record ConsoleLine(
    long seq, Instant time, LogLine.Stream stream, Source source, String text) {

  /** Who wrote a console line. */
  public enum Source {
    GAME,
    ORCHESTRATOR
  }
}
