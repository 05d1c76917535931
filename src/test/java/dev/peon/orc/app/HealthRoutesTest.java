package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.store.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Boots only the health routes: readiness names what is not ready. */
class HealthRoutesTest {
  @TempDir Path tmp;
  private final AtomicBoolean events = new AtomicBoolean(true);
  private final AtomicBoolean scheduler = new AtomicBoolean(true);
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final HttpClient client = HttpClient.newHttpClient();
  private Database db;
  private HttpServer http;
  private int port;

  @BeforeEach
  void boot() {
    db = Database.open(tmp.resolve("peon.db"));
    var config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of("listen.host", "127.0.0.1", "listen.port", "0", "data.dir", tmp.toString()));
    http =
        new HttpServer(
            config,
            (address, key) -> AccessCheck.Outcome.ALLOWED,
            List.of(new HealthRoutes(db, runtime, events::get, scheduler::get)));
    port = http.start();
  }

  @AfterEach
  void stop() {
    client.shutdownNow();
    http.close();
    db.close();
  }

  private HttpResponse<String> readyz() throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void isReadyOnlyWithTheEventStreamFollowedAndTheSchedulerRunning() throws Exception {
    HttpResponse<String> ready = readyz();
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonNode body = new ObjectMapper().readTree(ready.body());
    assertThat(body.path("events").asText()).isEqualTo("connected");
    assertThat(body.path("scheduler").asText()).isEqualTo("running");

    events.set(false);
    HttpResponse<String> reconnecting = readyz();
    assertThat(reconnecting.statusCode()).isEqualTo(503);
    assertThat(reconnecting.body()).contains("\"events\":\"reconnecting\"");

    events.set(true);
    scheduler.set(false);
    HttpResponse<String> stopped = readyz();
    assertThat(stopped.statusCode()).isEqualTo(503);
    assertThat(stopped.body()).contains("\"scheduler\":\"stopped\"");

    scheduler.set(true);
    runtime.setEngineDown(true);
    assertThat(readyz().body()).contains("\"docker\":\"down\"");
  }
}
