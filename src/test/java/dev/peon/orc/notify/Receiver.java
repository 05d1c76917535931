package dev.peon.orc.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A webhook receiver for tests on a real local port: records every request and answers with the
 * statuses queued by {@link #answer}, then 200.
 */
final class Receiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as received. */
  record Received(String path, Map<String, List<String>> headers, byte[] body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  private record Reply(int status, String retryAfter) {}

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();

  Receiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          received.add(
              new Received(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body));
          Reply r = replies.poll();
          if (r != null && r.retryAfter() != null) {
            ex.getResponseHeaders().add("Retry-After", r.retryAfter());
          }
          ex.sendResponseHeaders(r == null ? 200 : r.status(), -1);
          ex.close();
        });
    server.start();
  }

  /** The next answer (after those queued before). */
  Receiver answer(int status) {
    replies.add(new Reply(status, null));
    return this;
  }

  Receiver answer(int status, String retryAfter) {
    replies.add(new Reply(status, retryAfter));
    return this;
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  /** The requests whose {@code X-Peon-Event} is {@code event}. */
  List<Received> events(String event) {
    return received.stream().filter(r -> event.equals(r.header("X-Peon-Event"))).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
