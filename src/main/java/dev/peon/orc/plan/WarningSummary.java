package dev.peon.orc.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds the same warning of many plans into one line, {@code 170 plans: <warning> (first: a, b,
 * c)}, so that a sync logs each kind of trouble once instead of once per plan.
 */
final class WarningSummary {
  static final int NAMED = 3;

  private final Map<String, List<String>> subjectsByWarning = new LinkedHashMap<>();

  /** Notes that {@code subject} (a plan id) has {@code warning}. */
  WarningSummary add(String subject, String warning) {
    List<String> subjects = subjectsByWarning.computeIfAbsent(warning, w -> new ArrayList<>());
    if (!subjects.contains(subject)) {
      subjects.add(subject);
    }
    return this;
  }

  boolean isEmpty() {
    return subjectsByWarning.isEmpty();
  }

  /**
   * One line per distinct warning, the most widespread first, at most {@code maxLines}; a last line
   * counts the distinct warnings left out.
   */
  List<String> lines(int maxLines) {
    List<Map.Entry<String, List<String>>> entries = new ArrayList<>(subjectsByWarning.entrySet());
    // stable: equally widespread warnings keep the order they were first seen in
    entries.sort((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size()));
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : entries) {
      if (lines.size() == maxLines) {
        int left = entries.size() - maxLines;
        lines.add(left + " more distinct warnings; GET /api/v2/plans lists each plan's warnings");
        break;
      }
      lines.add(line(e.getKey(), e.getValue()));
    }
    return lines;
  }

  private static String line(String warning, List<String> subjects) {
    int n = subjects.size();
    List<String> named = subjects.subList(0, Math.min(NAMED, n));
    String who =
        n == 1
            ? "(" + named.get(0) + ")"
            : "(" + (n > NAMED ? "first: " : "") + String.join(", ", named) + ")";
    return n + (n == 1 ? " plan: " : " plans: ") + warning + " " + who;
  }
}
