package dev.peon.orc.schedule;

import java.util.Locale;
import java.util.Objects;

/**
 * How a schedule's run ended.
 *
 * @param detail the failure message or why it was skipped; null when it succeeded
 */
public record RunResult(Status status, String detail) {
  private static final int MAX_DETAIL = 500;

  /** The closed set of outcomes. */
  public enum Status {
    SUCCEEDED,
    FAILED,
    SKIPPED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public RunResult {
    Objects.requireNonNull(status, "status");
    if (detail != null && detail.length() > MAX_DETAIL) {
      detail = detail.substring(0, MAX_DETAIL) + "...";
    }
  }

  static RunResult succeeded() {
    return new RunResult(Status.SUCCEEDED, null);
  }
}
