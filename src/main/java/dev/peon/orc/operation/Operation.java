package dev.peon.orc.operation;

import java.time.Instant;

/**
 * A long-running action and where it stands. Immutable: every change makes a new value.
 *
 * @param server the server id it acts on, or null
 * @param result a JSON-ready value once succeeded, or null
 */
public record Operation(
    String id,
    String kind,
    String server,
    Status status,
    Progress progress,
    OperationError error,
    Object result,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt) {

  /** Where an operation stands. */
  public enum Status {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean finished() {
      return this == SUCCEEDED || this == FAILED;
    }
  }

  /**
   * How far an operation is. {@code percent} null when unknown; {@code step} (e.g. {@code pull},
   * {@code container}) and {@code download} only where the work reports them, else null.
   */
  public record Progress(Integer percent, String message, String step, Download download) {
    public Progress(Integer percent, String message) {
      this(percent, message, null, null);
    }
  }

  /**
   * An image download so far: bytes of the layers whose size is known yet, layers finished (pulled
   * or already present) of those announced, and the recent rate (0 until measurable).
   */
  public record Download(
      long bytesDone, long bytesTotal, int layersDone, int layersTotal, long bytesPerSecond) {}

  /** Why an operation failed, in problem-details words. */
  public record OperationError(String type, String title, String detail) {}

  Operation with(Status s, Progress p, OperationError e, Object r, Instant started, Instant done) {
    return new Operation(id, kind, server, s, p, e, r, createdAt, started, done);
  }
}
