package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GameCommandTest {
  private static final String KEY = "k";
  private static final String GAME =
      """
      {"id":"valheim.vik","state":"ready","since":"t","probe":{"type":"a2s",
       "lastResult":"a2s answered","lastAt":"t","failures":0},
       "players":{"online":2,"max":10,"names":["alice","bob"],"map":"Dedicated","version":"0.219",
       "serverName":"Vik"},"idle":{"after":"1800s","emptySince":null,"stopAt":null},
       "sleeping":false,"listening":false,"wakeMode":"idle","lastStopReason":"stopped: idle 30 min",
       "lastStopAt":"t","lastRestartReason":null,"lastRestartAt":null,"readySeconds":74,
       "settings":{},"override":{"idle":{"after":"30m"}}}""";
  private FakeApi api;

  @BeforeEach
  void start() throws IOException {
    api = new FakeApi();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", api.url(), "--api-key", KEY));
    return CliRun.of(all.toArray(String[]::new));
  }

  @Test
  void showsTheGameStatePlayersAndTheLastStopReason() {
    api.on("GET /api/v2/servers/valheim.vik/game", 200, GAME);
    CliRun r = run("game", "status", "valheim.vik");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("ready")
        .contains("a2s (a2s answered, 0 failures)")
        .contains("2/10 (alice, bob)")
        .contains("after 1800s")
        .contains("stopped: idle 30 min")
        .contains("74 s");
  }

  @Test
  void setLaysTheFlagsOverTheCurrentOverride() {
    api.on("GET /api/v2/servers/valheim.vik/game", 200, GAME);
    api.on("PUT /api/v2/servers/valheim.vik/game/settings", 200, GAME);
    CliRun r =
        run(
            "game",
            "set",
            "valheim.vik",
            "--warn",
            "5m,1m",
            "--wake",
            "always",
            "--allow",
            "10.0.0.0/8",
            "--max-wakes",
            "3");
    assertThat(r.code()).as(r.toString()).isZero();
    FakeApi.Request put =
        api.requests.stream().filter(q -> q.method().equals("PUT")).findFirst().orElseThrow();
    assertThat(put.body())
        .isEqualTo(
            "{\"idle\":{\"after\":\"30m\",\"warnings\":[\"5m\",\"1m\"]},"
                + "\"wake\":{\"mode\":\"always\",\"allow\":[\"10.0.0.0/8\"],\"maxPerHour\":3}}");
  }

  @Test
  void clearSendsNull() {
    api.on("PUT /api/v2/servers/valheim.vik/game/settings", 200, GAME);
    CliRun r = run("game", "set", "valheim.vik", "--clear");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.getLast().body()).isEqualTo("null");
  }

  @Test
  void sleepPostsAndSaysHowItWakes() {
    api.on("POST /api/v2/servers/valheim.vik/sleep", 202, GAME);
    CliRun r = run("game", "sleep", "valheim.vik");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("starts at the first connection");
  }
}
