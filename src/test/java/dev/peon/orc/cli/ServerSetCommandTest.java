package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerSetCommandTest {
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
  void sendsSettingsUnsetsAndDescriptionAndNeverEchoesAValue() {
    api.on(
        "PATCH /api/v2/servers/fakegame.one",
        200,
        """
        {"id":"fakegame.one","state":"exited","description":"Tuesday night",\
        "settings":{"PASSWORD":"hunter2","MAX_PLAYERS":"8","SERVER_NAME":"x"},\
        "pendingRecreate":true}""");
    CliRun r =
        run(
            "servers",
            "set",
            "fakegame.one",
            "--set",
            "PASSWORD=hunter2",
            "--unset",
            "MAX_PLAYERS",
            "--description",
            "Tuesday night");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(api.requests.get(0).body())
        .isEqualTo(
            "{\"description\":\"Tuesday night\","
                + "\"settings\":{\"PASSWORD\":\"hunter2\",\"MAX_PLAYERS\":null}}");
    assertThat(r.out())
        .containsPattern("setting PASSWORD +\\(changed\\)")
        .containsPattern("setting MAX_PLAYERS +8 \\(plan default\\)")
        .containsPattern("setting SERVER_NAME +x")
        .containsPattern("description +Tuesday night")
        .doesNotContain("hunter2");
    assertThat(r.err()).doesNotContain("hunter2");
  }

  @Test
  void showsTheProblemNamingTheClosestDeclaredSetting() {
    api.on(
        "PATCH /api/v2/servers/fakegame.one",
        400,
        """
        {"type":"https://peon.dev/problems/invalid-request","title":"Invalid request","status":400,\
        "detail":"settings.PASWORD is not a setting of this plan; did you mean PASSWORD?",\
        "errors":[{"field":"settings.PASWORD","message":"is not a setting of this plan;\
         did you mean PASSWORD?"}]}""");
    CliRun r = run("servers", "set", "fakegame.one", "-s", "PASWORD=x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("did you mean PASSWORD?");
  }

  @Test
  void refusesNothingToChangeAndASettingBothSetAndUnset() {
    CliRun none = run("servers", "set", "fakegame.one");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("Nothing to change").contains("--set");
    CliRun both = run("servers", "set", "fakegame.one", "--set", "A=1", "--unset", "A");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("both set and unset");
    assertThat(api.requests).isEmpty();
  }
}
