package dev.peon.orc.cli;

import java.util.List;

/** A failure to report on stderr, with the exit code it ends the command with. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;
  private final transient List<String> lines;

  CliException(int exitCode, List<String> lines) {
    super(String.join("\n", lines), null, false, false);
    this.exitCode = exitCode;
    this.lines = List.copyOf(lines);
  }

  CliException(int exitCode, String line) {
    this(exitCode, List.of(line));
  }

  int exitCode() {
    return exitCode;
  }

  List<String> lines() {
    return lines;
  }
}
