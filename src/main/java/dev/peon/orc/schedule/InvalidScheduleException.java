package dev.peon.orc.schedule;

/**
 * A schedule request ({@code interval} or {@code epoch_time}) that cannot be accepted. The message
 * is written for API clients and is safe to return in a response body.
 */
public final class InvalidScheduleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InvalidScheduleException(String message) {
    super(message);
  }
}
