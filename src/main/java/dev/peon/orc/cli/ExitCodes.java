package dev.peon.orc.cli;

/**
 * The exit codes scripts can rely on; also listed in the README and in the {@code peon --help}
 * footer (PeonCommand).
 */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int CONFLICT = 4;
  static final int AUTH = 5;
  static final int UNREACHABLE = 6;
  static final int TIMED_OUT = 7;

  private ExitCodes() {}

  /** The exit code of an HTTP error status. */
  static int forStatus(int status) {
    return switch (status) {
      case 400, 422 -> USAGE;
      case 401, 403, 429 -> AUTH;
      case 404 -> NOT_FOUND;
      case 409 -> CONFLICT;
      default -> status >= 400 && status < 500 ? USAGE : FAILED;
    };
  }
}
