package dev.peon.orc.server;

import java.time.Instant;

/** A server's row: what must survive restarts beyond its folder. */
record ServerRecord(ServerId id, int portGroup, String subnet, Status status, Instant createdAt) {
  /** {@code portGroup} of a server whose ports were moved to {@code ports.range}. */
  static final int RANGE = -1;

  /** CREATING rows belong to a create that has not finished (or crashed). */
  enum Status {
    CREATING,
    ACTIVE
  }
}
