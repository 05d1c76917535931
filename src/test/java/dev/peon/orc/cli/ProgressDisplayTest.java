package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {

  @Test
  void redrawsOneBarInPlaceOnATerminalAndEndsItsLine() {
    StringWriter s = new StringWriter();
    ProgressDisplay p = new ProgressDisplay(new PrintWriter(s), true);
    p.show(50, "pulling");
    p.show(50, "pulling");
    p.finish();
    assertThat(s.toString())
        .startsWith("\r[############............]  50% pulling ")
        .endsWith(" \n")
        .doesNotContain("\r[############............]  50% pulling \r");
  }

  @Test
  void printsOnePlainLinePerChangeWhenNotATerminal() {
    StringWriter s = new StringWriter();
    ProgressDisplay p = new ProgressDisplay(new PrintWriter(s), false);
    p.show(null, "queued");
    p.show(null, "queued");
    p.show(40, "pulling");
    p.finish();
    assertThat(s.toString()).isEqualTo("queued\n40% pulling\n");
  }

  @Test
  void showsADownloadCompactlyEnoughToFitBesideTheBar() throws Exception {
    StringWriter s = new StringWriter();
    ProgressDisplay p = new ProgressDisplay(new PrintWriter(s), true);
    p.show(
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                "{\"percent\":47,\"message\":\"pulling a/very/long/image/name:tag: ...\","
                    + "\"download\":{\"bytesDone\":155189248,\"bytesTotal\":325268684,"
                    + "\"layersDone\":12,\"layersTotal\":17,\"bytesPerSecond\":11010048}}"));
    assertThat(s.toString())
        .contains("47% pull 148.0/310.2 MiB 12/17 layers 10.5 MiB/s")
        .doesNotContain("…");
  }
}
