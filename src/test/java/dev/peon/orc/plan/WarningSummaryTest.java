package dev.peon.orc.plan;

import static dev.peon.orc.plan.PlanFixtures.json;
import static dev.peon.orc.plan.PlanFixtures.writePlan;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.testing.CapturedLogs;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarningSummaryTest {
  @TempDir Path tmp;

  @Test
  void foldsTheSameWarningOfManyPlansIntoOneLineNamingTheFirstThree() {
    WarningSummary summary = new WarningSummary();
    for (String plan : new String[] {"ark", "csgo", "rust", "valheim"}) {
      summary.add(plan, "ports is not a list; ignored");
    }
    summary.add("ark", "environment is not an object; ignored");

    assertThat(summary.lines(10))
        .containsExactly(
            "4 plans: ports is not a list; ignored (first: ark, csgo, rust)",
            "1 plan: environment is not an object; ignored (ark)");
  }

  @Test
  void namesAllPlansWhenThereAreThreeOrFewer() {
    WarningSummary summary = new WarningSummary().add("a", "w").add("b", "w");

    assertThat(summary.lines(10)).containsExactly("2 plans: w (a, b)");
  }

  @Test
  void capsTheNumberOfDistinctLines() {
    WarningSummary summary = new WarningSummary();
    for (int i = 0; i < 5; i++) {
      summary.add("p" + i, "warning " + i);
    }

    assertThat(summary.lines(2))
        .hasSize(3)
        .last()
        .isEqualTo("3 more distinct warnings; GET /api/v2/plans lists each plan's warnings");
  }

  @Test
  void aSyncOf170PlansWithTheSameWarningLogsItOnce() {
    Path source = tmp.resolve("source");
    for (int i = 0; i < 170; i++) {
      writePlan(
          source,
          String.format("game%03d", i),
          json(
              "{'metadata': {'game_uid': 'game"
                  + String.format("%03d", i)
                  + "', 'image': 'x'}, 'environment': 'oops'}"));
    }
    LocalPlanCatalog catalog =
        new LocalPlanCatalog(tmp.resolve("data/plans"), new PlanSource.LocalFolder(source));

    try (CapturedLogs logs = new CapturedLogs(LocalPlanCatalog.class)) {
      catalog.refresh();

      assertThat(logs.lines().stream().filter(l -> l.startsWith("WARN")))
          .containsExactly(
              "WARN plans loaded with warnings: 170 plans: environment is not an object; ignored"
                  + " (first: game000, game001, game002) ");
    }
  }

  @Test
  void manyBrokenPlansAreLoggedOneByOneOnlyUpToTheCap() {
    Path source = tmp.resolve("source");
    for (int i = 0; i < 30; i++) {
      writePlan(source, String.format("game%03d", i), "{ broken");
    }
    LocalPlanCatalog catalog =
        new LocalPlanCatalog(tmp.resolve("data/plans"), new PlanSource.LocalFolder(source));

    try (CapturedLogs logs = new CapturedLogs(LocalPlanCatalog.class)) {
      PlanSyncResult result = catalog.refresh();

      assertThat(result.problems()).hasSize(30);
      assertThat(logs.lines().stream().filter(l -> l.startsWith("WARN plan rejected"))).hasSize(20);
      assertThat(logs.lines())
          .contains(
              "WARN 10 more plans rejected or kept at their previous version; a sync's result"
                  + " lists them all ");
    }
  }
}
