package dev.peon.orc.cli;

import java.io.BufferedReader;
import java.io.IOException;

/** Reads Server-Sent Events (id, event, data; comments skipped) from a text stream. */
final class SseReader {
  private final BufferedReader in;

  /** One event; {@code id} null when the event carried none, {@code event} "message" by default. */
  record SseEvent(String id, String event, String data) {}

  SseReader(BufferedReader in) {
    this.in = in;
  }

  /** The next event, or null at the end of the stream. */
  SseEvent next() throws IOException {
    String id = null;
    String event = null;
    StringBuilder data = null;
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isEmpty()) {
        if (data != null) {
          return new SseEvent(id, event == null ? "message" : event, data.toString());
        }
        id = null;
        event = null;
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "id" -> id = value;
        case "event" -> event = value;
        case "data" -> {
          if (data == null) {
            data = new StringBuilder(value);
          } else {
            data.append('\n').append(value);
          }
        }
        default -> {}
      }
    }
    return null;
  }
}
