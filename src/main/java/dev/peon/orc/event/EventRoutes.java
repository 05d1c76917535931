package dev.peon.orc.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v2/events}: Server-Sent Events, optionally for one server ({@code ?server=}),
 * with replay after {@code Last-Event-ID}. Each client has a bounded queue drained by its own
 * virtual thread, so a slow client never slows publishers or other clients; when its queue
 * overflows it gets a {@code gap} event and the oldest events are dropped.
 */
public final class EventRoutes implements Routes, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventRoutes.class);
  private static final int QUEUE = 1000;
  private static final Duration HEARTBEAT = Duration.ofSeconds(15);
  private final EventBus bus;
  private final ObjectMapper mapper = new ObjectMapper();
  private final java.util.Set<Thread> streams = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** The type of the per-round stats event, sent only to streams asking with {@code stats=true}. */
  public static final String STATS = "stats";

  public EventRoutes(EventBus bus) {
    this.bus = bus;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/events", this::stream);
  }

  private void stream(Context ctx) throws IOException {
    String server = ctx.queryParam("server");
    if (server != null && !server.matches("[a-z0-9][a-z0-9_]{0,62}\\.[a-z0-9][a-z0-9_-]{0,62}")) {
      throw new ProblemException(Problem.invalid("server", "is not a valid server id"));
    }
    String last = ctx.header("Last-Event-ID");
    if (last != null && !last.matches("[0-9]{1,18}")) {
      throw new ProblemException(Problem.invalid("Last-Event-ID", "must be a number"));
    }
    long lastId = last == null ? 0 : Long.parseLong(last);
    String statsParam = ctx.queryParam("stats");
    if (statsParam != null && !statsParam.equals("true") && !statsParam.equals("false")) {
      throw new ProblemException(Problem.invalid("stats", "must be true or false"));
    }
    // the 15 s stats rounds are for live dashboards: only streams that ask get them
    boolean stats = "true".equals(statsParam);
    BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
    AtomicBoolean overflow = new AtomicBoolean();
    Consumer<Event> listener =
        e -> {
          if ((server != null && !server.equals(e.server()))
              || (!stats && STATS.equals(e.type()))) {
            return;
          }
          while (!queue.offer(e)) {
            queue.poll();
            overflow.set(true);
          }
        };
    HttpServletResponse res = ctx.res();
    res.setStatus(200);
    res.setContentType("text/event-stream");
    res.setCharacterEncoding("UTF-8");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Accel-Buffering", "no");
    EventBus.Replay replay = bus.subscribe(lastId, listener);
    streams.add(Thread.currentThread());
    // this handler runs on its own virtual thread: it writes until the client goes away
    try (Writer out = new OutputStreamWriter(res.getOutputStream(), StandardCharsets.UTF_8)) {
      out.write(": connected\n\n");
      if (replay.gap()) {
        out.write("event: gap\ndata: {\"detail\":\"some events were lost\"}\n\n");
      }
      for (Event e : replay.missed()) {
        if ((server == null || server.equals(e.server())) && (stats || !STATS.equals(e.type()))) {
          write(out, e);
        }
      }
      out.flush();
      while (!closed) {
        Event e = queue.poll(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        if (overflow.getAndSet(false)) {
          out.write("event: gap\ndata: {\"detail\":\"the client was too slow\"}\n\n");
        }
        if (e == null) {
          out.write(": keep-alive\n\n");
        } else {
          write(out, e);
          for (Event more; (more = queue.poll()) != null; ) {
            write(out, more);
          }
        }
        out.flush();
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    } catch (IOException ex) {
      LOG.atDebug().log("SSE client gone");
    } finally {
      streams.remove(Thread.currentThread());
      bus.unsubscribe(listener);
    }
  }

  /** Ends every open stream, so the HTTP server can stop promptly. */
  @Override
  public void close() {
    closed = true;
    streams.forEach(Thread::interrupt);
  }

  private void write(Writer out, Event e) throws IOException {
    Map<String, Object> data = new java.util.LinkedHashMap<>(e.data());
    data.putIfAbsent("at", e.at().toString());
    String json;
    try {
      json = mapper.writeValueAsString(data);
    } catch (JsonProcessingException ex) {
      LOG.atWarn().addKeyValue("type", e.type()).log("event not serializable");
      return;
    }
    out.write("id: " + e.id() + "\nevent: " + e.type() + "\ndata: " + json + "\n\n");
  }
}
