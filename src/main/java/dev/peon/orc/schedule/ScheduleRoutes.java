package dev.peon.orc.schedule;

import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.JsonInput;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerRoutes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The {@code /api/v2} schedule resources of one server.
 *
 * <pre>
 * GET    /api/v2/servers/{id}/schedules        list
 * POST   /api/v2/servers/{id}/schedules        create {action, cron | at, timeZone?, enabled?,
 *                                               misfire?, updateMode?, steps?} -> 201
 *                                               (steps with action command only; needs
 *                                               server.console too)
 * GET    /api/v2/servers/{id}/schedules/{sid}  one
 * PATCH  /api/v2/servers/{id}/schedules/{sid}  any of enabled, cron, at, timeZone, misfire,
 *                                               updateMode, steps (command only)
 * DELETE /api/v2/servers/{id}/schedules/{sid}  -> 204
 * </pre>
 */
public final class ScheduleRoutes implements Routes {
  private static final Pattern SCHEDULE_ID = Pattern.compile("[1-9][0-9]{0,17}");
  private static final String ACTIONS =
      "must be one of start, stop, restart, update, backup, command";
  private static final String MODES = "must be one of full, image, server, reinit, restart";

  private final Scheduler scheduler;
  private final Predicate<ServerId> serverExists;
  private final Clock clock;

  /**
   * @param serverExists tells whether a server is known (the server feature answers it)
   */
  public ScheduleRoutes(Scheduler scheduler, Predicate<ServerId> serverExists, Clock clock) {
    this.scheduler = scheduler;
    this.serverExists = serverExists;
    this.clock = clock;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/servers/{id}/schedules", this::list);
    app.post("/api/v2/servers/{id}/schedules", this::create);
    app.get("/api/v2/servers/{id}/schedules/{sid}", this::get);
    app.patch("/api/v2/servers/{id}/schedules/{sid}", this::patch);
    app.delete("/api/v2/servers/{id}/schedules/{sid}", this::delete);
  }

  // ------------------------------------------------------------ handlers

  private void list(Context ctx) {
    ServerId server = knownServer(ctx);
    List<Map<String, Object>> items = new ArrayList<>();
    for (Schedule s : scheduler.list(server)) {
      items.add(json(s));
    }
    ctx.json(Map.of("items", items));
  }

  private void get(Context ctx) {
    ServerId server = knownServer(ctx);
    ctx.json(json(existing(server, scheduleId(ctx))));
  }

