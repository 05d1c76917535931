package dev.peon.orc.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge in front of every handler: the client address behind trusted proxies, the real {@code
 * Retry-After}, and JSON routes refusing other content types (415) before a handler reads them.
 */
class HttpEdgeTest {
  @TempDir Path tmp;
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<String> addresses = new CopyOnWriteArrayList<>();
  private final List<Guard.Completed> completed = new CopyOnWriteArrayList<>();
  private final AtomicInteger handled = new AtomicInteger();
  private HttpServer http;
  private int port;

  @BeforeEach
  void boot() {
    var config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of(
                    "listen.host", "127.0.0.1",
                    "listen.port", "0",
                    "data.dir", tmp.toString(),
                    "http.trusted.proxies", "127.0.0.0/8"));
    Guard guard =
        new Guard() {
          @Override
          public Authentication authenticate(Caller caller) {
            addresses.add(caller.address());
            if ("throttled".equals(caller.header().apply("X-Api-Key"))) {
              return new Authentication(Outcome.THROTTLED, null, null, Duration.ofMillis(41_200));
            }
            return new Authentication(Outcome.ALLOWED, "someone", null);
          }

          @Override
          public boolean permits(Object p, String m, String r, Map<String, String> params) {
            return true;
          }

          @Override
          public Permissions permissions(Object principal) {
            return Permissions.ALL;
          }

          @Override
          public void completed(Completed request) {
            completed.add(request);
          }
        };
    Routes routes =
        app -> {
          app.get("/api/v2/things", ctx -> ctx.result("{}"));
          app.post(
              "/api/v2/things",
              ctx -> {
                handled.incrementAndGet();
                ctx.result(ctx.body());
              });
          app.put(
              "/api/v1/server/description/{uid}",
              ctx -> {
                handled.incrementAndGet();
                ctx.result("{}");
              });
          app.post(
              "/api/v2/servers/{id}/backups/upload",
              ctx -> {
                handled.incrementAndGet();
                ctx.status(201);
              });
        };
    http =
        new HttpServer(config, guard, RequestObserver.NONE, UpgradeTickets.NONE, List.of(routes));
    port = http.start();
  }

  @AfterEach
  void stop() {
    http.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void believesForwardedForOnlyFromATrustedProxy() throws Exception {
    send("GET", "/api/v2/things", null, "X-Forwarded-For", "203.0.113.9, 127.0.0.5");
    assertThat(addresses).containsExactly("203.0.113.9");
  }

  @Test
  void retryAfterIsTheThrottlesRealRemainingTime() throws Exception {
    HttpResponse<String> r = send("GET", "/api/v2/things", null, "X-Api-Key", "throttled");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("42");
    HttpResponse<String> v1 = send("GET", "/api/v1/servers", null, "X-Api-Key", "throttled");
    assertThat(v1.statusCode()).isEqualTo(429);
    assertThat(v1.headers().firstValue("Retry-After")).hasValue("42");
  }

  @Test
  void jsonRoutesRefuseOtherContentTypesBeforeTheHandlerReadsThem() throws Exception {
    HttpResponse<String> plain =
        send("POST", "/api/v2/things", "{\"description\":\"ctype\"}", "Content-Type", "text/plain");
    assertThat(plain.statusCode()).isEqualTo(415);
    assertThat(new ObjectMapper().readTree(plain.body()).path("type").asText())
        .endsWith("unsupported-media-type");
    assertThat(send("POST", "/api/v2/things", "{}").statusCode()).as("v2, none").isEqualTo(415);
    assertThat(
            send(
                    "PUT",
                    "/api/v1/server/description/a.b",
                    "{\"description\":\"x\"}",
                    "Content-Type",
                    "application/xml")
                .statusCode())
        .isEqualTo(415);
    assertThat(handled).hasValue(0);
    // v1 stays wire-compatible with clients that send JSON as curl -d does (form-encoded type)
    assertThat(
            send(
                    "PUT",
                    "/api/v1/server/description/a.b",
                    "{\"description\":\"x\"}",
                    "Content-Type",
                    "application/x-www-form-urlencoded")
                .statusCode())
        .isNotEqualTo(415);
    // the audit hears of the refused change
    assertThat(completed).extracting(Guard.Completed::status).contains(415);
  }

  @Test
  void acceptsJsonEmptyBodiesV1WithoutAContentTypeAndUploads() throws Exception {
    assertThat(
            send("POST", "/api/v2/things", "{}", "Content-Type", "application/json; charset=utf-8")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send("POST", "/api/v2/things", "{}", "Content-Type", "application/merge-patch+json")
                .statusCode())
        .isEqualTo(200);
    assertThat(send("POST", "/api/v2/things", null).statusCode()).isEqualTo(200);
    assertThat(
            send("PUT", "/api/v1/server/description/a.b", "{\"description\":\"x\"}").statusCode())
        .as("PEON clients may leave the type out")
        .isEqualTo(200);
    assertThat(
            send(
                    "POST",
                    "/api/v2/servers/g.s/backups/upload",
                    "binary",
                    "Content-Type",
                    "application/zstd")
                .statusCode())
        .isEqualTo(201);
    assertThat(handled).hasValue(5);
  }

  @Test
  void handsTheGuardLargeJsonBodiesForAuditInsteadOfNone() throws Exception {
    String big = "{\"description\":\"" + "x".repeat(20_000) + "\"" + " ".repeat(20_000) + "}";
    send("POST", "/api/v2/things", big, "Content-Type", "application/json");
    assertThat(completed).hasSize(1);
    assertThat(completed.get(0).body()).isEqualTo(big);
  }
}
