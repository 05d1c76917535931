package dev.peon.orc.game;

import java.time.Instant;
import java.util.List;

/**
 * A server's game as the orchestrator sees it now (memory only).
 *
 * @param state null while the container is not running or when the game has no probe
 * @param probe the probe type in use, or null
 * @param lastDetail what the last probe said
 * @param failures consecutive failed probes
 * @param players the last answer about players, or null when unknown
 * @param emptySince since when nobody plays (only once ready), or null
 * @param idleStopAt when the idle stop is due, or null
 * @param sleeping stopped with its ports watched for a wake
 * @param readySeconds how long the last start took until ready
 */
public record GameStatus(
    GameState state,
    Instant since,
    String probe,
    String lastDetail,
    Instant lastProbeAt,
    int failures,
    PlayerInfo players,
    Instant emptySince,
    Instant idleStopAt,
    boolean sleeping,
    boolean listening,
    String lastStopReason,
    Instant lastStopAt,
    String lastRestartReason,
    Instant lastRestartAt,
    Integer readySeconds) {

  /** One point of the players history. */
  public record Sample(Instant at, int online) {}

  /** The history of a server's player count, oldest first. */
  public record History(List<Sample> samples) {
    public History {
      samples = List.copyOf(samples);
    }
  }
}
