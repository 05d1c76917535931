package dev.peon.orc.console;

import java.time.Duration;

/**
 * Console limits.
 *
 * @param historyLines lines kept in memory per server
 * @param linesPerSecond live lines per server sent to viewers, sustained (history keeps all)
 * @param lineBurst live lines per server that may go out at once
 * @param viewerQueue messages queued per viewer before the oldest are dropped
 * @param commandsPerSecond inbound messages per viewer per second
 * @param abuseLimit refused inbound messages after which a viewer is disconnected (1008)
 * @param statsInterval how often viewers get a stats message while the server runs
 */
public record ConsoleSettings(
    int historyLines,
    double linesPerSecond,
    int lineBurst,
    int viewerQueue,
    double commandsPerSecond,
    int abuseLimit,
    Duration statsInterval) {
  public static final int MAX_FRAME_BYTES = 4096;
  public static final int MAX_COMMAND_CHARS = 1024;

  public static ConsoleSettings defaults() {
    return new ConsoleSettings(1000, 30_000, 10_000, 4_096, 10, 20, Duration.ofSeconds(5));
  }
}
