package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackupPolicyTest {
  @Test
  void defaultPolicyStopsTheServerAndKeepsEverything() {
    assertThat(BackupPolicy.DEFAULT.effectiveMode()).isEqualTo(Consistency.PAUSE);
    assertThat(BackupPolicy.DEFAULT.retention().keepsAll()).isTrue();
    assertThat(BackupPolicy.DEFAULT.problems()).isEmpty();
  }

  @Test
  void reportsEveryProblemAtOnce() {
    BackupPolicy p =
        new BackupPolicy(
            Consistency.PAUSE,
            List.of("data/install", "../up", "/abs", "a/[b", ""),
            new Retention(0, 3, -1, null, 10L));
    assertThat(p.problems())
        .containsExactly(
            "excludes[1] must not contain '..'",
            "excludes[2] must be relative to the server folder",
            "excludes[3] is not a valid glob pattern: a class [.. is not closed",
            "excludes[4] must be a pattern of 1-256 characters",
            "retention.keepLast must be between 1 and 10000",
            "retention.keepWeekly must be between 1 and 10000",
            "retention.maxTotalBytes must be at least 1048576 (1 MiB)");
  }

  @Test
  void excludePatternsMatchFoldersAndGlobs() {
    var m = BackupPolicy.matcher(List.of("data/install", "**/*.log", "user/tmp/"));
    assertThat(m.test("data/install")).isTrue();
    assertThat(m.test("data/install2")).isFalse();
    assertThat(m.test("user/logs/server.log")).isTrue();
    assertThat(m.test("user/tmp")).isTrue();
    assertThat(m.test("user/world.db")).isFalse();
  }

  @Test
  void consistencyParsesWireWordsOnly() {
    assertThat(Consistency.parse("live")).isEqualTo(Consistency.LIVE);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Consistency.parse("STOP"))
        .hasMessageContaining("stop, pause, live");
  }
}
