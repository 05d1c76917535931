package dev.peon.orc.game;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/** One server's game as seen by {@link GameMonitor}; guarded by its own monitor. */
final class ServerWatch {
  private static final int HISTORY = 1440;

  /** The container start this watch follows (null: not running). */
  Instant startedAt;

  /** Bumped at every container start: results of an older run are dropped. */
  long generation;

  GameState state;
  Instant since;
  boolean everReady;
  int failures;
  String lastDetail;
  Instant lastProbeAt;
  Instant nextProbeAt = Instant.EPOCH;
  Instant nextPlayersAt = Instant.EPOCH;
  boolean inFlight;
  boolean playersInFlight;
  boolean restarting;
  boolean idleStopping;
  PlayerInfo players;
  int lastMax;
  Instant emptySince;
  final Set<Duration> warned = new HashSet<>();
  final ArrayDeque<GameStatus.Sample> history = new ArrayDeque<>();

  /** A new container run (or none, with null). Keeps the history and the last player limit. */
  void reset(Instant started, Instant now) {
    startedAt = started;
    generation++;
    state = null;
    since = null;
    everReady = false;
    failures = 0;
    lastDetail = null;
    nextProbeAt = Instant.EPOCH;
    nextPlayersAt = Instant.EPOCH;
    inFlight = false;
    playersInFlight = false;
    if (players != null && players.online() > 0) {
      addHistory(now, 0);
    }
    players = null;
    emptySince = null;
    warned.clear();
  }

  void setPlayers(PlayerInfo info, Instant now) {
    boolean countChanged = players == null || players.online() != info.online();
    players = info;
    lastMax = info.max();
    if (countChanged) {
      addHistory(now, info.online());
    }
  }

  void addHistory(Instant at, int online) {
    history.addLast(new GameStatus.Sample(at, online));
    while (history.size() > HISTORY) {
      history.removeFirst();
    }
  }
}
