package dev.peon.orc.console;

import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.server.ServerId;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The console state of one server. Fields are guarded by the instance's monitor, except {@link
 * #loadLock} and {@link #stdinLock} which guard loading history and the stdin writer.
 */
final class ServerConsole {
  final ServerId id;
  final ConsoleHistory history;
  final LogCursor cursor = new LogCursor();
  final TokenBucket throttle;
  final Set<Viewer> viewers = new CopyOnWriteArraySet<>();
  final Object loadLock = new Object();
  final Object stdinLock = new Object();

  boolean loaded;
  boolean following;
  ContainerRuntime.Subscription follow;
  ContainerRuntime.StdinWriter stdin;
  long throttled;
  long throttledTotal;
  Instant lastThrottleNotice = Instant.EPOCH;
  String lastState;

  ServerConsole(ServerId id, ConsoleSettings settings, Clock clock) {
    this.id = id;
    this.history = new ConsoleHistory(settings.historyLines());
    this.throttle = new TokenBucket(clock, settings.linesPerSecond(), settings.lineBurst());
  }
}
