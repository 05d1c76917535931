package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restores interrupted by a crash are finished or undone from their journal, idempotently. */
class RestoreRepairTest {
  private static final ServerId ID = ServerId.parse("game.one");
  private static final BackupId BACKUP = new BackupId("20261126T203000Z-abcdef");
  @TempDir Path tmp;
  private ServerLayout layout;
  private Path dir;
  private Path extracted;

  @BeforeEach
  void setUp() throws IOException {
    layout = new ServerLayout(tmp, tmp);
    dir = layout.dir(ID);
    Files.createDirectories(dir.resolve("user"));
    Files.createDirectories(dir.resolve("data/install"));
    Files.writeString(dir.resolve("user/world"), "live");
    Files.writeString(dir.resolve("data/install/game"), "install");
    extracted = RestoreJournal.extracted(dir, BACKUP);
    Files.createDirectories(extracted.resolve("user"));
    Files.writeString(extracted.resolve("user/world"), "restored");
  }

  private RestoreJournal journal(RestoreJournal.Phase phase, List<String> paths) {
    RestoreJournal j = new RestoreJournal(ID, BACKUP, phase, true, paths, List.of("data/install"));
    j.write(dir);
    return j;
  }

  private List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(dir.getParent())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aRestoreCutWhilePreparingIsUndoneAndTheLiveFolderIsUntouched() throws IOException {
    journal(RestoreJournal.Phase.PREPARING, List.of());
    BackupService.repairInterruptedRestores(layout);
    assertThat(dir.resolve("user/world")).hasContent("live");
    assertThat(siblings()).containsExactly(".restore-one.json", "one");
    assertThat(RestoreJournal.read(RestoreJournal.file(dir)).orElseThrow().phase())
        .isEqualTo(RestoreJournal.Phase.DONE);
  }

  @Test
  void aRestoreCutWhileSwappingIsFinishedKeepingExcludedFiles() throws IOException {
    journal(RestoreJournal.Phase.SWAPPING, List.of());
    BackupService.repairInterruptedRestores(layout);
    BackupService.repairInterruptedRestores(layout);
    assertThat(dir.resolve("user/world")).hasContent("restored");
    assertThat(dir.resolve("data/install/game")).hasContent("install");
    assertThat(siblings()).containsExactly(".restore-one.json", "one");
  }

  @Test
  void aRestoreCutBetweenTheTwoRenamesIsFinished() throws IOException {
    journal(RestoreJournal.Phase.SWAPPING, List.of());
    // the crash came after the live folder was moved away and before the new one took its place
    Path previous = RestoreJournal.previous(dir, BACKUP);
    Files.createDirectories(extracted.resolve("data"));
    Files.move(dir.resolve("data/install"), extracted.resolve("data/install"));
    Files.move(dir, previous);
    BackupService.repairInterruptedRestores(layout);
    assertThat(dir.resolve("user/world")).hasContent("restored");
    assertThat(dir.resolve("data/install/game")).hasContent("install");
    assertThat(siblings()).containsExactly(".restore-one.json", "one");
  }

  @Test
  void aPartialRestoreCutWhileSwappingReplacesOnlyItsPaths() throws IOException {
    Files.writeString(dir.resolve("user/other"), "untouched");
    Files.createDirectories(extracted.resolve("cfg"));
    journal(RestoreJournal.Phase.SWAPPING, List.of("user/world"));
    BackupService.repairInterruptedRestores(layout);
    assertThat(dir.resolve("user/world")).hasContent("restored");
    assertThat(dir.resolve("user/other")).hasContent("untouched");
    assertThat(siblings()).containsExactly(".restore-one.json", "one");
  }

  @Test
  void excludedPathsAreNeverCarriedThroughASymlinkOfTheExtractedCopy() throws IOException {
    // the extracted copy's data is a link out of the server folder; data/install is excluded
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(extracted.resolve("data"), outside);
    journal(RestoreJournal.Phase.SWAPPING, List.of());
    BackupService.repairInterruptedRestores(layout);
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s).isEmpty();
    }
    assertThat(dir.resolve("data/install/game")).hasContent("install");
    assertThat(dir.resolve("user/world")).hasContent("live");
  }
}
