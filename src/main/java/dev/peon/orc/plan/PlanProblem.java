package dev.peon.orc.plan;

/**
 * A file of the plan source that could not be used as it is: a plan's {@code plan.json} or the
 * registry.
 *
 * @param plan the plan folder's name, or null for the registry
 * @param file the file, relative to the plans folder ({@code ark/plan.json}, {@code plans.json})
 * @param line the line of a JSON syntax error (1-based), else null
 * @param column the column of a JSON syntax error (1-based), else null
 * @param message what is wrong
 * @param kept whether the previous, good version is still in use
 */
public record PlanProblem(
    String plan, String file, Integer line, Integer column, String message, boolean kept) {

  /** One line for logs and the CLI: {@code ark/plan.json line 3, column 7: ...; kept ...}. */
  public String describe() {
    String where = line == null ? file : file + " line " + line + ", column " + column;
    return where
        + ": "
        + message
        + (kept
            ? "; the previous version stays in use"
            : plan == null ? "; plan folders are listed instead" : "; the plan is not available");
  }

  PlanProblem keptPrevious() {
    return new PlanProblem(plan, file, line, column, message, true);
  }
}
