package dev.peon.orc.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny scripted HTTP server standing in for the orchestrator: each "METHOD /path?query" answers
 * its queued replies in order, the last one repeating.
 */
final class FakeApi implements AutoCloseable {
  record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    Reply(int status, String contentType, String body) {
      this(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }
  }

  record Request(String method, String uri, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  private final HttpServer server;
  private final Map<String, Deque<Reply>> replies = new ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();

  FakeApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  FakeApi on(String methodAndPath, int status, String json) {
    String type = status >= 400 ? "application/problem+json" : "application/json";
    replies
        .computeIfAbsent(methodAndPath, k -> new ArrayDeque<>())
        .add(new Reply(status, type, json));
    return this;
  }

  FakeApi onEvents(String methodAndPath, String stream) {
    replies
        .computeIfAbsent(methodAndPath, k -> new ArrayDeque<>())
        .add(new Reply(200, "text/event-stream", stream));
    return this;
  }

  /** A binary answer with extra headers (downloads). */
  FakeApi onBytes(
      String methodAndPath, String contentType, byte[] body, Map<String, String> headers) {
    replies
        .computeIfAbsent(methodAndPath, k -> new ArrayDeque<>())
        .add(new Reply(200, contentType, body, headers));
    return this;
  }

  static String problem(String type, int status, String title, String detail) {
    return "{\"type\":\"https://peon.dev/problems/%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}"
        .formatted(type, title, status, detail);
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String uri = ex.getRequestURI().toString();
    requests.add(new Request(ex.getRequestMethod(), uri, Map.copyOf(ex.getRequestHeaders()), body));
    Deque<Reply> queue = replies.get(ex.getRequestMethod() + " " + uri);
    Reply r;
    if (queue == null) {
      r = new Reply(404, "application/problem+json", problem("not-found", 404, "Not found", uri));
    } else {
      synchronized (queue) {
        r = queue.size() > 1 ? queue.poll() : queue.peek();
      }
    }
    byte[] bytes = r.body();
    ex.getResponseHeaders().set("Content-Type", r.contentType());
    r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.sendResponseHeaders(r.status(), r.status() == 204 ? -1 : bytes.length);
    if (r.status() != 204) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
