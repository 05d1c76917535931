package dev.peon.orc.notify;

import java.time.Instant;
import java.util.Locale;

/**
 * One notification's delivery to one webhook, as recorded.
 *
 * @param server the server the notification concerns, or null
 * @param httpStatus the last answer's status, or null when none came
 * @param error why the last attempt failed (no URL in it), or null
 * @param nextAttemptAt when the next try is due while {@code PENDING} after a failure, else null
 */
public record Delivery(
    long id,
    WebhookId webhook,
    String event,
    String server,
    Status status,
    int attempts,
    Integer httpStatus,
    String error,
    Instant createdAt,
    Instant updatedAt,
    Instant nextAttemptAt) {

  /** Where a delivery stands. */
  public enum Status {
    /** Queued, being sent, or waiting for its next try. */
    PENDING,
    DELIVERED,
    /** Refused by the receiver (4xx) or out of tries. */
    FAILED,
    /** Pushed out of a full queue. */
    DROPPED,
    /** Still pending when the orchestrator stopped: retries are not carried over a restart. */
    ABANDONED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
