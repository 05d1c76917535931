package dev.peon.orc.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The steps of a {@link ScheduledAction#COMMAND} schedule, such as {@code say restarting in 5
 * minutes; wait 5m; say restarting now; restart}: at least one console command, at most {@value
 * #MAX_STEPS} steps, waits adding up to at most {@link #MAX_TOTAL_WAIT}, and a power or backup
 * action only as the last step.
 *
 * <p>On the wire (and in the store) each step is an object with one field: {@code {"command": "say
 * hi"}}, {@code {"wait": "5m"}} or {@code {"action": "restart"}}.
 */
public record CommandSteps(List<ScheduleStep> steps) {
  public static final int MAX_STEPS = 20;
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  public static final Duration MAX_TOTAL_WAIT = Duration.ofHours(1);
  static final Set<ScheduledAction> FINAL_ACTIONS =
      Set.of(
          ScheduledAction.START,
          ScheduledAction.STOP,
          ScheduledAction.RESTART,
          ScheduledAction.BACKUP);

  public CommandSteps {
    steps = List.copyOf(steps);
    if (steps.isEmpty() || steps.size() > MAX_STEPS) {
      throw new IllegalArgumentException("a command schedule has 1-" + MAX_STEPS + " steps");
    }
    if (steps.stream().noneMatch(s -> s instanceof ScheduleStep.Command)) {
      throw new IllegalArgumentException("a command schedule types at least one command");
    }
    for (int i = 0; i < steps.size() - 1; i++) {
      if (steps.get(i) instanceof ScheduleStep.Action) {
        throw new IllegalArgumentException(
            "steps[" + i + "]: a power or backup action can only be the last step");
      }
    }
    if (totalWait(steps).compareTo(MAX_TOTAL_WAIT) > 0) {
      throw new IllegalArgumentException("the waits add up to more than 1h");
    }
  }

  /**
   * Reads the wire form, naming the first bad step.
   *
   * @throws InvalidScheduleException with field {@code steps} or {@code steps[i]}
   */
  public static CommandSteps fromJson(JsonNode node) {
    if (node == null || !node.isArray()) {
      throw new InvalidScheduleException("steps", "must be an array of steps");
    }
    List<ScheduleStep> steps = new ArrayList<>();
    int i = 0;
    for (JsonNode step : node) {
      steps.add(step(step, "steps[" + i++ + "]"));
    }
    try {
      return new CommandSteps(steps);
    } catch (IllegalArgumentException e) {
      throw new InvalidScheduleException("steps", e.getMessage());
    }
  }

  private static ScheduleStep step(JsonNode step, String field) {
    if (!step.isObject() || step.size() != 1) {
      throw new InvalidScheduleException(
          field,
          "must be one of {\"command\": TEXT}, {\"wait\": \"5m\"}, {\"action\": \"restart\"}");
    }
    Map.Entry<String, JsonNode> e = step.properties().iterator().next();
    if (!e.getValue().isTextual()) {
      throw new InvalidScheduleException(field + "." + e.getKey(), "must be a string");
    }
    String value = e.getValue().textValue();
    try {
      return switch (e.getKey()) {
        case "command" -> new ScheduleStep.Command(value);
        case "wait" -> new ScheduleStep.Wait(wait(value));
        case "action" ->
            new ScheduleStep.Action(
                ScheduledAction.fromWire(value)
                    .filter(FINAL_ACTIONS::contains)
                    .orElseThrow(
                        () ->
                            new IllegalArgumentException(
                                "must be start, stop, restart or backup")));
        default ->
            throw new InvalidScheduleException(
                field, "has an unknown kind " + e.getKey() + ": use command, wait or action");
      };
    } catch (IllegalArgumentException ex) {
      throw new InvalidScheduleException(field + "." + e.getKey(), ex.getMessage());
    }
  }

  private static Duration wait(String text) {
    try {
      return ScheduleSpec.parseInterval(text);
    } catch (InvalidScheduleException e) {
      throw new IllegalArgumentException("must be a duration such as 30s, 5m or 1h");
    }
  }

  /** The stored form: the wire form as JSON text. */
  String toJsonText() {
    try {
      return JSON.writeValueAsString(toJson());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads the stored form; null stays null. */
  static CommandSteps parse(String text) {
    if (text == null) {
      return null;
    }
    try {
      return fromJson(JSON.readTree(text));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("stored steps are not JSON", e);
    }
  }

  /** The wire form: a list of one-field objects. */
  public List<Map<String, String>> toJson() {
    List<Map<String, String>> out = new ArrayList<>();
    for (ScheduleStep s : steps) {
      Map<String, String> m = new LinkedHashMap<>();
      switch (s) {
        case ScheduleStep.Command c -> m.put("command", c.text());
        case ScheduleStep.Wait w -> m.put("wait", format(w.duration()));
        case ScheduleStep.Action a -> m.put("action", a.action().wire());
      }
      out.add(m);
    }
    return out;
  }

  /** {@code 1h}, {@code 5m}, {@code 1m30s}. */
  static String format(Duration d) {
    long s = d.toSeconds();
    StringBuilder b = new StringBuilder();
    if (s >= 3600) {
      b.append(s / 3600).append('h');
      s %= 3600;
    }
    if (s >= 60) {
      b.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0 || b.isEmpty()) {
      b.append(s).append('s');
    }
    return b.toString();
  }

  private static Duration totalWait(List<ScheduleStep> steps) {
    Duration total = Duration.ZERO;
    for (ScheduleStep s : steps) {
      if (s instanceof ScheduleStep.Wait w) {
        total = total.plus(w.duration());
      }
    }
    return total;
  }
}
