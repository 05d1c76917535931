package dev.peon.orc.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InboundTest {

  @Test
  void readsCommandsAndHistoryRequests() {
    assertThat(Inbound.parse("{\"type\":\"command\",\"text\":\"say\\thi\"}"))
        .isEqualTo(new Inbound.Command("say\thi"));
    assertThat(Inbound.parse("{\"type\":\"history\",\"before\":50,\"limit\":20}"))
        .isEqualTo(new Inbound.History(50, 20));
    assertThat(Inbound.parse("{\"type\":\"history\",\"before\":7}"))
        .isEqualTo(new Inbound.History(7, 100));
  }

  @Test
  void refusesWhatIsNotAValidMessageSayingWhy() {
    String[][] cases = {
      {"not json", "not valid JSON"},
      {"[1]", "JSON object"},
      {"{}", "type is required"},
      {"{\"type\":\"shout\"}", "command or history"},
      {"{\"type\":\"command\"}", "text must be a string"},
      {"{\"type\":\"command\",\"text\":\"\"}", "empty"},
      {"{\"type\":\"command\",\"text\":\"a\\nb\"}", "line breaks"},
      {"{\"type\":\"command\",\"text\":\"a\\rb\"}", "line breaks"},
      {"{\"type\":\"command\",\"text\":\"a\\u001bb\"}", "control"},
      {"{\"type\":\"command\",\"text\":\"" + "x".repeat(1025) + "\"}", "1024"},
      {"{\"type\":\"command\",\"text\":\"a\",\"extra\":1}", "extra is not a known field"},
      {"{\"type\":\"history\",\"before\":\"x\"}", "before"},
      {"{\"type\":\"history\",\"before\":1,\"limit\":5000}", "limit"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> Inbound.parse(c[0]))
          .as(c[0])
          .isInstanceOfSatisfying(
              ConsoleException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(ConsoleException.Kind.INVALID);
                assertThat(e.getMessage()).contains(c[1]);
              });
    }
  }

  @Test
  void acceptsTheLongestAllowedCommand() {
    String text = "y".repeat(ConsoleSettings.MAX_COMMAND_CHARS);
    assertThat(Inbound.validCommand(text)).isEqualTo(text);
  }
}
