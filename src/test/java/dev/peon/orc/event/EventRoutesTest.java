package dev.peon.orc.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Boots only the event stream: the per-round stats events go to streams that ask only. */
class EventRoutesTest {
  @TempDir Path tmp;
  private final HttpClient client = HttpClient.newHttpClient();
  private final EventBus bus = new EventBus(Clock.systemUTC());
  private EventRoutes routes;
  private HttpServer http;
  private int port;

  @BeforeEach
  void boot() {
    var config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of("listen.host", "127.0.0.1", "listen.port", "0", "data.dir", tmp.toString()));
    routes = new EventRoutes(bus);
    http = new HttpServer(config, (address, key) -> AccessCheck.Outcome.ALLOWED, List.of(routes));
    port = http.start();
    bus.publish("server.state", "g.a", Map.of("to", "running"));
    bus.publish(EventRoutes.STATS, null, Map.of("servers", Map.of("g.a", Map.of())));
    bus.publish("server.state", "g.a", Map.of("to", "exited"));
  }

  @AfterEach
  void stop() {
    routes.close();
    client.shutdownNow();
    http.close();
  }

  /** The event names replayed after the first event, up to the third. */
  private List<String> replayed(String query) throws Exception {
    HttpResponse<Stream<String>> r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v2/events" + query))
                .header("Last-Event-ID", "1")
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    try (Stream<String> lines = r.body()) {
      Iterator<String> it = lines.iterator();
      boolean last = false;
      while (it.hasNext()) {
        String line = it.next();
        last |= line.equals("id: 3");
        if (line.startsWith("event: ")) {
          names.add(line.substring(7));
          if (last) {
            break;
          }
        }
      }
    }
    return names;
  }

  @Test
  void statsRoundsOnlyReachStreamsThatAskForThem() throws Exception {
    assertThat(replayed("")).containsExactly("server.state");
    assertThat(replayed("?stats=false")).containsExactly("server.state");
    assertThat(replayed("?stats=true")).containsExactly(EventRoutes.STATS, "server.state");
  }

  @Test
  void refusesAnUnclearStatsFlag() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v2/events?stats=yes"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
  }
}
