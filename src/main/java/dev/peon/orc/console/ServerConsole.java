package dev.peon.orc.console;

import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.server.ServerId;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The console state of one server. Fields are guarded by the instance's monitor, which is never
 * held during engine I/O; {@link #catchUpLock} serializes reads of the engine's log tail and {@link
 * #stdinLock} the stdin writer (both locks, not monitors, so a slow engine never pins a carrier).
 */
final class ServerConsole {
  final ServerId id;
  final ConsoleHistory history;
  final LogCursor cursor = new LogCursor();
  final TokenBucket throttle;
  final Set<Viewer> viewers = new CopyOnWriteArraySet<>();
  final ReentrantLock catchUpLock = new ReentrantLock();
  final ReentrantLock stdinLock = new ReentrantLock();

  /** A follow is open or being opened. */
  boolean following;

  /** Counts follows; a follow's callbacks act only while theirs is the current one. */
  long followGeneration;

  ContainerRuntime.Subscription follow;

  /** When the last viewer left (null while someone watches): the follow lingers from here. */
  Instant unwatchedSince;

  long throttled;
  long throttledTotal;
  Instant lastThrottleNotice = Instant.EPOCH;
  String lastState;

  /** Guarded by {@link #stdinLock}; read without it only to decide whether to look. */
  volatile ContainerRuntime.StdinWriter stdin;

  volatile Instant stdinUsed = Instant.EPOCH;

  ServerConsole(ServerId id, ConsoleSettings settings, Clock clock) {
    this.id = id;
    this.history = new ConsoleHistory(settings.historyLines());
    this.throttle = new TokenBucket(clock, settings.linesPerSecond(), settings.lineBurst());
  }
}
