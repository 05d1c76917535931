package dev.peon.orc.server;

import java.time.Instant;

/** A server's row: what must survive restarts beyond its folder. */
record ServerRecord(ServerId id, int portGroup, String subnet, Status status, Instant createdAt) {

  /** CREATING rows belong to a create that has not finished (or crashed). */
  enum Status {
    CREATING,
    ACTIVE
  }
}
