package dev.peon.orc.plan;

import static dev.peon.orc.plan.PlanFixtures.json;
import static dev.peon.orc.plan.PlanFixtures.writePlan;
import static dev.peon.orc.plan.PlanFixtures.writeRegistry;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sync that brings in a broken plan.json or registry keeps what worked and says what broke. */
class BrokenPlanSyncTest {
  /** Line 3 column 41 is where the JSON breaks: the missing comma before "image". */
  private static final String BROKEN_ARK =
      "{\n  \"metadata\": {\n    \"game_uid\": \"ark\", \"version\": \"2.0\" \"image\": \"x\"\n  }\n}\n";

  @TempDir Path tmp;

  private Path plans() {
    return tmp.resolve("data").resolve("plans");
  }

  private Path kept() {
    return tmp.resolve("data").resolve("plans-kept");
  }

  private static String plan(String gameUid, String version) {
    return json(
        "{'metadata': {'game_uid': '"
            + gameUid
            + "', 'version': '"
            + version
            + "', 'image': 'peon/"
            + gameUid
            + "'}, 'environment': {'STEAM_ID': '1'}}");
  }

  private static void commit(Git git, String message) throws GitAPIException {
    PersonIdent me = new PersonIdent("Test", "test@example.org");
    git.add().addFilepattern(".").call();
    git.commit()
        .setMessage(message)
        .setAuthor(me)
        .setCommitter(me)
        .setSign(false)
        .setAll(true)
        .call();
  }

