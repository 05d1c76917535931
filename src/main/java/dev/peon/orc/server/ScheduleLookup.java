package dev.peon.orc.server;

import java.time.Instant;
import java.util.Optional;

/** Tells the next scheduled event of a server (implemented by the scheduler, wired in app). */
@FunctionalInterface
public interface ScheduleLookup {
  Optional<NextSchedule> next(ServerId id);

  /** The next scheduled event; {@code id} may be 0 when the scheduler has no ids. */
  record NextSchedule(long id, String action, Instant at) {}
}
