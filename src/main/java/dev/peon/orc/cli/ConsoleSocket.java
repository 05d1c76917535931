package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A console WebSocket ({@code /api/v2/servers/{id}/console}) as the CLI uses it: prints {@code
 * line} messages (stderr lines on stderr), shows notices on stderr, optionally sends stdin lines as
 * commands, and ends with the close code.
 */
final class ConsoleSocket implements WebSocket.Listener {
  /** How the socket ended. */
  record Close(int code, String reason) {}

  private final Session session;
  private final boolean timestamps;
  private final StringBuilder partial = new StringBuilder();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();

  ConsoleSocket(Session session, boolean timestamps) {
    this.session = session;
    this.timestamps = timestamps;
  }

  /**
   * Connects, follows until the socket closes and answers the exit code: 0 after a normal close
   * (1000: the server stopped or was not running), 3 for an unknown server, 1 otherwise.
   *
   * @param input stdin to send as commands, or null to only watch
   */
  static int follow(Session s, String server, int history, boolean timestamps, InputStream input) {
    ConsoleSocket listener = new ConsoleSocket(s, timestamps);
    WebSocket ws =
        s.api()
            .webSocket(
                "/api/v2/servers/" + ApiClient.segment(server) + "/console?history=" + history,
                listener);
    if (input != null) {
      Thread reader = new Thread(() -> listener.send(ws, input), "peon-console-input");
      reader.setDaemon(true);
      reader.start();
    }
    Close c;
    try {
      c = listener.closed.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new CliException(ExitCodes.FAILED, "console connection lost: " + cause.getMessage());
    }
    String reason = c.reason() == null || c.reason().isBlank() ? "" : ": " + c.reason();
    PrintWriter err = s.err();
    if (c.code() == WebSocket.NORMAL_CLOSURE) {
      if (!s.json()) {
        err.println("[peon] console closed" + reason);
      }
      err.flush();
      return ExitCodes.OK;
    }
    err.println("[peon] console closed with " + c.code() + reason);
    err.flush();
    return c.code() == 1008 && c.reason() != null && c.reason().contains("no such server")
        ? ExitCodes.NOT_FOUND
        : ExitCodes.FAILED;
  }

  /** Reads lines until end of input and sends each as a command; blank lines are skipped. */
  void send(WebSocket ws, InputStream input) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null && !ws.isOutputClosed()) {
        if (line.isBlank()) {
          continue;
        }
        Map<String, String> command = new LinkedHashMap<>();
        command.put("type", "command");
        command.put("text", line);
        String frame = session.api().mapper().writeValueAsString(command);
        ws.sendText(frame, true).join();
      }
    } catch (IOException | CompletionException e) {
      // the socket closed or stdin failed: the close (or its absence) decides the exit
    }
  }

  @Override
  public void onOpen(WebSocket ws) {
    ws.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      String frame = partial.toString();
      partial.setLength(0);
      handle(frame);
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    closed.complete(new Close(statusCode, reason));
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    closed.completeExceptionally(error);
  }

  private void handle(String frame) {
    if (session.json()) {
      session.out().println(frame);
      session.out().flush();
      return;
    }
    JsonNode m;
    try {
      m = session.api().mapper().readTree(frame);
    } catch (IOException e) {
      return;
    }
    PrintWriter err = session.err();
    switch (m.path("type").asText()) {
      case "line" -> line(m);
      case "history" -> m.path("lines").forEach(this::line);
      case "state" -> err.println("[peon] server " + m.path("state").asText());
      case "dropped" ->
          err.println("[peon] " + m.path("count").asLong() + " messages dropped (too slow)");
      case "throttled" ->
          err.println(
              "[peon] "
                  + m.path("skipped").asLong()
                  + " lines not shown live (throttled): "
                  + m.path("detail").asText(""));
      case "error" -> err.println("[peon] error: " + m.path("detail").asText());
      default -> {
        // stats, closing: nothing to show
      }
    }
    err.flush();
  }

  private void line(JsonNode l) {
    PrintWriter to = l.path("stream").asText().equals("stderr") ? session.err() : session.out();
    to.println((timestamps ? l.path("time").asText() + " " : "") + l.path("text").asText());
    to.flush();
  }
}
