package dev.peon.orc.server;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Explains a setting a plan does not declare: the closest declared name when one is a small typo
 * away (Damerau-Levenshtein distance, case ignored), else the list of declared names.
 */
public final class SettingNames {
  private SettingNames() {}

  /** "did you mean PASSWORD?", or "declared settings: A, B" (or "this plan declares none"). */
  public static String hint(String unknown, Collection<String> declared) {
    return closest(unknown, declared)
        .map(n -> "did you mean " + n + "?")
        .orElseGet(
            () ->
                declared.isEmpty()
                    ? "this plan declares no settings"
                    : "declared settings: "
                        + String.join(", ", declared.stream().sorted().toList()));
  }

  /** The declared name nearest to {@code name}, if it is close enough to be a typo of it. */
  public static Optional<String> closest(String name, Collection<String> declared) {
    String a = name.toUpperCase(Locale.ROOT);
    int limit = a.length() <= 4 ? 1 : 2; // 3 would offer SERVER_NAME for SERVER_PASS
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : List.copyOf(declared)) {
      int d = distance(a, candidate.toUpperCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
