package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code peon command}, {@code peon logs} and {@code peon console} against fakes. */
class ConsoleCommandsTest {
  private static final String KEY = "test-key-123456";
  private static final String LINE =
      "{\"type\":\"line\",\"seq\":%d,\"time\":\"2026-11-26T20:00:0%dZ\",\"stream\":\"%s\","
          + "\"source\":\"game\",\"text\":\"%s\"}";

  private FakeApi api;
  private Javalin ws;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<String> upgradeKeys = new CopyOnWriteArrayList<>();
  private final List<String> upgradeQueries = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    api = new FakeApi();
  }

  @AfterEach
  void stop() {
    api.close();
    if (ws != null) {
      ws.stop();
    }
  }

  private CliRun run(String url, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url, "--api-key", KEY));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static String line(int seq, String stream, String text) {
    return LINE.formatted(seq, seq, stream, text);
  }

  /**
   * A fake console: sends a history line and the state; for "fakegame.one" answers each command
   * with a line, then closes 1000 "server stopped"; for "fakegame.off" closes 1000 "server not
   * running" at once; for anything else 1008 "no such server".
   */
  private String fakeConsole() {
    ws =
        Javalin.create()
            .ws(
                "/api/v2/servers/{id}/console",
                w -> {
                  w.onConnect(
                      ctx -> {
                        upgradeKeys.add(ctx.header("X-Api-Key"));
                        upgradeQueries.add(ctx.queryString());
                        String id = ctx.pathParam("id");
                        if (!id.startsWith("fakegame.")) {
                          ctx.closeSession(1008, "no such server");
                          return;
                        }
                        ctx.send(line(1, "stdout", "history line"));
                        ctx.send(line(2, "stderr", "a warning"));
                        if (id.equals("fakegame.off")) {
                          ctx.send("{\"type\":\"state\",\"state\":\"exited\"}");
                          ctx.closeSession(1000, "server not running");
                          return;
                        }
                        ctx.send("{\"type\":\"state\",\"state\":\"running\"}");
                        ctx.send("{\"type\":\"dropped\",\"count\":120}");
                      });
                  w.onMessage(
                      ctx -> {
                        received.add(ctx.message());
                        ctx.send(line(3, "stdout", "you said something"));
                        ctx.send("{\"type\":\"state\",\"state\":\"stopping\"}");
                        ctx.closeSession(1000, "server stopped");
                      });
                })
            .start("127.0.0.1", 0);
    return "http://127.0.0.1:" + ws.port();
  }

  @Test
  void commandPostsTheWordsJoinedAndPrintsNothing() {
    api.on(
        "POST /api/v2/servers/fakegame.one/command",
        202,
        "{\"server\":\"fakegame.one\",\"text\":\"say hello all\",\"sentAt\":\"2026-11-26T20:00:00Z\"}");
    CliRun r = run(api.url(), "command", "fakegame.one", "say", "hello", "all");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(api.requests.get(0).body()).isEqualTo("{\"text\":\"say hello all\"}");
  }

  @Test
  void commandToAStoppedServerExits4WithTheDetail() {
    api.on(
        "POST /api/v2/servers/fakegame.one/command",
        409,
        FakeApi.problem("conflict", 409, "Conflict", "fakegame.one is not running."));
    CliRun r = run(api.url(), "command", "fakegame.one", "save");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err()).contains("Conflict: fakegame.one is not running.");
  }

  @Test
  void logsPrintsTheTextsOfTheLastLines() {
    api.on(
        "GET /api/v2/servers/fakegame.one/logs?lines=2",
        200,
        "{\"items\":[" + line(1, "stdout", "one") + "," + line(2, "stderr", "two") + "]}");
    CliRun r = run(api.url(), "logs", "fakegame.one", "-n", "2");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("one\ntwo\n");
    CliRun t = run(api.url(), "logs", "fakegame.one", "-n", "2", "--timestamps");
    assertThat(t.out()).isEqualTo("2026-11-26T20:00:01Z one\n2026-11-26T20:00:02Z two\n");
  }

  @Test
  void logsSinceTakesATimeOrADuration() {
    api.on(
        "GET /api/v2/servers/fakegame.one/logs?lines=100&since=2026-11-26T20%3A00%3A00Z",
        200, "{\"items\":[]}");
    CliRun r = run(api.url(), "logs", "fakegame.one", "--since", "2026-11-26T20:00:00Z");
    assertThat(r.code()).as(r.toString()).isZero();
    Instant now = Instant.parse("2026-11-26T20:00:00Z");
    assertThat(LogsCommand.parseSince("10m", now)).isEqualTo(Instant.parse("2026-11-26T19:50:00Z"));
    assertThat(LogsCommand.parseSince("1d", now)).isEqualTo(Instant.parse("2026-11-25T20:00:00Z"));
    assertThat(run(api.url(), "logs", "fakegame.one", "--since", "yesterday").code()).isEqualTo(2);
  }

  @Test
  void consolePrintsLinesShowsNoticesSendsStdinAndExits0WhenTheServerStops() {
    String url = fakeConsole();
    InputStream stdin = System.in;
    System.setIn(new ByteArrayInputStream("\nsay hi\n".getBytes(StandardCharsets.UTF_8)));
    CliRun r;
    try {
      r = run(url, "console", "fakegame.one", "-n", "5");
    } finally {
      System.setIn(stdin);
    }
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("history line\nyou said something\n");
    assertThat(r.err())
        .contains("a warning")
        .contains("[peon] server running")
        .contains("[peon] 120 messages dropped (too slow)")
        .contains("[peon] console closed: server stopped");
    assertThat(received).containsExactly("{\"type\":\"command\",\"text\":\"say hi\"}");
    assertThat(upgradeKeys).containsExactly(KEY);
    assertThat(upgradeQueries).containsExactly("history=5");
  }

  @Test
  void consoleOfAnUnknownServerExits3() {
    String url = fakeConsole();
    CliRun r = run(url, "console", "nope.x", "--no-input");
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.err()).contains("1008").contains("no such server");
  }

  @Test
  void logsFollowWatchesTheConsoleUntilItCloses() {
    String url = fakeConsole();
    CliRun r = run(url, "logs", "fakegame.off", "-f", "-n", "50");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("history line\n");
    assertThat(r.err()).contains("[peon] server exited").contains("server not running");
    assertThat(upgradeQueries).containsExactly("history=50");
    assertThat(received).isEmpty();
  }

  @Test
  void consoleJsonPrintsTheFramesUnchanged() {
    String url = fakeConsole();
    CliRun r = run(url, "console", "fakegame.off", "--no-input", "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            line(1, "stdout", "history line")
                + "\n"
                + line(2, "stderr", "a warning")
                + "\n{\"type\":\"state\",\"state\":\"exited\"}\n");
  }

  @Test
  void consoleRefusedByTheServerMapsTheStatus() {
    CliRun r = run(api.url(), "console", "fakegame.one", "--no-input");
    assertThat(r.code()).as(r.toString()).isNotZero();
  }
}
