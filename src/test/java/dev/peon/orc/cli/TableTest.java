package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {

  private static String render(Table t) {
    StringWriter s = new StringWriter();
    try (PrintWriter w = new PrintWriter(s)) {
      t.print(w);
    }
    return s.toString();
  }

  @Test
  void alignsColumnsTwoSpacesApartAndLeavesTheLastUnpadded() {
    Table t =
        Table.withHeader("ID", "STATE", "DESCRIPTION")
            .row("valheim.camp1", "running", "Our camp")
            .row("cs2.x", "exited", "");
    assertThat(render(t))
        .isEqualTo(
            """
            ID             STATE    DESCRIPTION
            valheim.camp1  running  Our camp
            cs2.x          exited   -
            """);
  }

  @Test
  void showsNullAsDashAndFlattensNewlines() {
    Table t = Table.keyValues().row("image", null).row("description", "two\nlines");
    assertThat(render(t)).isEqualTo("image        -\ndescription  two lines\n");
  }

  @Test
  void printsOnlyTheHeaderOfAnEmptyTable() {
    Table t = Table.withHeader("ID", "STATE");
    assertThat(t.isEmpty()).isTrue();
    assertThat(render(t)).isEqualTo("ID  STATE\n");
  }
}
