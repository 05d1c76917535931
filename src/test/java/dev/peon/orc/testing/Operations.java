package dev.peon.orc.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.function.Function;

/**
 * Follows a v2 operation over HTTP in integration tests (creates, power, updates): each test passes
 * its own GET of a path to JSON, and the 202 answer's body.
 */
public final class Operations {
  private static final Duration WAIT = Duration.ofSeconds(120);

  private Operations() {}

  /** Waits until the operation {@code accepted} describes has finished; answers its last JSON. */
  public static JsonNode awaitFinished(Function<String, JsonNode> get, JsonNode accepted) {
    String path = "/api/v2/operations/" + accepted.path("id").asText();
    JsonNode[] last = {accepted};
    Await.until(
        WAIT,
        () -> {
          last[0] = get.apply(path);
          String status = last[0].path("status").asText();
          return status.equals("succeeded") || status.equals("failed");
        });
    return last[0];
  }

  /**
   * Waits for the operation and fails unless it succeeded; answers its result (for a create, the
   * server's v2 view).
   */
  public static JsonNode awaitResult(Function<String, JsonNode> get, JsonNode accepted) {
    JsonNode done = awaitFinished(get, accepted);
    if (!done.path("status").asText().equals("succeeded")) {
      throw new AssertionError("operation did not succeed: " + done);
    }
    return done.path("result");
  }
}
