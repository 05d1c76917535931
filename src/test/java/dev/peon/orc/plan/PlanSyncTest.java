package dev.peon.orc.plan;

import static dev.peon.orc.plan.PlanFixtures.minimal;
import static dev.peon.orc.plan.PlanFixtures.writePlan;
import static dev.peon.orc.plan.PlanFixtures.writeRegistry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

class PlanSyncTest {
  @TempDir Path tmp;

  private Path plans() {
    return tmp.resolve("data").resolve("plans");
  }

  private Path source() {
    return tmp.resolve("source");
  }

  private static void commit(Git git, String message) throws GitAPIException {
    PersonIdent me = new PersonIdent("Test", "test@example.org");
    git.add().addFilepattern(".").call();
    git.commit().setMessage(message).setAuthor(me).setCommitter(me).setSign(false).call();
  }

  @Test
  void syncFromALocalFolderCopiesPlansAndReportsNewEntries() throws IOException {
    writePlan(source(), "ark", minimal("ark"));
    Path actions = Files.createDirectories(source().resolve("ark").resolve("actions"));
    Files.writeString(actions.resolve("server_start"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(
        actions.resolve("server_start"),
        Set.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE));
    Files.createDirectories(source().resolve(".git"));
    Files.writeString(source().resolve(".git").resolve("HEAD"), "ref: refs/heads/main");
    LocalPlanCatalog catalog = new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(source()));

    assertThat(catalog.sync()).containsExactly(new RegistryEntry("ark", "ark", ""));
    assertThat(catalog.find(new PlanId("ark"))).isPresent();
    assertThat(Files.isExecutable(plans().resolve("ark/actions/server_start"))).isTrue();
    assertThat(plans().resolve(".git")).doesNotExist();

    writePlan(source(), "valheim", minimal("valheim"));
    assertThat(catalog.sync()).containsExactly(new RegistryEntry("valheim", "valheim", ""));
    assertThat(catalog.sync()).isEmpty();
    assertThat(catalog.registry())
        .extracting(RegistryEntry::gameUid)
        .containsExactly("ark", "valheim");
    assertThat(plans().getParent())
        .isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("."));
  }

  @Test
  void removedPlansDisappearAfterASync() throws IOException {
    writePlan(source(), "ark", minimal("ark"));
    writePlan(plans(), "old", minimal("old"));
    LocalPlanCatalog catalog = new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(source()));
    assertThat(catalog.find(new PlanId("old"))).isPresent();

    catalog.sync();

    assertThat(catalog.find(new PlanId("old"))).isEmpty();
    assertThat(plans().resolve("old")).doesNotExist();
  }

  @Test
  void symbolicLinksLeavingTheSourceAreNotFollowed() throws IOException {
    Path secret = Files.writeString(tmp.resolve("secret.txt"), "top secret");
    Path outsideDir = Files.createDirectories(tmp.resolve("outside"));
    Path ark = writePlan(source(), "ark", minimal("ark"));
    Files.writeString(ark.resolve("README.md"), "readme");
    Files.createSymbolicLink(ark.resolve("leak.txt"), secret);
    Files.createSymbolicLink(ark.resolve("leakdir"), outsideDir);
    Files.createSymbolicLink(ark.resolve("notes.md"), ark.resolve("README.md"));
    LocalPlanCatalog catalog = new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(source()));

    catalog.sync();

    Path copy = plans().resolve("ark");
    assertThat(copy.resolve("leak.txt")).doesNotExist();
    assertThat(copy.resolve("leakdir")).doesNotExist();
    assertThat(copy.resolve("notes.md")).hasContent("readme");
    assertThat(Files.isSymbolicLink(copy.resolve("notes.md"))).isFalse();
    assertThat(catalog.syncWarnings())
        .hasSize(2)
        .anyMatch(w -> w.contains("leak.txt") && w.contains("outside"))
        .anyMatch(w -> w.contains("leakdir"));
  }

  @Test
  void aMissingSourceFolderFailsAndKeepsThePlans() {
    writePlan(source(), "ark", minimal("ark"));
    LocalPlanCatalog catalog = new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(source()));
    catalog.sync();
    LocalPlanCatalog broken =
        new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(tmp.resolve("nope")));

    assertThatThrownBy(broken::sync)
        .isInstanceOf(PlanSyncException.class)
        .hasMessageContaining("nope")
        .hasMessageContaining("does not exist");
    assertThat(broken.find(new PlanId("ark"))).isPresent();
    assertThat(plans().resolve("ark/plan.json")).exists();
  }

  @Test
  void syncIfEmptySyncsOnlyTheFirstTime() throws IOException {
    writePlan(source(), "ark", minimal("ark"));
    LocalPlanCatalog catalog = new LocalPlanCatalog(plans(), new PlanSource.LocalFolder(source()));

    assertThat(catalog.syncIfEmpty()).isTrue();
    writePlan(source(), "valheim", minimal("valheim"));
    assertThat(catalog.syncIfEmpty()).isFalse();
    assertThat(catalog.find(new PlanId("valheim"))).isEmpty();
  }

  @Test
  void syncFromGitClonesThenFetchesNewCommits() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("trunk").call()) {
      writePlan(repo, "ark", minimal("ark"));
      writeRegistry(repo, "[{'title': 'ARK', 'game_uid': 'ark', 'plan_url': 'u'}]");
      commit(git, "ark");
      LocalPlanCatalog catalog =
          new LocalPlanCatalog(plans(), new PlanSource.GitRepository(repo.toUri().toString(), ""));

      assertThat(catalog.sync()).containsExactly(new RegistryEntry("ARK", "ark", "u"));
      assertThat(plans().resolve(".git")).isDirectory();
      assertThat(catalog.find(new PlanId("ark"))).isPresent();

      writePlan(repo, "valheim", minimal("valheim"));
      writeRegistry(
          repo,
          "[{'title': 'ARK', 'game_uid': 'ark', 'plan_url': 'u'},"
              + " {'title': 'Valheim', 'game_uid': 'valheim', 'plan_url': 'v'}]");
      commit(git, "valheim");

      assertThat(catalog.sync()).containsExactly(new RegistryEntry("Valheim", "valheim", "v"));
      assertThat(catalog.find(new PlanId("valheim"))).isPresent();
      assertThat(catalog.sync()).isEmpty();
    }
  }

  @Test
  void syncFromGitFollowsTheConfiguredBranch() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
      writePlan(repo, "ark", minimal("ark"));
      commit(git, "ark");
      git.branchCreate().setName("testing").call();
      git.checkout().setName("testing").call();
      writePlan(repo, "valheim", minimal("valheim"));
      commit(git, "valheim on testing");
      git.checkout().setName("main").call();
      LocalPlanCatalog catalog =
          new LocalPlanCatalog(
              plans(), new PlanSource.GitRepository(repo.toUri().toString(), "testing"));

      catalog.sync();
      assertThat(catalog.find(new PlanId("valheim"))).isPresent();

      writePlan(repo, "rust", minimal("rust"));
      commit(git, "rust on main");
      assertThat(catalog.sync()).isEmpty();
      assertThat(catalog.find(new PlanId("rust"))).isEmpty();
    }
  }

  @Test
  void unreachableGitSourceFailsAndKeepsThePlans() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      writePlan(repo, "ark", minimal("ark"));
      commit(git, "ark");
    }
    new LocalPlanCatalog(plans(), new PlanSource.GitRepository(repo.toUri().toString(), "")).sync();
    LocalPlanCatalog broken =
        new LocalPlanCatalog(
            plans(), new PlanSource.GitRepository("file:///nonexistent/plans.git", ""));

    assertThatThrownBy(broken::sync)
        .isInstanceOf(PlanSyncException.class)
        .hasMessageContaining("cannot sync plans from file:///nonexistent/plans.git");
    assertThat(broken.find(new PlanId("ark"))).isPresent();
    assertThat(plans().resolve("ark/plan.json")).exists();
  }

  @Test
  void unreachableGitSourceOnFirstCloneLeavesNoTemporaryFolder() {
    LocalPlanCatalog catalog =
        new LocalPlanCatalog(
            plans(), new PlanSource.GitRepository("file:///nonexistent/plans.git", ""));

    assertThatThrownBy(catalog::sync).isInstanceOf(PlanSyncException.class);
    assertThat(catalog.plans()).isEmpty();
    assertThat(tmp.resolve("data"))
        .satisfiesAnyOf(d -> assertThat(d).doesNotExist(), d -> assertThat(d).isEmptyDirectory());
  }

  @Test
  void missingBranchFailsClearly() throws Exception {
    Path repo = tmp.resolve("repo");
    try (Git git = Git.init().setDirectory(repo.toFile()).call()) {
      writePlan(repo, "ark", minimal("ark"));
      commit(git, "ark");
    }
    LocalPlanCatalog catalog =
        new LocalPlanCatalog(
            plans(), new PlanSource.GitRepository(repo.toUri().toString(), "nope"));

    assertThatThrownBy(catalog::sync)
        .isInstanceOf(PlanSyncException.class)
        .hasMessageContaining("nope");
  }

  @Test
  void credentialsInTheSourceUrlAreNotShown() {
    assertThat(new PlanSource.GitRepository("https://user:tok3n@example.org/p.git", "").toString())
        .isEqualTo("https://***@example.org/p.git");
    assertThat(PlanSource.redact("failed: https://tok3n@example.org/p.git: not found"))
        .isEqualTo("failed: https://***@example.org/p.git: not found");
  }
}
