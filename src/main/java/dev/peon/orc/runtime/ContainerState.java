package dev.peon.orc.runtime;

import java.util.Locale;

/** Docker's container status words. */
public enum ContainerState {
  CREATED,
  RUNNING,
  PAUSED,
  RESTARTING,
  REMOVING,
  EXITED,
  DEAD;

  /** The lower-case word Docker and the PEON API use. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ContainerState fromWire(String status) {
    if (status == null) {
      return DEAD;
    }
    return switch (status.toLowerCase(Locale.ROOT)) {
      case "created" -> CREATED;
      case "running" -> RUNNING;
      case "paused" -> PAUSED;
      case "restarting" -> RESTARTING;
      case "removing" -> REMOVING;
      case "exited" -> EXITED;
      default -> DEAD;
    };
  }
}
