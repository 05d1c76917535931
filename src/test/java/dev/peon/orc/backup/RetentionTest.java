package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.testing.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T03:00:00Z"));
  private final SecureRandom random = new SecureRandom();

  /** One backup every {@code every}, {@code n} times. */
  private List<Retention.Candidate> backups(int n, Duration every, long size) {
    List<Retention.Candidate> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new Retention.Candidate(
              BackupId.generate(clock.instant(), random), clock.instant(), size, false));
      clock.advance(every);
    }
    return out;
  }

  private static List<BackupId> pruned(Retention r, List<Retention.Candidate> all) {
    return r.prune(all, ZoneOffset.UTC).stream().map(Retention.Pruned::id).toList();
  }

  @Test
  void exemptBackupsAreKeptAndTakeNoPlaceInTheCountRules() {
    List<Retention.Candidate> all = new ArrayList<>(backups(4, Duration.ofHours(1), 10));
    Retention.Candidate pre =
        new Retention.Candidate(
            BackupId.generate(clock.instant(), random), clock.instant(), 10, false, true);
    all.add(pre); // the newest, a recent pre-restore backup
    List<BackupId> gone = pruned(new Retention(2, null, null, null, null), all);
    assertThat(gone).doesNotContain(pre.id()).containsExactly(all.get(1).id(), all.get(0).id());
    // it counts towards the total size but is never removed for it
    List<BackupId> bySize = pruned(new Retention(null, null, null, null, 25L), all);
    assertThat(bySize).doesNotContain(pre.id()).contains(all.get(0).id(), all.get(1).id());
  }

  @Test
  void keepsEverythingWhenNoRuleIsSet() {
    assertThat(pruned(Retention.KEEP_ALL, backups(50, Duration.ofHours(1), 10))).isEmpty();
  }

  @Test
  void keepLastKeepsTheNewest() {
    List<Retention.Candidate> all = backups(10, Duration.ofHours(1), 10);
    List<BackupId> p = pruned(new Retention(3, null, null, null, null), all);
    assertThat(p).hasSize(7).doesNotContain(all.get(9).id(), all.get(8).id(), all.get(7).id());
  }

  @Test
  void keepDailyKeepsTheNewestOfEachDay() {
    // four backups a day for five days
    List<Retention.Candidate> all = backups(20, Duration.ofHours(6), 10);
    List<BackupId> p = pruned(new Retention(null, 3, null, null, null), all);
    List<BackupId> kept =
        all.stream().map(Retention.Candidate::id).filter(i -> !p.contains(i)).toList();
    assertThat(kept)
        .containsExactlyInAnyOrder(all.get(19).id(), all.get(15).id(), all.get(11).id());
  }

  @Test
  void weeklyAndMonthlyCombineWithLast() {
    List<Retention.Candidate> all = backups(120, Duration.ofDays(1), 10);
    List<BackupId> p = pruned(new Retention(2, null, 2, 3, null), all);
    int kept = all.size() - p.size();
    // 2 last (also newest of this week and month) + 1 more week + 2 more months
    assertThat(kept).isBetween(4, 5);
    assertThat(p).doesNotContain(all.get(119).id(), all.get(118).id());
  }

  @Test
  void lockedBackupsAreNeverPruned() {
    List<Retention.Candidate> all = new ArrayList<>(backups(5, Duration.ofHours(1), 10));
    Retention.Candidate oldest = all.get(0);
    all.set(0, new Retention.Candidate(oldest.id(), oldest.createdAt(), oldest.size(), true));
    List<BackupId> p = pruned(new Retention(1, null, null, null, 15L), all);
    assertThat(p).doesNotContain(oldest.id(), all.get(4).id()).hasSize(3);
  }

  @Test
  void maxTotalSizeRemovesTheOldestButNeverTheNewest() {
    List<Retention.Candidate> all = backups(5, Duration.ofHours(1), 100);
    List<BackupId> p = pruned(new Retention(null, null, null, null, 250L), all);
    assertThat(p).containsExactlyInAnyOrder(all.get(0).id(), all.get(1).id(), all.get(2).id());
    assertThat(pruned(new Retention(null, null, null, null, 1L), all)).hasSize(4);
  }
}
