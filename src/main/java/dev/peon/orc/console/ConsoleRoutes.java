package dev.peon.orc.console;

import dev.peon.orc.http.Actor;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.JsonInput;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.server.ServerId;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console and logs of {@code /api/v2}.
 *
 * <pre>
 * WS   /api/v2/servers/{id}/console      ?history=N (0-1000, default 100); key header or ?ticket=
 * GET  /api/v2/servers/{id}/logs         ?lines=N (1-1000, default 100) &amp;since=RFC 3339
 * GET  /api/v2/servers/{id}/logs/download  the whole container log as text, streamed
 * POST /api/v2/servers/{id}/command      {"text": "say hello"} -> 202
 * POST /api/v2/console/tickets           {"server"?: id} -> 201 {ticket, expiresAt, server}
 * </pre>
 *
 * Authentication, the origin check and ticket redemption for the WebSocket happen before the
 * upgrade, in {@link HttpServer}.
 */
public final class ConsoleRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleRoutes.class);
  private static final Pattern UID =
      Pattern.compile("[a-z0-9][a-z0-9_]{0,62}\\.[a-z0-9][a-z0-9_-]{0,62}");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  static final int DEFAULT_LINES = 100;
  private static final int DOWNLOAD_BUFFER = 64 * 1024;

  /** Idle WebSockets are closed after this; stats messages keep a watched running server alive. */
  static final Duration IDLE = Duration.ofMinutes(30);

  /** How often open sockets check that their principal still stands, between commands. */
  static final Duration REVALIDATE = Duration.ofSeconds(15);

  private final ConsoleService console;
  private final ConsoleTickets tickets;
  private final Clock clock;
  private final ConsoleSettings settings;
  private final Duration revalidate;

  /** REST command buckets per (server, caller), least recently used forgotten first. */
  private final Map<String, TokenBucket> commandBuckets =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
          return size() > 10_000;
        }
      };

  public ConsoleRoutes(ConsoleService console, ConsoleTickets tickets, Clock clock) {
    this(console, tickets, clock, ConsoleSettings.defaults(), REVALIDATE);
  }

  ConsoleRoutes(
      ConsoleService console,
      ConsoleTickets tickets,
      Clock clock,
      ConsoleSettings settings,
      Duration revalidate) {
    this.console = console;
    this.tickets = tickets;
    this.clock = clock;
    this.settings = settings;
    this.revalidate = revalidate;
  }

  @Override
  public void register(Javalin app) {
    app.ws(
        ConsolePaths.V2,
        ws -> socket(ws, console, Viewer.Format.V2, ctx -> ctx.pathParam("id"), revalidate));
    app.get("/api/v2/servers/{id}/logs", this::logs);
    app.get("/api/v2/servers/{id}/logs/download", this::download);
    app.post("/api/v2/servers/{id}/command", this::command);
    app.post("/api/v2/console/tickets", this::ticket);
    app.exception(ConsoleException.class, (e, ctx) -> HttpServer.renderProblem(ctx, problem(e)));
  }

  /**
   * Wires a console WebSocket: frame size limit, one {@link Viewer} per session, inbound frames to
   * it. Shared by the v2 and the PEON v1 console.
   */
  public static void socket(
      WsConfig ws,
      ConsoleService console,
      Viewer.Format format,
      Function<WsContext, String> serverParam) {
    socket(ws, console, format, serverParam, REVALIDATE);
  }

  static void socket(
      WsConfig ws,
      ConsoleService console,
      Viewer.Format format,
      Function<WsContext, String> serverParam,
      Duration revalidate) {
    Map<String, Viewer> viewers = new ConcurrentHashMap<>();
    Revalidation open = new Revalidation(revalidate);
    ws.onConnect(
        ctx -> {
          ctx.session.setMaxTextMessageSize(ConsoleSettings.MAX_FRAME_BYTES);
          ctx.session.setMaxBinaryMessageSize(ConsoleSettings.MAX_FRAME_BYTES);
          ctx.session.setIdleTimeout(IDLE);
          String uid = serverParam.apply(ctx);
          if (uid == null || !UID.matcher(uid).matches()) {
            ctx.closeSession(Viewer.POLICY, "invalid server id");
            return;
          }
          int history = DEFAULT_LINES;
          String h = ctx.queryParam("history");
          if (h != null) {
            try {
              history = Math.clamp(Integer.parseInt(h), 0, 1000);
            } catch (NumberFormatException e) {
              ctx.closeSession(Viewer.POLICY, "history must be a number");
              return;
            }
          }
          try {
            Viewer v =
                console.attach(ServerId.parse(uid), new SessionSink(ctx.session), format, history);
            Object principal = ctx.attribute(HttpServer.PRINCIPAL);
            if (principal instanceof Actor a) {
              v.actor(a.actor());
            }
            viewers.put(ctx.sessionId(), v);
            open.add(
                ctx.sessionId(),
                () -> HttpServer.principalStillValid(ctx),
                () -> ctx.closeSession(Viewer.POLICY, REVOKED));
          } catch (ConsoleException | IllegalArgumentException e) {
            ctx.closeSession(Viewer.POLICY, "no such server");
          }
        });
    ws.onMessage(
        ctx -> {
          Viewer v = viewers.get(ctx.sessionId());
          if (v == null) {
            return;
          }
          if (!HttpServer.principalStillValid(ctx)) {
            // a revoked key or disabled user types nothing more on a socket opened before
            ctx.closeSession(Viewer.POLICY, REVOKED);
            return;
          }
          v.receive(ctx.message());
        });
    ws.onBinaryMessage(ctx -> ctx.closeSession(1003, "binary frames are not accepted"));
    ws.onClose(
        ctx -> {
          open.remove(ctx.sessionId());
          Viewer v = viewers.remove(ctx.sessionId());
          if (v != null) {
            v.detach();
          }
        });
    ws.onError(
        ctx -> {
          open.remove(ctx.sessionId());
          LOG.atDebug().log("console socket error: " + ctx.error());
          Viewer v = viewers.remove(ctx.sessionId());
          if (v != null) {
            v.detach();
          }
        });
  }

  static final String REVOKED = "the credentials of this console were revoked";

  /**
   * Closes open sockets whose principal no longer stands, every {@code every}, so a watcher whose
   * key was revoked or whose user was disabled stops seeing the console even if it never types. The
   * checking thread runs only while sockets are open.
   */
  private static final class Revalidation {
    private record Watched(java.util.function.BooleanSupplier valid, Runnable close) {}

    private final Duration every;
    private final Map<String, Watched> sockets = new ConcurrentHashMap<>();
    private Thread checker;

    Revalidation(Duration every) {
      this.every = every;
    }

    synchronized void add(
        String session, java.util.function.BooleanSupplier valid, Runnable close) {
      sockets.put(session, new Watched(valid, close));
      if (checker == null) {
        checker = Thread.ofVirtual().name("console-revalidation").start(this::run);
      }
    }

    void remove(String session) {
      sockets.remove(session);
    }

    private void run() {
      while (true) {
        synchronized (this) {
          if (sockets.isEmpty()) {
            checker = null;
            return;
          }
        }
        try {
          Thread.sleep(every); // a period, not a wait for something that has an event
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (var e : sockets.entrySet()) {
          try {
            if (!e.getValue().valid().getAsBoolean()) {
              sockets.remove(e.getKey());
              e.getValue().close().run();
            }
          } catch (RuntimeException ex) {
            LOG.atDebug().log("console revalidation: " + ex);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------ REST

  private void logs(Context ctx) {
    ServerId id = id(ctx);
    int lines = intParam(ctx, "lines", DEFAULT_LINES, 1, 1000);
    Instant since = null;
    String s = ctx.queryParam("since");
    if (s != null) {
      try {
        since = Instant.parse(s);
      } catch (DateTimeParseException e) {
        throw new ProblemException(Problem.invalid("since", "must be an RFC 3339 time"));
      }
    }
    ctx.json(
        Map.of(
            "items", console.lines(id, since, lines).stream().map(ConsoleRoutes::json).toList()));
  }

  /**
   * Streams the container log into the response as the engine sends it: memory stays bounded by a
   * line and a buffer, whatever the log's size; a client that goes away ends the engine read.
   */
  private void download(Context ctx) throws IOException {
    ServerId id = id(ctx);
    Predicate<LogLine> wanted = search(ctx.queryParam("q"));
    ctx.contentType("text/plain; charset=utf-8");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=" + id.uid() + "-" + STAMP.format(clock.instant()) + ".log");
    try (Writer out =
        new BufferedWriter(
            new OutputStreamWriter(ctx.res().getOutputStream(), StandardCharsets.UTF_8),
            DOWNLOAD_BUFFER)) {
      console.download(
          id,
          l -> {
            if (wanted.test(l)) {
              writeLine(out, l);
            }
          });
    } catch (UncheckedIOException e) {
      LOG.atDebug().addKeyValue("serverId", id).log("log download ended early: " + e.getMessage());
    }
  }

  /**
   * The log search of {@code ?q=}: lines containing the text, ignoring case (1 to 200 characters,
   * no control characters; a plain substring, never a pattern); every line without it.
   */
  static Predicate<LogLine> search(String q) {
    if (q == null) {
      return l -> true;
    }
    if (q.isEmpty() || q.length() > 200 || q.chars().anyMatch(Character::isISOControl)) {
      throw new ProblemException(
          Problem.invalid("q", "must be 1 to 200 characters without control characters"));
    }
    String needle = q.toLowerCase(Locale.ROOT);
    return l -> l.text().toLowerCase(Locale.ROOT).contains(needle);
  }

  private static void writeLine(Writer out, LogLine l) {
    try {
      out.write(l.time().toString());
      out.write(' ');
      out.write(l.stream().name().toLowerCase(Locale.ROOT));
      out.write(' ');
      out.write(l.text());
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void command(Context ctx) {
    ServerId id = id(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    String text = in.requiredString("text", ConsoleSettings.MAX_COMMAND_CHARS, null, null);
    in.finish();
    Object principal = ctx.attribute(HttpServer.PRINCIPAL);
    String caller =
        principal instanceof Actor a ? a.actor() : "address:" + HttpServer.clientAddress(ctx);
    if (!takeCommandToken(id.uid() + " " + caller)) {
      ctx.header("Retry-After", "1");
      throw new ConsoleException(
          ConsoleException.Kind.RATE_LIMITED,
          "Too many commands: at most "
              + Math.round(settings.commandsPerSecond())
              + " per second per server and caller.");
    }
    console.command(id, text);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server", id.uid());
    m.put("text", text);
    m.put("sentAt", clock.instant().toString());
    ctx.status(202).json(m);
  }

  /** The same rate as a WebSocket viewer's: {@code commandsPerSecond}, as many at once. */
  private synchronized boolean takeCommandToken(String serverAndCaller) {
    return commandBuckets
        .computeIfAbsent(
            serverAndCaller,
            k ->
                new TokenBucket(
                    clock, settings.commandsPerSecond(), Math.max(1, settings.commandsPerSecond())))
        .tryTake();
  }

  private void ticket(Context ctx) {
    JsonInput in = JsonInput.parse(ctx.body());
    String server = in.string("server", 127, UID, "must be a server id <game>.<name>").orElse(null);
    in.finish();
    ServerId id = server == null ? null : ServerId.parse(server);
    if (id != null) {
      console.lines(id, null, 1); // 404 for an unknown server
    }
    ConsoleTickets.Ticket t = tickets.issue(id, ctx.attribute(HttpServer.PRINCIPAL));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ticket", t.value());
    m.put("expiresAt", t.expiresAt().toString());
    m.put("server", id == null ? null : id.uid());
    ctx.status(201).json(m);
  }

  // ------------------------------------------------------------ mapping

  static Map<String, Object> json(ConsoleLine l) {
    return Outbound.json(l);
  }

  private static ServerId id(Context ctx) {
    try {
      return ServerId.parse(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.invalid("id", e.getMessage()));
    }
  }

  private static int intParam(Context ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ProblemException(
        Problem.invalid(name, "must be a number from " + min + " to " + max));
  }

  /** Maps a console failure to its problem. */
  public static Problem problem(ConsoleException e) {
    return switch (e.kind()) {
      case INVALID -> Problem.of("invalid-request", 400, e.getMessage());
      case NOT_FOUND -> Problem.of("not-found", 404, e.getMessage());
      case NOT_RUNNING -> Problem.of("conflict", 409, e.getMessage());
      case RATE_LIMITED -> Problem.of("rate-limited", 429, e.getMessage());
      case UNAVAILABLE -> Problem.of("upstream-failure", 502, e.getMessage());
    };
  }
}
