package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** Waits for an operation by polling it, showing its progress on stderr. */
final class OperationWaiter {
  static final Duration POLL = Duration.ofMillis(250);

  /** Timed-out looks in a row that end a wait. */
  static final int PATIENCE = 5;

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
        progress.show(op.path("progress"));
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
        current = poll(id);
      }
    } finally {
      progress.finish();
    }
  }

  /**
   * One look at the operation. A look that times out is tried again (a busy orchestrator is no
   * reason to give up on an operation that runs on); only {@link #PATIENCE} in a row end the wait.
   */
  private ApiClient.Response poll(String id) {
    for (int attempt = 1; ; attempt++) {
      try {
        return session.api().get("/api/v2/operations/" + ApiClient.segment(id));
      } catch (CliException e) {
        if (e.exitCode() != ExitCodes.TIMED_OUT || attempt >= PATIENCE) {
          throw e;
        }
        sleep();
      }
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
