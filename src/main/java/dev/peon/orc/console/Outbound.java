package dev.peon.orc.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A message to a viewer, rendered in the v2 JSON shape or the PEON v1 shape. */
sealed interface Outbound {

  /** One console line. */
  record Line(ConsoleLine line) implements Outbound {}

  /** Any other typed message ({@code state}, {@code stats}, {@code error}, ...). */
  record Notice(String type, Map<String, Object> fields) implements Outbound {}

  /** The answer to a history request. */
  record History(List<ConsoleLine> lines, boolean more) implements Outbound {}

  ObjectMapper MAPPER = new ObjectMapper();

  /** Roughly what the message holds, in characters: what a viewer's outbox is budgeted by. */
  default long weight() {
    return switch (this) {
      case Line l -> 64 + l.line().text().length();
      case Notice n -> 64 + 32L * n.fields().size();
      case History h -> 64 + h.lines().stream().mapToLong(x -> 64 + x.text().length()).sum();
    };
  }

  static Notice notice(String type, Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return new Notice(type, m);
  }

  static Map<String, Object> json(ConsoleLine l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "line");
    m.put("seq", l.seq());
    m.put("time", l.time().toString());
    m.put("stream", l.stream().name().toLowerCase(Locale.ROOT));
    m.put("source", l.source().name().toLowerCase(Locale.ROOT));
    m.put("text", l.text());
    return m;
  }

  /** The v2 frame. */
  default String v2() {
    Map<String, Object> m =
        switch (this) {
          case Line l -> json(l.line());
          case Notice n -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("type", n.type());
            o.putAll(n.fields());
            yield o;
          }
          case History h -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("type", "history");
            o.put("lines", h.lines().stream().map(Outbound::json).toList());
            o.put("more", h.more());
            yield o;
          }
        };
    return write(m);
  }

  /**
   * The PEON v1 frame {@code {"type":"log","data":"<line>"}}, or null when v1 has no equivalent;
   * notices become log lines so the web UI shows them.
   */
  default String v1() {
    String data =
        switch (this) {
          case Line l -> l.line().text();
          case Notice n ->
              switch (n.type()) {
                case "stats" -> null;
                case "state" -> "[orchestrator] server is " + n.fields().get("state");
                case "dropped" -> "[orchestrator] " + n.fields().get("count") + " lines dropped";
                default -> "[orchestrator] " + n.fields().getOrDefault("detail", n.type());
              };
          case History h -> null;
        };
    if (data == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "log");
    m.put("data", data);
    return write(m);
  }

  private static String write(Map<String, Object> m) {
    try {
      return MAPPER.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("console message not serializable", e);
    }
  }
}
