package dev.peon.orc.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code peon events}: follows the SSE stream, one line per event; after a drop it reconnects with
 * {@code Last-Event-ID} so nothing still in the orchestrator's buffer is missed.
 */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = "Follow the orchestrator's events (Ctrl-C to stop).")
public final class EventsCommand implements Callable<Integer> {
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  private final ObjectMapper mapper = new ObjectMapper();
  private Times times = Times.system();

  @Mixin ClientOptions client;

  @Option(names = "--server", paramLabel = "ID", description = "Only events of this server.")
  String server;

  @Option(
      names = "--count",
      paramLabel = "N",
      description = "Stop after N events (default: follow until interrupted).")
  int count;

  @Override
  public Integer call() {
    return client.run(this::follow);
  }

  private int follow(Session s) {
    times = s.times();
    String lastId = null;
    boolean connected = false;
    int seen = 0;
    Duration backoff = Duration.ofSeconds(1);
    while (!Thread.currentThread().isInterrupted()) {
      try (InputStream in = s.api().events(server, lastId)) {
        s.err().println((connected ? "reconnected to " : "following events of ") + s.api().base());
        s.err().flush();
        connected = true;
        backoff = Duration.ofSeconds(1);
        SseReader reader =
            new SseReader(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        for (SseReader.SseEvent e; (e = reader.next()) != null; ) {
          if (e.id() != null) {
            lastId = e.id();
          }
          s.out().println(s.json() ? e.data() : line(e));
          s.out().flush();
          if (count > 0 && ++seen >= count) {
            return ExitCodes.OK;
          }
        }
      } catch (IOException e) {
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
        if (!connected) {
          throw s.api().unreachable(e);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      s.err().println("connection lost; reconnecting in " + backoff.toSeconds() + " s");
      s.err().flush();
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    }
    return ExitCodes.OK;
  }

  /** The human line of an event: time, name, and what happened. */
  String line(SseReader.SseEvent e) {
    JsonNode d;
    try {
      d = mapper.readTree(e.data());
    } catch (JsonProcessingException ex) {
      return e.event() + " " + e.data();
    }
    String at = times.at(d.path("at").asText(d.path("createdAt").asText("")));
    String what =
        switch (e.event()) {
          case "server.state" ->
              d.path("server").asText()
                  + " "
                  + d.path("from").asText("?")
                  + " -> "
                  + d.path("to").asText("?");
          case "server.created", "server.deleted" -> d.path("server").asText();
          case "operation" -> operation(d);
          case "schedule.run" ->
              d.path("server").asText()
                  + " schedule "
                  + d.path("schedule").asText()
                  + " "
                  + d.path("action").asText()
                  + ": "
                  + (d.path("result").isObject()
                      ? d.path("result").path("status").asText()
                      : d.path("result").asText());
          case "plans.synced" -> {
            List<String> added = new ArrayList<>();
            d.path("added").forEach(a -> added.add(a.asText()));
            yield added.isEmpty() ? "no new plans" : "new plans: " + String.join(", ", added);
          }
          case "gap" -> "some events were lost: " + d.path("detail").asText();
          default -> e.data();
        };
    return (at.isEmpty() ? "" : at + " ") + e.event() + " " + what;
  }

  private static String operation(JsonNode op) {
    StringBuilder b =
        new StringBuilder(op.path("id").asText()).append(' ').append(op.path("kind").asText());
    if (op.hasNonNull("server")) {
      b.append(' ').append(op.path("server").asText());
    }
    b.append(' ').append(op.path("status").asText());
    JsonNode p = op.path("progress");
    if (p.path("percent").isNumber()) {
      b.append(' ').append(p.path("percent").asInt()).append('%');
    }
    // the daemon's message often just repeats the status ("queued"); say it once
    if (p.path("message").isTextual()
        && !p.path("message").asText().equals(op.path("status").asText())) {
      b.append(' ').append(p.path("message").asText());
    }
    if (op.path("error").isObject()) {
      b.append(": ")
          .append(op.path("error").path("title").asText())
          .append(": ")
          .append(op.path("error").path("detail").asText());
    }
    return b.toString();
  }
}
