package dev.peon.orc.cli;

import java.io.PrintWriter;
import java.util.Objects;

/**
 * Shows an operation's progress on stderr: a bar redrawn in place on a terminal, otherwise one
 * plain line per change.
 */
final class ProgressDisplay {
  private static final int BAR = 24;
  private static final int WIDTH = 79;
  private final PrintWriter err;
  private final boolean bar;
  private String last;
  private boolean drawn;

  ProgressDisplay(PrintWriter err, boolean bar) {
    this.err = err;
    this.bar = bar;
  }

  /** Shows percent (null when unknown) and message, if they changed. */
  void show(Integer percent, String message) {
    String text = (percent == null ? "" : percent + "% ") + (message == null ? "" : message);
    if (text.isBlank() || Objects.equals(text, last)) {
      return;
    }
    last = text;
    if (bar) {
      int p = percent == null ? 0 : Math.max(0, Math.min(100, percent));
      int filled = p * BAR / 100;
      String line =
          "["
              + "#".repeat(filled)
              + (percent == null ? "?" : "")
              + ".".repeat(BAR - filled - (percent == null ? 1 : 0))
              + "] "
              + (percent == null ? "    " : String.format("%3d%% ", p))
              + (message == null ? "" : message);
      if (line.length() > WIDTH) {
        line = line.substring(0, WIDTH - 1) + "…";
      }
      err.print("\r" + line + " ".repeat(WIDTH - line.length()));
      drawn = true;
    } else {
      err.println(text);
    }
    err.flush();
  }

  /** Ends the bar's line so later output starts on a fresh one. */
  void finish() {
    if (drawn) {
      err.println();
      err.flush();
      drawn = false;
    }
  }
}
