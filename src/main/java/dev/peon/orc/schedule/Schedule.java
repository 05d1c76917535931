package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import java.time.Instant;
import java.util.Objects;

/** A pending scheduled action on one server; instants are stored with millisecond precision. */
public record Schedule(
    long id, ServerId server, ScheduledAction action, Instant dueAt, Instant createdAt) {
  public Schedule {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(dueAt, "dueAt");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
