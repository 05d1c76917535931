package dev.peon.orc.cli;

import java.io.Console;

/** Whether a person is at the keyboard, and a way to ask them. */
interface Terminal {
  boolean interactive();

  /** Prompts and reads one line, or null at end of input. */
  String readLine(String prompt);

  /** Prompts and reads a line without echo, or null at end of input or without a console. */
  default char[] readPassword(String prompt) {
    return null;
  }

  /** The process's own console; non-interactive when any standard stream is redirected. */
  static Terminal system() {
    Console console = System.console();
    boolean interactive = console != null && isTerminal(console);
    return new Terminal() {
      @Override
      public boolean interactive() {
        return interactive;
      }

      @Override
      public String readLine(String prompt) {
        return console == null ? null : console.readLine("%s", prompt);
      }

      @Override
      public char[] readPassword(String prompt) {
        return console == null ? null : console.readPassword("%s", prompt);
      }
    };
  }

  /** A terminal nobody sits at (scripts, tests). */
  static Terminal none() {
    return new Terminal() {
      @Override
      public boolean interactive() {
        return false;
      }

      @Override
      public String readLine(String prompt) {
        return null;
      }
    };
  }

  // Since JDK 22 System.console() is non-null even when redirected; Console.isTerminal() (22+)
  // tells the difference. We compile for 21, so it is looked up reflectively.
  private static boolean isTerminal(Console console) {
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
