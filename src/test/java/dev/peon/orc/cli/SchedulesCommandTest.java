package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchedulesCommandTest {
  private static final String PATH = "/api/v2/servers/valheim.camp1/schedules";
  private static final String COMMAND_SCHEDULE =
      """
      {"id":7,"server":"valheim.camp1","action":"command","cron":"0 4 * * *","at":null,\
      "timeZone":"Europe/Berlin","enabled":%s,"misfire":"run-once","updateMode":null,\
      "steps":[{"command":"say restarting in 5 minutes"},{"wait":"5m"},{"action":"restart"}],\
      "nextRun":"2026-12-04T03:00:00Z","lastRun":null,"lastResult":null}""";

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
    return CliRun.against(api, args);
  }

  @Test
  void readsStepTextsAsCommandsWaitsAndAFinalAction() {
    assertThat(
            SchedulesCommand.steps(
                List.of(
                    "say restarting in 5 minutes", " wait 5m ", "send stop", "save", "restart")))
        .containsExactly(
            Map.of("command", "say restarting in 5 minutes"),
            Map.of("wait", "5m"),
            Map.of("command", "stop"),
            Map.of("command", "save"),
            Map.of("action", "restart"));
  }

  @Test
  void addsACommandScheduleWithItsSteps() {
    api.on("POST " + PATH, 201, COMMAND_SCHEDULE.formatted("true"));
    CliRun r =
        run(
            "schedules",
            "add",
            "valheim.camp1",
            "--cron",
            "0 4 * * *",
            "--tz",
            "Europe/Berlin",
            "--action",
            "command",
            "--step",
            "say restarting in 5 minutes",
            "--step",
            "wait 5m",
            "--step",
            "restart");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(0).body())
        .isEqualTo(
            "{\"action\":\"command\",\"cron\":\"0 4 * * *\",\"timeZone\":\"Europe/Berlin\","
                + "\"steps\":[{\"command\":\"say restarting in 5 minutes\"},{\"wait\":\"5m\"},"
                + "{\"action\":\"restart\"}]}");
    assertThat(r.out())
        .startsWith(
            "added schedule 7: command: 'say restarting in 5 minutes', wait 5m, restart"
                + " cron '0 4 * * *' (Europe/Berlin), next run 2026-12-04 03:00:00 UTC");
  }

  @Test
  void listsStepsAndTheNextRunInTheChosenZone() {
    api.on("GET " + PATH, 200, "{\"items\":[" + COMMAND_SCHEDULE.formatted("true") + "]}");
    CliRun r = run("schedules", "list", "valheim.camp1");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("command: 'say restarting in 5 minutes', wait 5m, restart")
        .contains("2026-12-04 03:00:00 UTC");
  }

  @Test
  void enablesAndDisablesASchedule() {
    api.on("PATCH " + PATH + "/7", 200, COMMAND_SCHEDULE.formatted("false"));
    CliRun off = run("schedules", "disable", "valheim.camp1", "7");
    assertThat(off.code()).as(off.toString()).isZero();
    assertThat(off.out()).isEqualTo("disabled schedule 7 of valheim.camp1\n");
    assertThat(api.requests.get(0).method()).isEqualTo("PATCH");
    assertThat(api.requests.get(0).body()).isEqualTo("{\"enabled\":false}");
    CliRun on = run("schedules", "enable", "valheim.camp1", "7");
    assertThat(on.code()).isZero();
    assertThat(api.requests.get(1).body()).isEqualTo("{\"enabled\":true}");
    assertThat(on.out()).startsWith("enabled schedule 7 of valheim.camp1, next run 2026-12-04");
  }

  @Test
  void showsTheProblemWhenTheOrchestratorRefusesTheSteps() {
    api.on(
        "POST " + PATH,
        400,
        """
        {"type":"https://peon.dev/problems/invalid-request","title":"Invalid request","status":400,\
        "detail":"steps the waits add up to more than 1h",\
        "errors":[{"field":"steps","message":"the waits add up to more than 1h"}]}""");
    CliRun r =
        run(
            "schedules",
            "add",
            "valheim.camp1",
            "--cron",
            "0 4 * * *",
            "--action",
            "command",
            "--step",
            "say hi",
            "--step",
            "wait 2h");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("steps: the waits add up to more than 1h");
  }
}
