package dev.peon.orc.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The docs routes are public; every request's id reaches the MDC, the access log and problems. */
class DocsAndRequestIdTest {
  @TempDir Path tmp;
  private final HttpClient client = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final BlockingQueue<ILoggingEvent> logged = new LinkedBlockingQueue<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(HttpServer.class);
  private final AppenderBase<ILoggingEvent> appender =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          e.prepareForDeferredProcessing();
          logged.add(e);
        }
      };
  private Level previousLevel;
  private HttpServer http;
  private int port;

  @BeforeEach
  void boot() {
    previousLevel = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    appender.start();
    logger.addAppender(appender);
    var config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of("listen.host", "127.0.0.1", "listen.port", "0", "data.dir", tmp.toString()));
    Routes echo =
        app -> app.get("/api/v2/echo/{x}", ctx -> ctx.result(String.valueOf(MDC.get("requestId"))));
    AccessCheck keyIsSecret =
        (address, key) ->
            "secret".equals(key) ? AccessCheck.Outcome.ALLOWED : AccessCheck.Outcome.DENIED;
    http = new HttpServer(config, keyIsSecret, List.of(new DocsRoutes(), echo));
    port = http.start();
  }

  @AfterEach
  void stop() {
    http.close();
    logger.detachAppender(appender);
    logger.setLevel(previousLevel);
  }

  @Test
  void servesTheDocsPageWithoutAKey() throws Exception {
    HttpResponse<String> r = get("/api/docs", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(r.body()).contains("<html").contains("/api/v2/openapi.json");
    assertThat(r.body()).doesNotContain("http://").doesNotContain("https://");
    assertThat(get("/api/docs/", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void servesTheSameDocumentAtBothPathsWithoutAKey() throws Exception {
    HttpResponse<String> v2 = get("/api/v2/openapi.json", null, null);
    HttpResponse<String> legacy = get("/openapi.json", null, null);
    assertThat(v2.statusCode()).isEqualTo(200);
    assertThat(legacy.statusCode()).isEqualTo(200);
    assertThat(v2.body()).isEqualTo(legacy.body());
    assertThat(json.readTree(v2.body()).path("openapi").asText()).startsWith("3.1.");
  }

  @Test
  void otherApiPathsStillNeedTheKey() throws Exception {
    HttpResponse<String> r = get("/api/v2/echo/a", null, "rid-401");
    assertThat(r.statusCode()).isEqualTo(401);
    JsonNode problem = json.readTree(r.body());
    assertThat(problem.path("requestId").asText()).isEqualTo("rid-401");
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    // the key check runs before routing, so refused requests carry no route template
    ILoggingEvent access = nextAccessLine();
    assertThat(access.getKeyValuePairs().toString())
        .contains("route=\"unmatched\"", "status=\"401\"");
  }

  @Test
  void putsTheRequestIdIntoTheMdcAndTheDebugAccessLog() throws Exception {
    HttpResponse<String> r = get("/api/v2/echo/a", "secret", "abc-123");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("abc-123");
    assertThat(r.headers().firstValue("X-Request-Id")).hasValue("abc-123");

    ILoggingEvent access = nextAccessLine();
    assertThat(access.getLevel()).isEqualTo(Level.DEBUG);
    assertThat(access.getMDCPropertyMap()).containsEntry("requestId", "abc-123");
    Map<String, Object> kv =
        access.getKeyValuePairs().stream().collect(Collectors.toMap(p -> p.key, p -> p.value));
    assertThat(kv)
        .containsEntry("method", "GET")
        .containsEntry("route", "/api/v2/echo/{x}")
        .containsEntry("status", 200)
        .containsKey("ms");
  }

  @Test
  void generatesARequestIdWhenTheClientSendsNone() throws Exception {
    HttpResponse<String> r = get("/api/v2/echo/a", "secret", null);
    String rid = r.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(rid).isNotBlank();
    assertThat(r.body()).isEqualTo(rid);
  }

  private ILoggingEvent nextAccessLine() throws InterruptedException {
    while (true) {
      // the access line is written after the response, on the request's own thread
      ILoggingEvent e = logged.poll(5, TimeUnit.SECONDS);
      assertThat(e).as("access log line").isNotNull();
      if (e.getMessage().equals("request")) {
        return e;
      }
    }
  }

  private HttpResponse<String> get(String path, String key, String requestId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (key != null) {
      b.header("X-Api-Key", key);
    }
    if (requestId != null) {
      b.header("X-Request-Id", requestId);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
