package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

  /**
   * Shows an operation's {@code progress} object: with a {@code download} (an image pull) the
   * bytes, layers and rate in a compact form that fits the bar, else percent and message.
   */
  void show(JsonNode progress) {
    Integer percent = progress.path("percent").isNumber() ? progress.path("percent").asInt() : null;
    String message =
        progress.path("message").isTextual() ? progress.path("message").asText() : null;
    JsonNode d = progress.path("download");
    show(percent, d.isObject() ? download(d) : message);
  }

  /**
   * {@code pull 148.0/310.2 MiB 12/17 layers 10.5 MiB/s}: the known parts of a download, short
   * enough to follow a bar on an 80-column line.
   */
  static String download(JsonNode d) {
    long done = d.path("bytesDone").asLong();
    long total = d.path("bytesTotal").asLong();
    int layersTotal = d.path("layersTotal").asInt();
    long rate = d.path("bytesPerSecond").asLong();
    List<String> parts = new ArrayList<>();
    parts.add("pull");
    parts.add(total > 0 ? fraction(done, total) : BackupsCommand.size(done));
    if (layersTotal > 0) {
      parts.add(d.path("layersDone").asInt() + "/" + layersTotal + " layers");
    }
    if (rate > 0) {
      parts.add(BackupsCommand.size(rate) + "/s");
    }
    return String.join(" ", parts);
  }

  /** {@code 148.0/310.2 MiB}: both in the unit of the total. */
  private static String fraction(long done, long total) {
    String t = BackupsCommand.size(total);
    int space = t.indexOf(' ');
    String unit = t.substring(space + 1);
    if (unit.equals("B")) {
      return done + "/" + t;
    }
    int power = List.of("KiB", "MiB", "GiB", "TiB").indexOf(unit) + 1;
    double d = done / Math.pow(1024, power);
    return String.format(Locale.ROOT, "%.1f/%s", d, t);
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
