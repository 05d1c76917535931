package dev.peon.orc.backup;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which backups to keep. Each rule keeps some; a backup kept by any rule stays: the last {@code
 * keepLast}; the newest of each of the last {@code keepDaily} days (weeks, months) that have
 * backups. {@code maxTotalBytes} then removes the oldest kept ones until the rest fits, never the
 * newest. Locked backups are never pruned. Exempt backups (recent pre-restore backups) are set
 * aside: they are kept, take no place in the count rules, and count towards {@code maxTotalBytes}
 * without being removed by it. A null rule is off; with every rule off nothing is pruned.
 */
public record Retention(
    Integer keepLast,
    Integer keepDaily,
    Integer keepWeekly,
    Integer keepMonthly,
    Long maxTotalBytes) {
  public static final Retention KEEP_ALL = new Retention(null, null, null, null, null);

  /** A backup as retention sees it. */
  record Candidate(BackupId id, Instant createdAt, long size, boolean locked, boolean exempt) {
    Candidate(BackupId id, Instant createdAt, long size, boolean locked) {
      this(id, createdAt, size, locked, false);
    }
  }

  /** A backup to delete and why ({@code retention} or {@code size}). */
  record Pruned(BackupId id, String reason) {}

  boolean keepsAll() {
    return keepLast == null
        && keepDaily == null
        && keepWeekly == null
        && keepMonthly == null
        && maxTotalBytes == null;
  }

  List<Pruned> prune(List<Candidate> all, ZoneId zone) {
    List<Pruned> out = new ArrayList<>();
    if (keepsAll() || all.isEmpty()) {
      return out;
    }
    long exemptBytes = all.stream().filter(Candidate::exempt).mapToLong(Candidate::size).sum();
    List<Candidate> newest =
        all.stream()
            .filter(c -> !c.exempt())
            .sorted(Comparator.comparing(Candidate::createdAt).reversed())
            .toList();
    if (newest.isEmpty()) {
      return out;
    }
    Set<BackupId> keep = new HashSet<>();
    boolean countRules =
        keepLast != null || keepDaily != null || keepWeekly != null || keepMonthly != null;
    if (!countRules) {
      newest.forEach(c -> keep.add(c.id()));
    }
    if (keepLast != null) {
      newest.stream().limit(keepLast).forEach(c -> keep.add(c.id()));
    }
    keepNewestPer(newest, keepDaily, zone, z -> z.toLocalDate().toString(), keep);
    keepNewestPer(
        newest,
        keepWeekly,
        zone,
        z -> z.get(IsoFields.WEEK_BASED_YEAR) + "-W" + z.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR),
        keep);
    keepNewestPer(newest, keepMonthly, zone, z -> z.getYear() + "-" + z.getMonthValue(), keep);
    List<Candidate> kept = new ArrayList<>();
    for (Candidate c : newest) {
      if (c.locked() || keep.contains(c.id())) {
        kept.add(c);
      } else {
        out.add(new Pruned(c.id(), "retention"));
      }
    }
    if (maxTotalBytes != null) {
      long total = exemptBytes + kept.stream().mapToLong(Candidate::size).sum();
      for (int i = kept.size() - 1; i > 0 && total > maxTotalBytes; i--) {
        Candidate c = kept.get(i);
        if (!c.locked()) {
          out.add(new Pruned(c.id(), "size"));
          total -= c.size();
        }
      }
    }
    return out;
  }

  private static void keepNewestPer(
      List<Candidate> newest,
      Integer count,
      ZoneId zone,
      Function<ZonedDateTime, String> period,
      Set<BackupId> keep) {
    if (count == null) {
      return;
    }
    Set<String> periods = new HashSet<>();
    for (Candidate c : newest) {
      String p = period.apply(c.createdAt().atZone(zone));
      if (periods.contains(p)) {
        continue;
      }
      if (periods.size() >= count) {
        return;
      }
      periods.add(p);
      keep.add(c.id());
    }
  }
}
