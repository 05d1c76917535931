package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** Waits for an operation by polling it, showing its progress on stderr. */
final class OperationWaiter {
  static final Duration POLL = Duration.ofMillis(250);
  private final Session session;
  private final Duration interval;

  OperationWaiter(Session session, Duration interval) {
    this.session = session;
    this.interval = interval;
  }

  OperationWaiter(Session session) {
    this(session, POLL);
  }

  /**
   * The common ending of an operation command: with {@code noWait} prints the operation id (or its
   * JSON), else waits and prints the final operation JSON or what {@code human} makes of it.
   */
  int complete(
      ApiClient.Response accepted, boolean noWait, java.util.function.Consumer<JsonNode> human) {
    if (noWait) {
      if (session.json()) {
        session.printRaw(accepted);
      } else {
        session.out().println(accepted.json().path("id").asText());
      }
      return ExitCodes.OK;
    }
    ApiClient.Response done = await(accepted);
    if (session.json()) {
      session.printRaw(done);
    } else {
      human.accept(done.json());
    }
    return ExitCodes.OK;
  }

  /**
   * Polls the operation {@code accepted} describes until it finishes; answers the final answer, or
   * throws exit code 1 with the operation's error when it failed.
   */
  ApiClient.Response await(ApiClient.Response accepted) {
    String id = accepted.json().path("id").asText();
    ProgressDisplay progress = new ProgressDisplay(session.err(), session.terminal().interactive());
    ApiClient.Response current = accepted;
    try {
      while (true) {
        JsonNode op = current.json();
        JsonNode p = op.path("progress");
        progress.show(
            p.path("percent").isNumber() ? p.path("percent").asInt() : null,
            p.path("message").isTextual() ? p.path("message").asText() : null);
        String status = op.path("status").asText();
        if (status.equals("succeeded")) {
          return current;
        }
        if (status.equals("failed")) {
          progress.finish();
          JsonNode e = op.path("error");
          String detail = e.path("detail").asText("");
          throw new CliException(
              ExitCodes.FAILED,
              op.path("kind").asText("operation")
                  + " "
                  + id
                  + " failed: "
                  + e.path("title").asText("failed")
                  + (detail.isEmpty() ? "" : ": " + detail));
        }
        sleep();
        current = session.api().get("/api/v2/operations/" + ApiClient.segment(id));
      }
    } finally {
      progress.finish();
    }
  }

  private void sleep() {
    try {
      Thread.sleep(interval);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted while waiting for the operation");
    }
  }
}
