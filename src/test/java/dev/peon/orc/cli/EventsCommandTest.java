package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class EventsCommandTest {
  private final EventsCommand events = new EventsCommand();

  @Test
  void summarisesAnOperationWithoutRepeatingItsStatus() {
    String line =
        events.line(
            new SseReader.SseEvent(
                "7",
                "operation",
                "{\"id\":\"op_1\",\"kind\":\"power.stop\",\"server\":\"a.b\",\"status\":\"queued\","
                    + "\"progress\":{\"percent\":null,\"message\":\"queued\"},\"error\":null,"
                    + "\"createdAt\":\"t\"}"));
    assertThat(line).isEqualTo("t operation op_1 power.stop a.b queued");
  }

  @Test
  void summarisesAFailedOperationWithItsError() {
    String line =
        events.line(
            new SseReader.SseEvent(
                "8",
                "operation",
                "{\"id\":\"op_1\",\"kind\":\"update\",\"server\":\"a.b\",\"status\":\"failed\","
                    + "\"progress\":{\"percent\":0,\"message\":\"pulling\"},"
                    + "\"error\":{\"title\":\"Upstream failure\",\"detail\":\"denied\"},"
                    + "\"at\":\"t\"}"));
    assertThat(line)
        .isEqualTo("t operation op_1 update a.b failed 0% pulling: Upstream failure: denied");
  }

  @Test
  void readsMultiLineDataAndSkipsComments() throws IOException {
    SseReader reader =
        new SseReader(
            new BufferedReader(
                new StringReader(
                    ": keep-alive\n\nid: 3\nevent: x\ndata: one\ndata:two\n\ndata: plain\n\n")));
    assertThat(reader.next()).isEqualTo(new SseReader.SseEvent("3", "x", "one\ntwo"));
    assertThat(reader.next()).isEqualTo(new SseReader.SseEvent(null, "message", "plain"));
    assertThat(reader.next()).isNull();
  }
}
