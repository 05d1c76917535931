package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.Actor;
import dev.peon.orc.http.Guard;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Permissions;
import dev.peon.orc.http.RequestObserver;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerStats;
import dev.peon.orc.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 console routes on a real HTTP server over a fake runtime: a revoked or disabled principal
 * types nothing more on a socket it opened before, is disconnected even while idle, and cannot
 * redeem a ticket issued before; REST commands are rate-limited like the WebSocket.
 */
class ConsoleRoutesTest {
  private static final ServerId ID = ServerId.parse("valheim.camp1");
  private static final String NAME = ID.containerName();

  @TempDir Path tmp;
  private final FakeContainerRuntime runtime = new FakeContainerRuntime();
  private final EventBus events = new EventBus(Clock.systemUTC());
  private final HttpClient http = HttpClient.newHttpClient();
  private final Set<Object> revoked = ConcurrentHashMap.newKeySet();
  private ConsoleService console;
  private ConsoleTickets tickets;
  private HttpServer server;
  private int port;

  record Caller(String actor) implements Actor {}

  private static final Caller ALICE = new Caller("user:alice");
  private static final Caller BOB = new Caller("user:bob");

  @BeforeEach
  void boot() {
    runtime.addImage("game:1", Map.of());
    runtime.create(
        new ContainerSpec(
            NAME, NAME, "game:1", List.of(), List.of(), List.of(), null, Map.of(), null, true));
    ServerLookup lookup =
        new ServerLookup() {
          @Override
          public List<ServerId> all() {
            return List.of(ID);
          }

          @Override
          public boolean exists(ServerId id) {
            return id.equals(ID);
          }

          @Override
          public Optional<ContainerState> state(ServerId id) {
            return runtime.state(id.containerName());
          }

          @Override
          public Optional<ServerStats> stats(ServerId id) {
            return Optional.empty();
          }
        };
    console =
        new ConsoleService(runtime, lookup, events, Clock.systemUTC(), ConsoleSettings.defaults());
    console.start();
    runtime.start(NAME);
    events.publish(
        "server.state", ID.uid(), Map.of("server", ID.uid(), "from", "exited", "to", "running"));
    Guard guard =
        new Guard() {
          @Override
          public Authentication authenticate(Caller caller) {
            String key = caller.header().apply("X-Api-Key");
            Object p = "alice".equals(key) ? ALICE : "bob".equals(key) ? BOB : null;
            return p == null
                ? new Authentication(Outcome.DENIED, null, null)
                : new Authentication(Outcome.ALLOWED, p, null);
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
          public void completed(Completed request) {}

          @Override
          public boolean stillValid(Object principal) {
            return !revoked.contains(principal);
          }
        };
    var config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of("listen.host", "127.0.0.1", "listen.port", "0", "data.dir", tmp.toString()));
    tickets = new ConsoleTickets(Clock.systemUTC());
    server =
        new HttpServer(
            config,
            guard,
            RequestObserver.NONE,
            tickets,
            List.of(
                new ConsoleRoutes(
                    console,
                    tickets,
                    Clock.systemUTC(),
                    ConsoleSettings.defaults(),
                    Duration.ofMillis(200))));
    port = server.start();
  }

  @AfterEach
  void stop() {
    server.close();
    console.close();
  }

  private String wsUrl(String query) {
    return "ws://127.0.0.1:" + port + "/api/v2/servers/" + ID.uid() + "/console" + query;
  }

  private HttpResponse<String> command(String key, String text) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v2/servers/" + ID.uid() + "/command"))
            .header("X-Api-Key", key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"" + text + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRevokedPrincipalTypesNothingMoreOnASocketItOpenedBefore() {
    try (WsClient ws = WsClient.connect(http, wsUrl("?history=0"), Map.of("X-Api-Key", "alice"))) {
      ws.send("{\"type\": \"command\", \"text\": \"say before\"}");
      Await.until(() -> runtime.stdinLines(NAME).contains("say before"));
      revoked.add(ALICE);
      ws.send("{\"type\": \"command\", \"text\": \"say after\"}");
      assertThat(ws.awaitClose(Duration.ofSeconds(10))).isEqualTo(Viewer.POLICY);
      assertThat(runtime.stdinLines(NAME)).containsExactly("say before");
    }
  }

  @Test
  void anIdleSocketIsClosedOnceItsPrincipalIsRevoked() {
    try (WsClient ws = WsClient.connect(http, wsUrl("?history=0"), Map.of("X-Api-Key", "alice"));
        WsClient other = WsClient.connect(http, wsUrl("?history=0"), Map.of("X-Api-Key", "bob"))) {
      revoked.add(ALICE);
      assertThat(ws.awaitClose(Duration.ofSeconds(10))).isEqualTo(Viewer.POLICY);
      other.send("{\"type\": \"command\", \"text\": \"say still here\"}");
      Await.until(() -> runtime.stdinLines(NAME).contains("say still here"));
    }
  }

  @Test
  void aTicketIssuedBeforeTheRevocationOpensNothing() {
    String ticket = tickets.issue(ID, ALICE).value();
    revoked.add(ALICE);
    try (WsClient ws = WsClient.connect(http, wsUrl("?ticket=" + ticket), Map.of())) {
      throw new AssertionError("the upgrade should have been refused");
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
      assertThat(
              ((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
          .isEqualTo(401);
    }
    String fresh = tickets.issue(ID, BOB).value();
    try (WsClient ws = WsClient.connect(http, wsUrl("?ticket=" + fresh), Map.of())) {
      ws.send("{\"type\": \"command\", \"text\": \"say with a ticket\"}");
      Await.until(() -> runtime.stdinLines(NAME).contains("say with a ticket"));
    }
  }

  @Test
  void restCommandsAreRateLimitedPerServerAndCallerLikeTheWebSocket() throws Exception {
    int accepted = 0;
    HttpResponse<String> refused = null;
    for (int i = 0; i < 30 && refused == null; i++) {
      HttpResponse<String> r = command("alice", "say " + i);
      if (r.statusCode() == 202) {
        accepted++;
      } else {
        refused = r;
      }
    }
    assertThat(refused).isNotNull();
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body()).contains("rate-limited");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(accepted).isBetween(10, 20);
    // another caller has a bucket of its own
    assertThat(command("bob", "say bob").statusCode()).isEqualTo(202);
  }
}
