package dev.peon.orc.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny HTTP client for tests of the v1 API. */
public final class V1Client {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String key;

  public V1Client(int port, String key) {
    this.base = "http://127.0.0.1:" + port;
    this.key = key;
  }

  public record Response(int status, String body, HttpResponse<byte[]> raw) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }
  }

  public Response get(String path) {
    return send("GET", path, null, key);
  }

  public Response put(String path, String body) {
    return send("PUT", path, body, key);
  }

  public Response post(String path, String body) {
    return send("POST", path, body, key);
  }

  public Response delete(String path, String body) {
    return send("DELETE", path, body, key);
  }

  public Response send(String method, String path, String body, String apiKey) {
    return send(method, path, body, apiKey, "X-Api-Key");
  }

  public Response send(String method, String path, String body, String apiKey, String header) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120));
    if (apiKey != null) {
      b.header(header, apiKey);
    }
    b.header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(
          r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
