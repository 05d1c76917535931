package dev.peon.orc.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/** A message a viewer sends; {@link #parse} validates strictly. */
sealed interface Inbound {

  /** Write {@code text} to the game's stdin. */
  record Command(String text) implements Inbound {}

  /** Older history: up to {@code limit} lines before sequence {@code before}. */
  record History(long before, int limit) implements Inbound {}

  ObjectMapper MAPPER = new ObjectMapper();

  /** Parses one v2 frame; throws {@link ConsoleException} {@code INVALID} saying what is wrong. */
  static Inbound parse(String frame) {
    JsonNode n;
    try {
      n = MAPPER.readTree(frame);
    } catch (IOException e) {
      throw invalid("The message is not valid JSON.");
    }
    if (n == null || !n.isObject()) {
      throw invalid("The message must be a JSON object.");
    }
    JsonNode type = n.get("type");
    if (type == null || !type.isTextual()) {
      throw invalid("type is required: command or history.");
    }
    return switch (type.asText()) {
      case "command" -> {
        onlyFields(n, Set.of("type", "text"));
        JsonNode text = n.get("text");
        if (text == null || !text.isTextual()) {
          throw invalid("text must be a string.");
        }
        yield new Command(validCommand(text.asText()));
      }
      case "history" -> {
        onlyFields(n, Set.of("type", "before", "limit"));
        JsonNode before = n.get("before");
        JsonNode limit = n.get("limit");
        if (before == null || !before.canConvertToLong() || !before.isIntegralNumber()) {
          throw invalid("before must be a sequence number.");
        }
        int l = 100;
        if (limit != null) {
          if (!limit.isInt() || limit.asInt() < 1 || limit.asInt() > 1000) {
            throw invalid("limit must be 1 to 1000.");
          }
          l = limit.asInt();
        }
        yield new History(before.asLong(), l);
      }
      default -> throw invalid("type must be command or history.");
    };
  }

  /** A command is 1 to 1,024 characters without line breaks or control characters but tab. */
  static String validCommand(String text) {
    if (text.isBlank()) {
      throw invalid("text must not be empty.");
    }
    if (text.length() > ConsoleSettings.MAX_COMMAND_CHARS) {
      throw invalid("text must be at most " + ConsoleSettings.MAX_COMMAND_CHARS + " characters.");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f || c == '\u2028' || c == '\u2029') {
        throw invalid("text must not contain line breaks or control characters.");
      }
    }
    return text;
  }

  private static void onlyFields(JsonNode n, Set<String> known) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw invalid(f + " is not a known field.");
      }
    }
  }

  private static ConsoleException invalid(String message) {
    return new ConsoleException(ConsoleException.Kind.INVALID, message);
  }
}
