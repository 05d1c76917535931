package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code peon webhooks ...} against a scripted fake API. */
class WebhooksCommandTest {
  private static final String KEY = "test-key-123456";
  private static final String HOOK =
      "{\"id\":\"wh_3f2a9c01b7de\",\"server\":null,\"name\":\"ops\","
          + "\"url\":\"https://discord.com/…/x9Qz\",\"format\":\"discord\","
          + "\"events\":[\"server.crashed\",\"backup.failed\"],\"secretSet\":false,"
          + "\"enabled\":true,\"createdAt\":\"2026-12-03T10:00:00Z\"}";
  private static final String SERVER_HOOK =
      "{\"id\":\"wh_8e41d2c6a0f3\",\"server\":\"fakegame.one\",\"name\":null,"
          + "\"url\":\"https://hooks.example/…/b7d1\",\"format\":\"json\",\"events\":[],"
          + "\"secretSet\":true,\"enabled\":false,\"createdAt\":\"2026-12-03T10:00:00Z\"}";

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
  void listsGlobalAndServerWebhooksAsTables() {
    api.on("GET /api/v2/webhooks", 200, "{\"items\":[" + HOOK + "]}");
    api.on("GET /api/v2/servers/fakegame.one/webhooks", 200, "{\"items\":[" + SERVER_HOOK + "]}");

    CliRun global = run("webhooks", "list");
    CliRun server = run("webhooks", "list", "--server", "fakegame.one");

    assertThat(global.code()).as(global.toString()).isZero();
    assertThat(global.out())
        .isEqualTo(
            """
            ID               NAME  URL                         FORMAT   EVENTS                        SIGNED  ENABLED
            wh_3f2a9c01b7de  ops   https://discord.com/…/x9Qz  discord  server.crashed,backup.failed  no      yes
            """);
    assertThat(server.out()).contains("wh_8e41d2c6a0f3", "json", "all", "yes     no");
  }

  @Test
  void addsAWebhookWithItsFilter() {
    api.on("POST /api/v2/servers/fakegame.one/webhooks", 201, SERVER_HOOK);

    CliRun r =
        run(
            "webhooks",
            "add",
            "--server",
            "fakegame.one",
            "https://hooks.example/in/abcd",
            "--event",
            "server.crashed",
            "--event",
            "backup.failed",
            "--format",
            "json",
            "--name",
            "ops",
            "--disabled");

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("added webhook wh_8e41d2c6a0f3 (json)");
    assertThat(api.requests.get(0).body())
        .isEqualTo(
            "{\"url\":\"https://hooks.example/in/abcd\",\"format\":\"json\","
                + "\"events\":[\"server.crashed\",\"backup.failed\"],\"name\":\"ops\","
                + "\"enabled\":false}");
  }

  @Test
  void testsAWebhookAndReportsTheFirstTry() {
    api.on(
        "POST /api/v2/webhooks/wh_3f2a9c01b7de/test",
        202,
        "{\"webhook\":\"wh_3f2a9c01b7de\",\"delivery\":7}");
    api.on(
        "GET /api/v2/webhooks/wh_3f2a9c01b7de/deliveries?limit=50",
        200,
        "{\"items\":[{\"id\":7,\"event\":\"test\",\"server\":null,\"status\":\"pending\","
            + "\"attempts\":1,\"httpStatus\":500,\"error\":\"HTTP 500\","
            + "\"createdAt\":\"2026-12-03T10:00:00Z\",\"updatedAt\":\"2026-12-03T10:00:00Z\","
            + "\"nextAttemptAt\":\"2026-12-03T10:00:10Z\"}]}");

    CliRun r = run("webhooks", "test", "wh_3f2a9c01b7de");

    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILED);
    assertThat(r.out())
        .isEqualTo("delivery 7: pending (HTTP 500): HTTP 500, next try at 2026-12-03T10:00:10Z\n");
  }

  @Test
  void showsDeliveriesAndRemoves() {
    api.on(
        "GET /api/v2/webhooks/wh_3f2a9c01b7de/deliveries?limit=5",
        200,
        "{\"items\":[{\"id\":9,\"event\":\"server.crashed\",\"server\":\"fakegame.one\","
            + "\"status\":\"delivered\",\"attempts\":2,\"httpStatus\":200,\"error\":null,"
            + "\"createdAt\":\"2026-12-03T10:00:00Z\",\"updatedAt\":\"2026-12-03T10:00:11Z\","
            + "\"nextAttemptAt\":null}]}");
    api.on("DELETE /api/v2/webhooks/wh_3f2a9c01b7de", 204, "");

    CliRun d = run("webhooks", "deliveries", "wh_3f2a9c01b7de", "--limit", "5");
    CliRun rm = run("webhooks", "remove", "wh_3f2a9c01b7de");

    assertThat(d.code()).as(d.toString()).isZero();
    assertThat(d.out()).contains("server.crashed", "fakegame.one", "delivered", "2", "200");
    assertThat(rm.out()).isEqualTo("removed webhook wh_3f2a9c01b7de\n");
  }

  @Test
  void aMissingWebhookIsReportedWithTheNotFoundExitCode() {
    CliRun r = run("webhooks", "remove", "wh_000000000000");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
  }
}
