package dev.peon.orc.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.peon.orc.config.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small client of {@code /api/v2}: JSON in, JSON out, problems turned into exit codes. */
final class ApiClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private final URI base;
  private final Secret key;
  private final HttpClient http;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Duration requestTimeout;

  ApiClient(URI base, Secret key) {
    this(base, key, REQUEST_TIMEOUT);
  }

  /**
   * @param requestTimeout how long one short request may wait for its answer; waits for long
   *     actions poll operations with many short requests instead of one long one
   */
  ApiClient(URI base, Secret key, Duration requestTimeout) {
    this.base = base;
    this.key = key;
    this.requestTimeout = requestTimeout;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** An answer: the raw body (printed unchanged by --json) and its parsed form. */
  record Response(int status, String body, JsonNode json) {}

  Response get(String path) {
    return send("GET", path, null);
  }

  Response post(String path, Object body) {
    return send("POST", path, body);
  }

  Response delete(String path) {
    return send("DELETE", path, null);
  }

  Response put(String path, Object body) {
    return send("PUT", path, body);
  }

  Response patch(String path, Object body) {
    return send("PATCH", path, body);
  }

  /** A GET that also answers (rather than throws) when the status is {@code alsoOk}. */
  Response get(String path, int alsoOk) {
    return send("GET", path, null, alsoOk);
  }

  /** Sends a request; answers 2xx, throws {@link CliException} for anything else. */
  Response send(String method, String path, Object body) {
    return send(method, path, body, -1);
  }

  private Response send(String method, String path, Object body, int alsoOk) {
    HttpRequest.BodyPublisher publisher;
    try {
      publisher =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest.Builder req = request(path).timeout(requestTimeout).method(method, publisher);
    if (body != null) {
      req.header("Content-Type", "application/json");
    }
    HttpResponse<String> res;
    try {
      res = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
    JsonNode json = parse(res.body());
    if (res.statusCode() >= 300 && res.statusCode() != alsoOk) {
      throw problem(res.statusCode(), res.body(), json);
    }
    return new Response(res.statusCode(), res.body(), json);
  }

  /** Opens the event stream; the caller reads and closes the body. */
  InputStream events(String serverId, String lastEventId) throws IOException, InterruptedException {
    String path = "/api/v2/events" + (serverId == null ? "" : "?server=" + query(serverId));
    HttpRequest.Builder req = request(path).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      req.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> res =
        http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    if (res.statusCode() >= 300) {
      String body;
      try (InputStream in = res.body()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      throw problem(res.statusCode(), body, parse(body));
    }
    return res.body();
  }

  /** A streamed answer: the body to read and close, and its headers. */
  record Download(InputStream body, java.net.http.HttpHeaders headers) {
    long length() {
      return headers.firstValueAsLong("Content-Length").orElse(-1);
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  /** A GET whose 2xx body is streamed (archives, logs); no overall timeout. */
  Download download(String path) {
    HttpRequest req = request(path).header("Accept", "*/*").GET().build();
    try {
      HttpResponse<InputStream> res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (res.statusCode() >= 300) {
        String body;
        try (InputStream in = res.body()) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        throw problem(res.statusCode(), body, parse(body));
      }
      return new Download(res.body(), res.headers());
    } catch (IOException e) {
      throw failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
  }

  /** A POST whose body is a file, streamed as {@code contentType}; no overall timeout. */
  Response upload(String path, java.nio.file.Path file, String contentType) {
    HttpRequest req;
    try {
      req =
          request(path)
              .header("Content-Type", contentType)
              .POST(HttpRequest.BodyPublishers.ofFile(file))
              .build();
    } catch (java.io.FileNotFoundException e) {
      throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": no such file");
    }
    HttpResponse<String> res;
    try {
      res = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw failed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
    JsonNode json = parse(res.body());
    if (res.statusCode() >= 300) {
      throw problem(res.statusCode(), res.body(), json);
    }
    return new Response(res.statusCode(), res.body(), json);
  }

  /**
   * Opens a WebSocket to {@code path} (the base URL with ws/wss) sending the key in {@code
   * X-Api-Key}. A refused upgrade throws the exit code of its HTTP status.
   */
  java.net.http.WebSocket webSocket(String path, java.net.http.WebSocket.Listener listener) {
    String b = base.toString();
    URI uri =
        URI.create(
            (b.startsWith("https:") ? "wss:" + b.substring(6) : "ws:" + b.substring(5)) + path);
    java.net.http.WebSocket.Builder builder =
        http.newWebSocketBuilder().connectTimeout(CONNECT_TIMEOUT);
    if (key != null) {
      builder.header("X-Api-Key", key.value());
    }
    try {
      return builder.buildAsync(uri, listener).join();
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof java.net.http.WebSocketHandshakeException h) {
        HttpResponse<?> res = h.getResponse();
        String body = res.body() instanceof String str ? str : "";
        throw problem(res.statusCode(), body, parse(body));
      }
      if (cause instanceof IOException io) {
        throw unreachable(io);
      }
      throw new CliException(
          ExitCodes.FAILED, "console connection failed: " + (cause == null ? e : cause));
    }
  }

  ObjectMapper mapper() {
    return mapper;
  }

  URI base() {
    return base;
  }

  /**
   * A request that failed without an answer: a request that timed out is reported as such (the
   * orchestrator was reached, the action may still be running), anything else as unreachable.
   */
  CliException failed(IOException e) {
    if (e instanceof java.net.http.HttpTimeoutException
        && !(e instanceof java.net.http.HttpConnectTimeoutException)) {
      return new CliException(
          ExitCodes.TIMED_OUT,
          List.of(
              "the orchestrator at "
                  + base
                  + " did not answer within "
                  + (requestTimeout.toSeconds() > 0
                      ? requestTimeout.toSeconds() + " s"
                      : requestTimeout.toMillis() + " ms")
                  + " (request timed out)",
              "  what was asked may still be under way: see `peon operations list`"));
    }
    return unreachable(e);
  }

  CliException unreachable(IOException e) {
    String why =
        e instanceof java.net.http.HttpConnectTimeoutException
            ? "connection timed out"
            : e.getMessage() != null
                ? e.getMessage()
                : e instanceof java.net.ConnectException
                    ? "connection refused"
                    : e.getClass().getSimpleName();
    return new CliException(
        ExitCodes.UNREACHABLE, "cannot connect to the orchestrator at " + base + ": " + why);
  }

  /** A path segment, percent-encoded. */
  static String segment(String raw) {
    return URLEncoder.encode(raw, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String query(String raw) {
    return URLEncoder.encode(raw, StandardCharsets.UTF_8);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    b.header("Accept", "application/json");
    if (key != null) {
      b.header("X-Api-Key", key.value());
    }
    return b;
  }

  private JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return mapper.readTree(body);
    } catch (JsonProcessingException e) {
      return MissingNode.getInstance();
    }
  }

  private CliException problem(int status, String body, JsonNode json) {
    List<String> lines = new ArrayList<>();
    if (json.isObject() && json.hasNonNull("title")) {
      String detail = json.path("detail").asText("");
      lines.add(json.get("title").asText() + (detail.isEmpty() ? "" : ": " + detail));
      for (JsonNode e : json.path("errors")) {
        lines.add("  " + e.path("field").asText() + ": " + e.path("message").asText());
      }
      if (json.hasNonNull("operationId")) {
        lines.add("  running operation: " + json.get("operationId").asText());
      }
    } else {
      String text = body == null ? "" : body.strip();
      lines.add("HTTP " + status + (text.isEmpty() ? "" : ": " + abbreviate(text)));
    }
    if ((status == 401 || status == 403) && key == null) {
      lines.add("  no API key given: use --api-key, --api-key-file, PEON_API_KEY or data/api-key");
    }
    return new CliException(ExitCodes.forStatus(status), lines);
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }
}
