package dev.peon.orc.runtime;

import java.time.Instant;
import java.util.Map;

/** A container event from the engine. */
public record RuntimeEvent(
    Kind kind, String containerId, String name, Map<String, String> labels, Instant time) {

  public RuntimeEvent {
    labels = Map.copyOf(labels);
  }

  /** The container events we act on; everything else is {@code OTHER}. */
  public enum Kind {
    CREATE,
    START,
    DIE,
    STOP,
    KILL,
    PAUSE,
    UNPAUSE,
    OOM,
    DESTROY,
    OTHER
  }
}
