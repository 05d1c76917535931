package dev.peon.orc.plan;

import static dev.peon.orc.plan.PlanFixtures.json;
import static dev.peon.orc.plan.PlanFixtures.writePlan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanSettingsViewTest {
  @TempDir Path plans;

  @Test
  void listsRequiredKeysFirstThenDefaultsThenDescriptionWithoutSteamId() {
    Plan plan =
        new PlanParser()
            .parse(
                writePlan(
                    plans,
                    "game",
                    json(
                        "{'metadata': {'image': 'img', 'description': 'A game.'},"
                            + " 'environment': {'MAX': '10', 'STEAM_ID': '1', 'NAME': null,"
                            + " 'EMPTY': '', 'WORLD': null, 'STEAM_ID_X': null}}")));

    assertThat(PlanSettingsView.of(plan))
        .containsExactly(
            entry("NAME", ""),
            entry("WORLD", ""),
            entry("STEAM_ID_X", ""),
            entry("MAX", "10"),
            entry("EMPTY", ""),
            entry("description", "A game."));
  }

  @Test
  void hidesARequiredSteamIdToo() {
    Plan plan =
        new PlanParser()
            .parse(
                writePlan(
                    plans,
                    "game",
                    json("{'metadata': {'image': 'img'}, 'environment': {'STEAM_ID': null}}")));

    assertThat(PlanSettingsView.of(plan)).containsOnlyKeys("description");
  }
}
