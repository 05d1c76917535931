package dev.peon.orc.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A test WebSocket client on the JDK's client: collects text frames, records the close. */
final class WsClient implements WebSocket.Listener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  final List<String> frames = new CopyOnWriteArrayList<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  volatile String closeReason;
  private final boolean reading;
  private final StringBuilder partial = new StringBuilder();
  WebSocket socket;

  private WsClient(boolean reading) {
    this.reading = reading;
  }

  /** Connects; throws the handshake failure (e.g. 401) as the future's exception. */
  static WsClient connect(HttpClient http, String url, Map<String, String> headers) {
    return connect(http, url, headers, true);
  }

  static WsClient connect(
      HttpClient http, String url, Map<String, String> headers, boolean reading) {
    WsClient c = new WsClient(reading);
    var b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    c.socket = b.buildAsync(URI.create(url), c).orTimeout(15, TimeUnit.SECONDS).join();
    return c;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    if (reading) {
      webSocket.request(1);
    }
  }

  /** Starts reading (for a viewer that did not read until now). */
  void startReading() {
    socket.request(Long.MAX_VALUE);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      frames.add(partial.toString());
      partial.setLength(0);
    }
    if (reading) {
      webSocket.request(1);
    }
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeReason = reason;
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(-1);
  }

  void send(String text) {
    socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
  }

  List<JsonNode> messages() {
    return frames.stream().map(WsClient::parse).toList();
  }

  List<JsonNode> ofType(String type) {
    return messages().stream().filter(m -> type.equals(m.path("type").asText())).toList();
  }

  /** Waits until some message matches; fails naming what arrived. */
  JsonNode await(String what, Predicate<JsonNode> match, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      for (JsonNode m : messages()) {
        if (match.test(m)) {
          return m;
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int n = frames.size();
    throw new AssertionError(
        "no "
            + what
            + " within "
            + timeout
            + "; last frames: "
            + frames.subList(Math.max(0, n - 10), n));
  }

  int awaitClose(Duration timeout) {
    return closed.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  private static JsonNode parse(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + s, e);
    }
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(1000, "bye");
    }
    socket.abort();
  }
}
