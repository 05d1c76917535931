package dev.peon.orc.plan;

import com.fasterxml.jackson.core.JsonLocation;
import java.nio.file.Path;

/**
 * A plan folder that cannot be deployed; the message names the file and the field, and a JSON
 * syntax error carries its line and column.
 */
public final class PlanRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String problem;
  private final Integer line;
  private final Integer column;

  PlanRejectedException(Path file, String problem) {
    this(file, problem, null);
  }

  PlanRejectedException(Path file, String problem, JsonLocation location) {
    super(file + ": " + problem + at(location));
    this.file = file;
    this.problem = problem;
    this.line = location == null || location.getLineNr() < 1 ? null : location.getLineNr();
    this.column = location == null || location.getColumnNr() < 1 ? null : location.getColumnNr();
  }

  private static String at(JsonLocation l) {
    return l == null || l.getLineNr() < 1
        ? ""
        : " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** What is wrong, without the file name. */
  public String problem() {
    return problem;
  }

  /** The line of a JSON syntax error (1-based), else null. */
  public Integer line() {
    return line;
  }

  /** The column of a JSON syntax error (1-based), else null. */
  public Integer column() {
    return column;
  }
}
