package dev.peon.orc.runtime.docker;

/** The engine (or a free connection to it) did not come in time; classified as a timeout. */
final class EngineTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EngineTimeoutException(String message) {
    super(message);
  }
}
