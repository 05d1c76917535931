package dev.peon.orc.schedule;

import dev.peon.orc.server.ServerId;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;

/**
 * One schedule of one server: a cron expression or a one-shot time ({@code at}), never both.
 * Instants are stored with millisecond precision.
 *
 * @param updateMode set for {@link ScheduledAction#UPDATE} only
 * @param nextRun null when disabled, or when a one-shot has fired
 * @param lastRun when it last ran (or was skipped); null before the first run
 * @param lastResult how that run ended; null before the first run
 * @param steps what a {@link ScheduledAction#COMMAND} schedule does; null for the other actions
 */
public record Schedule(
    long id,
    ServerId server,
    ScheduledAction action,
    CronExpression cron,
    Instant at,
    ZoneId zone,
    boolean enabled,
    Misfire misfire,
    ScheduledUpdateMode updateMode,
    ScheduleOrigin origin,
    Instant nextRun,
    Instant lastRun,
    RunResult lastResult,
    Instant createdAt,
    CommandSteps steps) {
  /** The default zone, spelled as clients write it. */
  public static final ZoneId UTC = ZoneId.of("UTC");

  public Schedule {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(misfire, "misfire");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(createdAt, "createdAt");
    if ((cron == null) == (at == null)) {
      throw new IllegalArgumentException("a schedule has either a cron expression or an at time");
    }
    if ((action == ScheduledAction.UPDATE) != (updateMode != null)) {
      throw new IllegalArgumentException("an update mode goes with the update action only");
    }
    if ((action == ScheduledAction.COMMAND) != (steps != null)) {
      throw new IllegalArgumentException("steps go with the command action only");
    }
  }

  /** A schedule of any action but {@link ScheduledAction#COMMAND}. */
  public Schedule(
      long id,
      ServerId server,
      ScheduledAction action,
      CronExpression cron,
      Instant at,
      ZoneId zone,
      boolean enabled,
      Misfire misfire,
      ScheduledUpdateMode updateMode,
      ScheduleOrigin origin,
      Instant nextRun,
      Instant lastRun,
      RunResult lastResult,
      Instant createdAt) {
    this(
        id,
        server,
        action,
        cron,
        at,
        zone,
        enabled,
        misfire,
        updateMode,
        origin,
        nextRun,
        lastRun,
        lastResult,
        createdAt,
        null);
  }

  /** A one-shot schedule ({@code at}) rather than a recurring one ({@code cron}). */
  public boolean isOnce() {
    return at != null;
  }

  Schedule withNextRun(Instant next) {
    return new Schedule(
        id,
        server,
        action,
        cron,
        at,
        zone,
        enabled,
        misfire,
        updateMode,
        origin,
        next,
        lastRun,
        lastResult,
        createdAt,
        steps);
  }

  Schedule withEnabled(boolean on) {
    return new Schedule(
        id,
        server,
        action,
        cron,
        at,
        zone,
        on,
        misfire,
        updateMode,
        origin,
        nextRun,
        lastRun,
        lastResult,
        createdAt,
        steps);
  }

  Schedule withId(long newId) {
    return new Schedule(
        newId,
        server,
        action,
        cron,
        at,
        zone,
        enabled,
        misfire,
        updateMode,
        origin,
        nextRun,
        lastRun,
        lastResult,
        createdAt,
        steps);
  }
}
