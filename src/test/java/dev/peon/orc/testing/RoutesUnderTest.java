package dev.peon.orc.testing;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.http.AccessCheck;
import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.Routes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP server on a free loopback port with only the routes under test, every call allowed.
 */
public final class RoutesUnderTest {
  private RoutesUnderTest() {}

  /** Not started yet: call {@link HttpServer#start()} for the port. */
  public static HttpServer server(Path dir, List<Routes> routes) {
    return new HttpServer(
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of(
                    "listen.host",
                    "127.0.0.1",
                    "listen.port",
                    "0",
                    "data.dir",
                    dir.resolve("data").toString(),
                    "plans.source",
                    dir.resolve("plans").toString())),
        (address, key) -> AccessCheck.Outcome.ALLOWED,
        routes);
  }
}
