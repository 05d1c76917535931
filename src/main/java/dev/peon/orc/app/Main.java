package dev.peon.orc.app;

import picocli.CommandLine;

/** Entry point of the one jar: {@code peon serve} runs the daemon. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = new CommandLine(new PeonCommand()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
