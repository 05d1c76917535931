package dev.peon.orc.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProbeRunnerTest {

  @Test
  void aPathologicalLogPatternStopsAtTheProbesDeadline() {
    // a back-reference defeats the JDK's loop optimisations: about a minute for 25 characters
    Pattern evil = Pattern.compile("((a+)\\2?)+b");
    String line = "a".repeat(25) + "c";
    long deadline = System.nanoTime() + 50_000_000L;
    assertThatThrownBy(() -> evil.matcher(new ProbeRunner.BoundedText(line, deadline)).find())
        .isInstanceOf(ProbeRunner.BoundedText.TooSlow.class);
  }

  @Test
  void anOrdinaryPatternMatchesThroughTheBoundedText() {
    long deadline = System.nanoTime() + 1_000_000_000L;
    assertThat(
            Pattern.compile("Game server ready")
                .matcher(new ProbeRunner.BoundedText("12:00 Game server ready", deadline))
                .find())
        .isTrue();
  }
}