  private static void writeAction(Path plan, String content) throws IOException {
    Path actions = Files.createDirectories(plan.resolve("actions"));
    Path start = Files.writeString(actions.resolve("server_start"), content);
    Files.setPosixFilePermissions(
        start,
        Set.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE));
  }

  private LocalPlanCatalog git(Path repo) {
    return new LocalPlanCatalog(plans(), new PlanSource.GitRepository(repo.toUri().toString(), ""));
  }

  @Test
  void aGoodSyncReportsNoProblems() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      writePlan(repo, "ark", plan("ark", "1.0"));
      commit(git, "ark");
      PlanSyncResult result = git(repo).refresh();

      assertThat(result.problems()).isEmpty();
      assertThat(result.plans()).isEqualTo(1);
      assertThat(result.added()).extracting(RegistryEntry::gameUid).containsExactly("ark");
    }
  }

  @Test
  void aCommitBreakingOnePlanKeepsItsPreviousVersionAndReportsFileLineAndColumn() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      Path ark = writePlan(repo, "ark", plan("ark", "1.0"));
      writeAction(ark, "#!/bin/sh\necho one\n");
      writePlan(repo, "valheim", plan("valheim", "1.0"));
      commit(git, "two plans");
      LocalPlanCatalog catalog = git(repo);
      catalog.refresh();

      Files.writeString(ark.resolve("plan.json"), BROKEN_ARK);
      writeAction(ark, "#!/bin/sh\necho two\n");
      writePlan(repo, "valheim", plan("valheim", "2.0"));
      commit(git, "break ark, update valheim");
      PlanSyncResult result = catalog.refresh();

      assertThat(result.added()).isEmpty();
      assertThat(result.plans()).isEqualTo(2);
      assertThat(result.problems())
          .containsExactly(
              new PlanProblem(
                  "ark",
                  "ark/plan.json",
                  3,
                  41,
                  "broken JSON: Unexpected character ('\"' (code 34)): was expecting comma to"
                      + " separate Object entries",
                  true));
      Plan kept = catalog.find(new PlanId("ark")).orElseThrow();
      assertThat(kept.version()).isEqualTo("1.0");
      assertThat(kept.folder()).isEqualTo(kept().resolve("ark"));
      assertThat(kept.folder().resolve("actions/server_start")).hasContent("#!/bin/sh\necho one\n");
      assertThat(Files.isExecutable(kept.folder().resolve("actions/server_start"))).isTrue();
      assertThat(catalog.find(new PlanId("valheim")).orElseThrow().version()).isEqualTo("2.0");
      assertThat(catalog.rejected()).isEmpty();

      // a restart while the source is still broken serves the kept version too
      LocalPlanCatalog restarted = git(repo);
      assertThat(restarted.find(new PlanId("ark")).orElseThrow().version()).isEqualTo("1.0");
      assertThat(restarted.problems()).extracting(PlanProblem::kept).containsExactly(true);

      // a second broken commit keeps the same good version
      commit(git, "still broken");
      assertThat(catalog.refresh().problems()).extracting(PlanProblem::kept).containsExactly(true);
      assertThat(catalog.find(new PlanId("ark")).orElseThrow().version()).isEqualTo("1.0");

      writePlan(repo, "ark", plan("ark", "3.0"));
      commit(git, "fix ark");
      assertThat(catalog.refresh().problems()).isEmpty();
      assertThat(catalog.find(new PlanId("ark")).orElseThrow().version()).isEqualTo("3.0");
      assertThat(catalog.find(new PlanId("ark")).orElseThrow().folder())
          .isEqualTo(plans().resolve("ark"));
      assertThat(kept().resolve("ark")).doesNotExist();
    }
  }

  @Test
  void aPlanBrokenFromItsFirstCommitIsRejectedAndReportedAsNotKept() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      writePlan(repo, "ark", BROKEN_ARK);
      commit(git, "broken from the start");

      PlanSyncResult result = git(repo).refresh();

      assertThat(result.plans()).isZero();
      assertThat(result.problems())
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.file()).isEqualTo("ark/plan.json");
                assertThat(p.line()).isEqualTo(3);
                assertThat(p.kept()).isFalse();
              });
    }
  }

  @Test
  void aFolderSourceBreakingOnePlanKeepsItsPreviousVersion() throws IOException {
    Path source = tmp.resolve("source");
    Path ark = writePlan(source, "ark", plan("ark", "1.0"));
    writeAction(ark, "one");
    LocalPlanCatalog catalog = new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(source));
    catalog.refresh();

    Files.writeString(ark.resolve("plan.json"), BROKEN_ARK);
    writeAction(ark, "two");
    PlanSyncResult result = catalog.refresh();

    assertThat(result.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.file()).isEqualTo("ark/plan.json");
              assertThat(p.line()).isEqualTo(3);
              assertThat(p.column()).isEqualTo(41);
              assertThat(p.kept()).isTrue();
            });
    Plan kept = catalog.find(new PlanId("ark")).orElseThrow();
    assertThat(kept.version()).isEqualTo("1.0");
    assertThat(kept.folder().resolve("actions/server_start")).hasContent("one");
    assertThat(plans().resolve("ark/actions/server_start")).hasContent("two");
  }

  @Test
  void aBrokenRegistryKeepsThePreviousOneAndAnnouncesNothingNew() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      for (String id : new String[] {"ark", "valheim", "rust", "csgo", "factorio"}) {
        writePlan(repo, id, plan(id, "1.0"));
      }
      writeRegistry(
          repo,
          "[{'title': 'ARK', 'game_uid': 'ark', 'plan_url': 'a'},"
              + " {'title': 'Valheim', 'game_uid': 'valheim', 'plan_url': 'v'}]");
      commit(git, "five plans, two registered");
      LocalPlanCatalog catalog = git(repo);
      assertThat(catalog.refresh().added()).hasSize(2);

      Files.writeString(repo.resolve("plans.json"), "[\n  {\"title\": \"ARK\",\n  oops\n]\n");
      writePlan(repo, "terraria", plan("terraria", "1.0"));
      commit(git, "broken registry");
      PlanSyncResult result = catalog.refresh();

      assertThat(result.added()).isEmpty();
      assertThat(catalog.registry())
          .extracting(RegistryEntry::gameUid)
          .containsExactly("ark", "valheim");
      assertThat(catalog.find(new PlanId("terraria"))).isPresent();
      assertThat(result.problems())
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.plan()).isNull();
                assertThat(p.file()).isEqualTo("plans.json");
                assertThat(p.line()).isEqualTo(3);
                assertThat(p.column()).isPositive();
                assertThat(p.kept()).isTrue();
              });

      // across a restart as well
      LocalPlanCatalog restarted = git(repo);
      assertThat(restarted.registry())
          .extracting(RegistryEntry::gameUid)
          .containsExactly("ark", "valheim");
      assertThat(restarted.refresh().added()).isEmpty();

      writeRegistry(
          repo,
          "[{'title': 'ARK', 'game_uid': 'ark', 'plan_url': 'a'},"
              + " {'title': 'Terraria', 'game_uid': 'terraria', 'plan_url': 't'}]");
      commit(git, "registry fixed");
      PlanSyncResult fixed = restarted.refresh();
      assertThat(fixed.problems()).isEmpty();
      assertThat(fixed.added()).extracting(RegistryEntry::gameUid).containsExactly("terraria");
      assertThat(kept().resolve("plans.json")).doesNotExist();
    }
  }
}
