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
}
