package dev.peon.orc.server;

import java.time.Instant;

/**
 * A server's row: what must survive restarts beyond its folder. {@code node} is the cluster node it
 * is placed on, null on a single engine.
 */
record ServerRecord(
    ServerId id, int portGroup, String subnet, Status status, Instant createdAt, String node) {
  /** {@code portGroup} of a server whose ports were moved to {@code ports.range}. */
  static final int RANGE = -1;

  /** CREATING rows belong to a create that has not finished (or crashed). */
  enum Status {
    CREATING,
    ACTIVE
  }
}
