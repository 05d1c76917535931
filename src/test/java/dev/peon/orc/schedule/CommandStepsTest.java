package dev.peon.orc.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandStepsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static CommandSteps parse(String json) throws Exception {
    return CommandSteps.fromJson(JSON.readTree(json));
  }

  @Test
  void readsCommandsWaitsAndAFinalAction() throws Exception {
    CommandSteps steps =
        parse(
            """
            [{"command": "say restarting in 5 minutes"}, {"wait": "5m"},
             {"command": "say restarting now"}, {"wait": "1m30s"}, {"action": "restart"}]""");
    assertThat(steps.steps())
        .containsExactly(
            new ScheduleStep.Command("say restarting in 5 minutes"),
            new ScheduleStep.Wait(Duration.ofMinutes(5)),
            new ScheduleStep.Command("say restarting now"),
            new ScheduleStep.Wait(Duration.ofSeconds(90)),
            new ScheduleStep.Action(ScheduledAction.RESTART));
    assertThat(steps.toJson())
        .containsExactly(
            Map.of("command", "say restarting in 5 minutes"),
            Map.of("wait", "5m"),
            Map.of("command", "say restarting now"),
            Map.of("wait", "1m30s"),
            Map.of("action", "restart"));
    assertThat(CommandSteps.parse(steps.toJsonText())).isEqualTo(steps);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{}|steps|must be an array",
        "[]|steps|1-20 steps",
        "[{\"wait\": \"5m\"}, {\"action\": \"restart\"}]|steps|at least one command",
        "[{\"command\": \"say hi\"}, {\"action\": \"restart\"}, {\"command\": \"x\"}]"
            + "|steps|only be the last step",
        "[{\"command\": \"say hi\"}, {\"wait\": \"40m\"}, {\"wait\": \"21m\"}]|steps|more than 1h",
        "[{\"command\": \"say hi\"}, {\"wait\": \"soon\"}]|steps[1].wait|30s, 5m or 1h",
        "[{\"command\": \"say hi\"}, {\"wait\": \"0s\"}]|steps[1].wait|30s, 5m or 1h",
        "[{\"command\": \"\"}]|steps[0].command|1-500 characters",
        "[{\"command\": \"say hi\\nstop\"}]|steps[0].command|control characters",
        "[{\"command\": 5}]|steps[0].command|must be a string",
        "[{\"command\": \"a\", \"wait\": \"5m\"}]|steps[0]|must be one of",
        "[\"say hi\"]|steps[0]|must be one of",
        "[{\"shout\": \"hi\"}]|steps[0]|unknown kind shout",
        "[{\"command\": \"say\"}, {\"action\": \"update\"}]|steps[1].action|start, stop, restart",
        "[{\"command\": \"say\"}, {\"action\": \"command\"}]|steps[1].action|start, stop, restart"
      })
  void refusesABadStepNamingIt(String json, String field, String message) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOfSatisfying(
            InvalidScheduleException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).contains(message);
            });
  }

  @Test
  void allowsAtMostTwentyStepsAndAnHourOfWaiting() {
    List<ScheduleStep> many =
        java.util.stream.IntStream.range(0, 21)
            .mapToObj(i -> (ScheduleStep) new ScheduleStep.Command("say " + i))
            .toList();
    assertThatThrownBy(() -> new CommandSteps(many)).hasMessageContaining("1-20 steps");
    assertThat(
            new CommandSteps(
                    List.of(
                        new ScheduleStep.Command("say bye"),
                        new ScheduleStep.Wait(Duration.ofHours(1))))
                .steps())
        .hasSize(2);
  }

  @Test
  void formatsDurationsAsTheyAreWritten() {
    assertThat(CommandSteps.format(Duration.ofHours(1))).isEqualTo("1h");
    assertThat(CommandSteps.format(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(CommandSteps.format(Duration.ofSeconds(3725))).isEqualTo("1h2m5s");
  }
}
