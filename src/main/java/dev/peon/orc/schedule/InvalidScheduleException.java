package dev.peon.orc.schedule;

/**
 * A schedule request that cannot be accepted: a v1 {@code interval} or {@code epoch_time}, a cron
 * expression, a time zone. The message is written for API clients and is safe to return in a
 * response body; {@link #field()} names the request field when known.
 */
public final class InvalidScheduleException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String field;

  InvalidScheduleException(String message) {
    this(null, message);
  }

  InvalidScheduleException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The request field at fault, or null (the v1 messages name it themselves). */
  public String field() {
    return field;
  }
}