  private void create(Context ctx) {
    ServerId server = knownServer(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    Optional<ScheduledAction> action =
        word(
            in,
            in.requiredString("action", 16, null, null),
            "action",
            ScheduledAction::fromWire,
            ACTIONS);
    Optional<CronExpression> cron = cron(in);
    Optional<Instant> at = at(in);
    ZoneId zone = zone(in).orElse(Schedule.UTC);
    boolean enabled = in.bool("enabled").orElse(true);
    Misfire misfire = misfire(in).orElse(Misfire.RUN_ONCE);
    Optional<ScheduledUpdateMode> mode = updateMode(in);
    Optional<CommandSteps> steps = steps(in);
    boolean command = action.orElse(null) == ScheduledAction.COMMAND;
    if (command && !in.has("steps")) {
      in.reject("steps", "are required for the command action: the console commands to type");
    }
    if (!command && action.isPresent() && in.has("steps")) {
      in.reject("steps", "apply to the command action only");
    }
    if (!in.has("cron") && !in.has("at")) {
      in.reject("cron", "or at is required (a cron expression or a one-shot time)");
    }
    if (in.has("cron") && in.has("at")) {
      in.reject("at", "cannot be given together with cron: give exactly one");
    }
    at.ifPresent(t -> rejectIfPast(in, t));
    if (mode.isPresent() && action.isPresent() && action.get() != ScheduledAction.UPDATE) {
      in.reject("updateMode", "applies to the update action only");
    }
    in.finish();
    ScheduledAction a = action.orElseThrow();
    if (a == ScheduledAction.COMMAND) {
      requireConsole(ctx, server);
    }
    Schedule s =
        scheduler.create(
            new Schedule(
                0,
                server,
                a,
                cron.orElse(null),
                at.orElse(null),
                zone,
                enabled,
                misfire,
                a == ScheduledAction.UPDATE ? mode.orElse(ScheduledUpdateMode.FULL) : null,
                ScheduleOrigin.V2,
                null,
                null,
                null,
                clock.instant(),
                steps.orElse(null)));
    ctx.status(201);
    ctx.header("Location", "/api/v2/servers/" + server.uid() + "/schedules/" + s.id());
    ctx.json(json(s));
  }

  private void patch(Context ctx) {
    ServerId server = knownServer(ctx);
    long id = scheduleId(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    if (in.has("action")) {
      in.string("action", 16);
      in.reject("action", "cannot be changed: create a new schedule instead");
    }
    Optional<CronExpression> cron = cron(in);
    Optional<Instant> at = at(in);
    Optional<ZoneId> zone = zone(in);
    Optional<Boolean> enabled = in.bool("enabled");
    Optional<Misfire> misfire = misfire(in);
    Optional<ScheduledUpdateMode> mode = updateMode(in);
    Optional<CommandSteps> steps = steps(in);
    if (in.has("cron") && in.has("at")) {
      in.reject("at", "cannot be given together with cron: give exactly one");
    }
    Schedule current = existing(server, id);
    if (in.has("steps") && current.action() != ScheduledAction.COMMAND) {
      in.reject("steps", "apply to the command action only");
    }
    if (mode.isPresent() && current.action() != ScheduledAction.UPDATE) {
      in.reject("updateMode", "applies to the update action only");
    }
    at.ifPresent(t -> rejectIfPast(in, t));
    CronExpression newCron = cron.orElse(at.isPresent() ? null : current.cron());
    Instant newAt = at.orElse(cron.isPresent() ? null : current.at());
    boolean on = enabled.orElse(current.enabled());
    if (at.isEmpty() && newAt != null && on && !newAt.isAfter(clock.instant())) {
      in.reject("at", "is in the past: give a new at to enable this one-shot schedule again");
    }
    in.finish();
    if (steps.isPresent()) {
      requireConsole(ctx, server);
    }
    Schedule changed =
        new Schedule(
            current.id(),
            server,
            current.action(),
            newCron,
            newAt,
            zone.orElse(current.zone()),
            on,
            misfire.orElse(current.misfire()),
            mode.orElse(current.updateMode()),
            current.origin(),
            current.nextRun(),
            current.lastRun(),
            current.lastResult(),
            current.createdAt(),
            steps.orElse(current.steps()));
    ctx.json(json(scheduler.change(changed).orElseThrow(() -> notFound(server, id))));
  }

  /** A command schedule types into the console: it is no wider than the console itself. */
  private static void requireConsole(Context ctx, ServerId server) {
    if (!HttpServer.permissions(ctx).may("server.console", server.uid())) {
      throw new ProblemException(
          Problem.of(
              "forbidden",
              403,
              "A command schedule types into the console: it needs server.console on ["
                  + server.uid()
                  + "]."));
    }
  }

  private void delete(Context ctx) {
    ServerId server = knownServer(ctx);
    long id = scheduleId(ctx);
    if (!scheduler.delete(server, id)) {
      throw notFound(server, id);
    }
    ctx.status(204);
  }

  // ------------------------------------------------------------ input

  private ServerId knownServer(Context ctx) {
    return ServerRoutes.knownServer(ctx, serverExists);
  }

  private static long scheduleId(Context ctx) {
    String raw = ctx.pathParam("sid");
    if (!SCHEDULE_ID.matcher(raw).matches()) {
      throw new ProblemException(Problem.invalid("sid", "must be a schedule id (an integer)"));
    }
    return Long.parseLong(raw);
  }

  private Schedule existing(ServerId server, long id) {
    return scheduler.find(server, id).orElseThrow(() -> notFound(server, id));
  }

  private static ProblemException notFound(ServerId server, long id) {
    return new ProblemException(
        Problem.of("not-found", 404, "Server [" + server.uid() + "] has no schedule " + id + "."));
  }

  private static Optional<CronExpression> cron(JsonInput in) {
    return in.string("cron", 200)
        .flatMap(
            text -> {
              try {
                CronExpression cron = CronExpression.parse(text);
                if (firesMoreThanOnceAMinute(cron)) {
                  in.reject(
                      "cron",
                      "fires more often than once a minute: a server action needs at least a"
                          + " minute between runs");
                  return Optional.empty();
                }
                return Optional.of(cron);
              } catch (InvalidScheduleException e) {
                in.reject("cron", e.getMessage());
                return Optional.empty();
              }
            });
  }

  /** The shortest gap between runs of a cron repeats within a day: look at a day of runs. */
  private static boolean firesMoreThanOnceAMinute(CronExpression cron) {
    Instant t = REFERENCE;
    for (int i = 0; i < 1440; i++) {
      Optional<Instant> next = cron.next(t, Schedule.UTC);
      if (next.isEmpty() || next.get().isAfter(REFERENCE.plus(Duration.ofDays(1)))) {
        return false;
      }
      if (i > 0 && Duration.between(t, next.get()).compareTo(Duration.ofMinutes(1)) < 0) {
        return true;
      }
      t = next.get();
    }
    return false;
  }

  private static final Instant REFERENCE = Instant.parse("2026-01-05T00:00:00Z");

  /** Later than this is a typo, and beyond what the store's millisecond column can hold. */
  private static final Instant LATEST_AT = Instant.parse("9999-12-31T23:59:59Z");

  private static Optional<Instant> at(JsonInput in) {
    return in.string("at", 64)
        .flatMap(
            text -> {
              try {
                Instant at = OffsetDateTime.parse(text).toInstant();
                if (at.isAfter(LATEST_AT)) {
                  in.reject("at", "is too far in the future: give a time before the year 10000");
                  return Optional.empty();
                }
                return Optional.of(at);
              } catch (DateTimeException e) {
                in.reject("at", "must be an RFC 3339 time such as 2026-11-26T20:00:00Z");
                return Optional.empty();
              }
            });
  }

  private void rejectIfPast(JsonInput in, Instant at) {
    if (!at.isAfter(clock.instant())) {
      in.reject("at", "is in the past: give a time in the future");
    }
  }

  private static Optional<ZoneId> zone(JsonInput in) {
    return in.string("timeZone", 64)
        .flatMap(
            text -> {
              try {
                return Optional.of(ZoneId.of(text));
              } catch (DateTimeException e) {
                in.reject("timeZone", "must be an IANA time zone such as Europe/Berlin or UTC");
                return Optional.empty();
              }
            });
  }

  private static Optional<CommandSteps> steps(JsonInput in) {
    return in.rawArray("steps")
        .flatMap(
            node -> {
              try {
                return Optional.of(CommandSteps.fromJson(node));
              } catch (InvalidScheduleException e) {
                in.reject(e.field(), e.getMessage());
                return Optional.empty();
              }
            });
  }

  private static Optional<Misfire> misfire(JsonInput in) {
    return word(
        in,
        in.string("misfire", 16).orElse(null),
        "misfire",
        Misfire::fromWire,
        "must be run-once or skip");
  }

  private static Optional<ScheduledUpdateMode> updateMode(JsonInput in) {
    return word(
        in,
        in.string("updateMode", 16).orElse(null),
        "updateMode",
        ScheduledUpdateMode::fromWire,
        MODES);
  }

  private static <T> Optional<T> word(
      JsonInput in, String text, String field, Function<String, Optional<T>> parse, String hint) {
    if (text == null) {
      return Optional.empty();
    }
    Optional<T> value = parse.apply(text);
    if (value.isEmpty()) {
      in.reject(field, hint);
    }
    return value;
  }

  // ------------------------------------------------------------ output

  static Map<String, Object> json(Schedule s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("server", s.server().uid());
    m.put("action", s.action().wire());
    m.put("cron", s.cron() == null ? null : s.cron().text());
    m.put("at", str(s.at()));
    m.put("timeZone", s.zone().getId());
    m.put("enabled", s.enabled());
    m.put("misfire", s.misfire().wire());
    m.put("updateMode", s.updateMode() == null ? null : s.updateMode().wire());
    m.put("steps", s.steps() == null ? null : s.steps().toJson());
    m.put("origin", s.origin().name().toLowerCase(Locale.ROOT));
    m.put("nextRun", str(s.nextRun()));
    m.put("nextRuns", nextRuns(s).stream().map(Instant::toString).toList());
    m.put("lastRun", str(s.lastRun()));
    Map<String, Object> result = null;
    if (s.lastResult() != null) {
      result = new LinkedHashMap<>();
      result.put("status", s.lastResult().status().wire());
      result.put("detail", s.lastResult().detail());
    }
    m.put("lastResult", result);
    m.put("createdAt", str(s.createdAt()));
    return m;
  }

  /** The next {@value #NEXT_RUNS} runs (fewer for a one-shot or a rare cron), none when off. */
  static List<Instant> nextRuns(Schedule s) {
    List<Instant> runs = new ArrayList<>();
    Instant next = s.nextRun();
    while (next != null && runs.size() < NEXT_RUNS) {
      runs.add(next);
      next = s.cron() == null ? null : s.cron().next(next, s.zone()).orElse(null);
    }
    return runs;
  }

  private static final int NEXT_RUNS = 5;

  private static String str(Instant t) {
    return t == null ? null : t.toString();
  }
}
