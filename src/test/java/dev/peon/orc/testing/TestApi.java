package dev.peon.orc.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A JSON client of a running orchestrator for integration tests, with the v1 key. */
public final class TestApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One answer: status, JSON body (JSON null when empty or not JSON) and the raw text. */
  public record Res(int status, JsonNode json, String body) {}

  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String key;

  public TestApi(int port, String key) {
    this.base = "http://127.0.0.1:" + port;
    this.key = key;
  }

  public String base() {
    return base;
  }

  public Res get(String path) {
    return call("GET", path, null);
  }

  public Res post(String path, String body) {
    return call("POST", path, body);
  }

  public Res put(String path, String body) {
    return call("PUT", path, body);
  }

  public Res patch(String path, String body) {
    return call("PATCH", path, body);
  }

  public Res delete(String path) {
    return call("DELETE", path, null);
  }

  /** Waits for the operation of a 202 answer and answers its result; fails unless it succeeded. */
  public JsonNode awaitResult(Res accepted) {
    if (accepted.status() != 202) {
      throw new AssertionError("expected 202, got " + accepted.status() + ": " + accepted.body());
    }
    return Operations.awaitResult(p -> get(p).json(), accepted.json());
  }

  public Res call(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(120))
            .header("X-Api-Key", key)
            .header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
      } catch (IOException notJson) {
        json = JSON.nullNode();
      }
      return new Res(r.statusCode(), json, r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
