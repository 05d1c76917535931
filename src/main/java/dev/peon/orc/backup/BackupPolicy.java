package dev.peon.orc.backup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A server's backup settings.
 *
 * @param mode how a running server is quiesced; null means the default, {@link Consistency#PAUSE}
 *     (frozen while archived: players stay connected, unlike {@link Consistency#STOP})
 * @param excludes glob patterns relative to the server folder ({@code data/steamapps}, {@code
 *     data/**}{@code /*.log}); a matching folder is skipped with everything in it
 */
public record BackupPolicy(Consistency mode, List<String> excludes, Retention retention) {
  public static final BackupPolicy DEFAULT = new BackupPolicy(null, List.of(), Retention.KEEP_ALL);
  static final int MAX_EXCLUDES = 100;

  public BackupPolicy {
    excludes = List.copyOf(excludes);
    retention = retention == null ? Retention.KEEP_ALL : retention;
  }

  public Consistency effectiveMode() {
    return mode == null ? Consistency.PAUSE : mode;
  }

  /** Every problem of the policy as {@code field message}, empty when valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (excludes.size() > MAX_EXCLUDES) {
      p.add("excludes must hold at most " + MAX_EXCLUDES + " patterns");
    }
    for (int i = 0; i < excludes.size(); i++) {
      String why = excludeProblem(excludes.get(i));
      if (why != null) {
        p.add("excludes[" + i + "] " + why);
      }
    }
    positive(p, "retention.keepLast", retention.keepLast());
    positive(p, "retention.keepDaily", retention.keepDaily());
    positive(p, "retention.keepWeekly", retention.keepWeekly());
    positive(p, "retention.keepMonthly", retention.keepMonthly());
    if (retention.maxTotalBytes() != null && retention.maxTotalBytes() < (1L << 20)) {
      p.add("retention.maxTotalBytes must be at least 1048576 (1 MiB)");
    }
    return p;
  }

  private static void positive(List<String> p, String field, Integer v) {
    if (v != null && (v < 1 || v > 10_000)) {
      p.add(field + " must be between 1 and 10000");
    }
  }

  static String excludeProblem(String s) {
    if (s == null || s.isBlank() || s.length() > 256) {
      return "must be a pattern of 1-256 characters";
    }
    if (s.startsWith("/") || s.indexOf('\0') >= 0) {
      return "must be relative to the server folder";
    }
    for (String part : s.split("/")) {
      if (part.equals("..")) {
        return "must not contain '..'";
      }
    }
    try {
      Glob.compile(s);
    } catch (IllegalArgumentException e) {
      return "is not a valid glob pattern: " + e.getMessage();
    }
    return null;
  }

  /**
   * A predicate over folder-relative paths that accepts what the patterns exclude; invalid patterns
   * (say, from an uploaded manifest) are left out. Matching is linear ({@link Glob}), so no pattern
   * can stall a backup, a dry run or a restore.
   */
  static Predicate<String> matcher(List<String> patterns) {
    List<Glob> ms = new ArrayList<>();
    for (String s : patterns) {
      if (excludeProblem(s) == null) {
        String p = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        ms.add(Glob.compile(p));
      }
    }
    return rel -> {
      for (Glob m : ms) {
        if (m.matches(rel)) {
          return true;
        }
      }
      return false;
    };
  }
}
