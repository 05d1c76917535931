package dev.peon.orc.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v2/events}: Server-Sent Events, optionally for one server ({@code ?server=}),
 * with replay after {@code Last-Event-ID}. Each client has a bounded queue drained by its own
 * virtual thread, so a slow client never slows publishers or other clients; when its queue
 * overflows it gets a {@code gap} event and the oldest events are dropped.
 */
public final class EventRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(EventRoutes.class);
  private static final int QUEUE = 1000;
  private static final Duration HEARTBEAT = Duration.ofSeconds(15);
  private final EventBus bus;
  private final ObjectMapper mapper = new ObjectMapper();

  public EventRoutes(EventBus bus) {
    this.bus = bus;
  }

  @Override
  public void register(Javalin app) {
    app.before(
        "/api/v2/events",
        ctx -> {
          String server = ctx.queryParam("server");
          if (server != null
              && !server.matches("[a-z0-9][a-z0-9_]{0,62}\\.[a-z0-9][a-z0-9_-]{0,62}")) {
            throw new ProblemException(Problem.invalid("server", "is not a valid server id"));
          }
          String last = ctx.header("Last-Event-ID");
          if (last != null && !last.matches("[0-9]{1,18}")) {
            throw new ProblemException(Problem.invalid("Last-Event-ID", "must be a number"));
          }
        });
    app.sse("/api/v2/events", this::stream);
  }

  private void stream(SseClient client) {
    String server = client.ctx().queryParam("server");
    String last = client.ctx().header("Last-Event-ID");
    long lastId = last == null ? 0 : Long.parseLong(last);
    BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
    boolean[] overflow = {false};
    Consumer<Event> listener =
        e -> {
          if (server != null && !server.equals(e.server())) {
            return;
          }
          while (!queue.offer(e)) {
            queue.poll();
            overflow[0] = true;
          }
        };
    client.keepAlive();
    EventBus.Replay replay = bus.subscribe(lastId, listener);
    client.onClose(() -> bus.unsubscribe(listener));
    Thread.ofVirtual()
        .name("sse-client")
        .start(
            () -> {
              try {
                if (replay.gap()) {
                  client.sendEvent("gap", "{\"detail\":\"some events were lost\"}");
                }
                for (Event e : replay.missed()) {
                  if (server == null || server.equals(e.server())) {
                    send(client, e);
                  }
                }
                while (!client.terminated()) {
                  Event e = queue.poll(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
                  if (overflow[0]) {
                    overflow[0] = false;
                    client.sendEvent("gap", "{\"detail\":\"the client was too slow\"}");
                  }
                  if (e == null) {
                    client.sendComment("keep-alive");
                  } else {
                    send(client, e);
                  }
                }
              } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException ex) {
                LOG.atDebug().log("SSE client gone: " + ex);
              } finally {
                bus.unsubscribe(listener);
                client.close();
              }
            });
  }

  private void send(SseClient client, Event e) {
    try {
      Map<String, Object> data = new java.util.LinkedHashMap<>(e.data());
      data.putIfAbsent("at", e.at().toString());
      client.sendEvent(e.type(), mapper.writeValueAsString(data), Long.toString(e.id()));
    } catch (JsonProcessingException ex) {
      LOG.atWarn().addKeyValue("type", e.type()).log("event not serializable");
    }
  }
}
