package dev.peon.orc.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Passwords come from standard input or a prompt without echo; never from a flag. */
final class Passwords {
  private Passwords() {}

  /**
   * The first line of standard input ({@code --password-stdin}), or else, at a terminal, a prompt
   * without echo asked twice.
   *
   * @throws CliException when neither is possible, or the two entries differ
   */
  static String read(Session s, boolean fromStdin) {
    if (fromStdin) {
      return fromStdin();
    }
    requireTerminal(s);
    char[] first = s.terminal().readPassword("Password: ");
    char[] second = first == null ? null : s.terminal().readPassword("Repeat it: ");
    try {
      if (first == null || second == null || first.length == 0) {
        throw new CliException(ExitCodes.USAGE, "no password given");
      }
      if (!Arrays.equals(first, second)) {
        throw new CliException(ExitCodes.USAGE, "the two passwords differ; nothing was changed");
      }
      return new String(first);
    } finally {
      if (first != null) {
        Arrays.fill(first, '\0');
      }
      if (second != null) {
        Arrays.fill(second, '\0');
      }
    }
  }

  /**
   * A password to sign in with: the first line of standard input ({@code --password-stdin}), or
   * else, at a terminal, asked once without echo.
   */
  static char[] readOnce(Session s, boolean fromStdin) {
    if (fromStdin) {
      return fromStdin().toCharArray();
    }
    requireTerminal(s);
    char[] typed = s.terminal().readPassword("Password: ");
    if (typed == null || typed.length == 0) {
      throw new CliException(ExitCodes.USAGE, "no password given");
    }
    return typed;
  }

  private static String fromStdin() {
    try {
      // not closed: System.in belongs to the process
      String line =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (line == null || line.isEmpty()) {
        throw new CliException(ExitCodes.USAGE, "no password on standard input");
      }
      return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, "cannot read the password from standard input");
    }
  }

  private static void requireTerminal(Session s) {
    if (!s.terminal().interactive()) {
      throw new CliException(
          ExitCodes.USAGE, "a password is needed: pipe it in with --password-stdin");
    }
  }
}
