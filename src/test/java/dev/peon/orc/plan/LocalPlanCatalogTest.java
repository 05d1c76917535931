package dev.peon.orc.plan;

import static dev.peon.orc.plan.PlanFixtures.json;
import static dev.peon.orc.plan.PlanFixtures.minimal;
import static dev.peon.orc.plan.PlanFixtures.writePlan;
import static dev.peon.orc.plan.PlanFixtures.writeRegistry;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPlanCatalogTest {
  @TempDir Path data;

  private Path plans() {
    return data.resolve("plans");
  }

  private LocalPlanCatalog catalog() {
    return new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(data.resolve("source")));
  }

  @Test
  void loadsEveryPlanFolderAndRejectsBrokenOnesWithTheFileName() {
    writePlan(plans(), "valheim", json(PlanFixtures.VALHEIM));
    writePlan(plans(), "ark", minimal("ark"));
    Path broken = writePlan(plans(), "broken", "{ not json");

    LocalPlanCatalog catalog = catalog();

    assertThat(catalog.find(new PlanId("valheim")))
        .get()
        .extracting(Plan::image)
        .isEqualTo("umlatt/steamcmd");
    assertThat(catalog.find(new PlanId("ark"))).isPresent();
    assertThat(catalog.find(new PlanId("broken"))).isEmpty();
    assertThat(catalog.rejected()).containsOnlyKeys("broken");
    assertThat(catalog.rejected().get("broken")).contains(broken.resolve("plan.json").toString());
  }

  @Test
  void ignoresDotFoldersFilesAndFoldersWithoutPlan() throws IOException {
    writePlan(plans(), ".hidden", minimal("hidden"));
    Files.createDirectories(plans().resolve("docs"));
    Files.writeString(plans().resolve("README.md"), "hi");
    writePlan(plans(), "ark", minimal("ark"));

    LocalPlanCatalog catalog = catalog();

    assertThat(catalog.plans()).extracting(p -> p.id().value()).containsExactly("ark");
    assertThat(catalog.rejected()).isEmpty();
  }

  @Test
  void rejectsAFolderWhoseNameIsNotAGameUid() {
    writePlan(plans(), "Seven-Days", minimal("sevendays"));

    assertThat(catalog().rejected()).containsOnlyKeys("Seven-Days");
  }

  @Test
  void registryWithoutPlansJsonListsEveryLoadablePlanFolderSortedByTitle() {
    writePlan(plans(), "valheim", minimal("valheim"));
    writePlan(plans(), "ark", minimal("ark"));
    writePlan(plans(), "broken", "{");

    assertThat(catalog().registry())
        .containsExactly(
            new RegistryEntry("ark", "ark", ""), new RegistryEntry("valheim", "valheim", ""));
  }

  @Test
  void registryFromPlansJsonIsSortedByTitleIgnoringCase() {
    writePlan(plans(), "valheim", minimal("valheim"));
    writePlan(plans(), "ark", minimal("ark"));
    writePlan(plans(), "unlisted", minimal("unlisted"));
    writeRegistry(
        plans(),
        "[{'title': 'Valheim', 'game_uid': 'valheim', 'plan_url': 'u1'},"
            + " {'title': 'ark: Survival', 'game_uid': 'ark', 'plan_url': 'u2'},"
            + " {'title': 'Ark: Survival', 'game_uid': 'arkse', 'plan_url': 'u3'}]");

    LocalPlanCatalog catalog = catalog();

    assertThat(catalog.registry())
        .containsExactly(
            new RegistryEntry("ark: Survival", "ark", "u2"),
            new RegistryEntry("Ark: Survival", "arkse", "u3"),
            new RegistryEntry("Valheim", "valheim", "u1"));
    assertThat(catalog.find(new PlanId("unlisted"))).isPresent();
  }

  @Test
  void emptyOrMissingFolderGivesAnEmptyCatalog() {
    LocalPlanCatalog catalog = catalog();

    assertThat(catalog.plans()).isEmpty();
    assertThat(catalog.registry()).isEmpty();
    assertThat(catalog.rejected()).isEmpty();
  }

  @Test
  void doesNotFollowSymbolicLinksInThePlansFolder() throws IOException {
    Path elsewhere = writePlan(data.resolve("elsewhere"), "ark", minimal("ark"));
    Files.createDirectories(plans());
    Files.createSymbolicLink(plans().resolve("ark"), elsewhere);
    Files.createDirectories(plans().resolve("rust"));
    Files.createSymbolicLink(plans().resolve("rust/plan.json"), elsewhere.resolve("plan.json"));

    LocalPlanCatalog catalog = catalog();

    assertThat(catalog.find(new PlanId("ark"))).isEmpty();
    assertThat(catalog.find(new PlanId("rust"))).isEmpty();
    assertThat(catalog.rejected()).containsOnlyKeys("rust");
  }
}
