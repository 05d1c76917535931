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
 * @param followLinger how long a server's log stays followed after its last viewer left (a
 *     reconnecting viewer does not pay for a new stream)
 * @param stdinIdle an open stdin attach unused for this long is closed
 * @param maxDownloads whole-log downloads served at once (more are refused with 429)
 */
public record ConsoleSettings(
    int historyLines,
    double linesPerSecond,
    int lineBurst,
    int viewerQueue,
    double commandsPerSecond,
    int abuseLimit,
    Duration statsInterval,
    Duration followLinger,
    Duration stdinIdle,
    int maxDownloads) {
  public static final int MAX_FRAME_BYTES = 4096;
  public static final int MAX_COMMAND_CHARS = 1024;

  public static ConsoleSettings defaults() {
    return new ConsoleSettings(
        1000,
        30_000,
        10_000,
        4_096,
        10,
        20,
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        4);
  }

  /** These settings with another follow linger and stdin idle time. */
  public ConsoleSettings withIdle(Duration followLinger, Duration stdinIdle) {
    return new ConsoleSettings(
        historyLines,
        linesPerSecond,
        lineBurst,
        viewerQueue,
        commandsPerSecond,
        abuseLimit,
        statsInterval,
        followLinger,
        stdinIdle,
        maxDownloads);
  }
}
