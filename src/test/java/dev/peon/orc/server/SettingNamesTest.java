package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SettingNamesTest {
  private static final List<String> DECLARED =
      List.of("SERVER_NAME", "PASSWORD", "MAX_PLAYERS", "PORT");

  @Test
  void suggestsTheDeclaredNameOneTypoAway() {
    assertThat(SettingNames.hint("PASWORD", DECLARED)).isEqualTo("did you mean PASSWORD?");
    assertThat(SettingNames.hint("SERVRE_NAME", DECLARED)).isEqualTo("did you mean SERVER_NAME?");
    assertThat(SettingNames.hint("max_players", DECLARED)).isEqualTo("did you mean MAX_PLAYERS?");
    assertThat(SettingNames.hint("MAXPLAYER", DECLARED)).isEqualTo("did you mean MAX_PLAYERS?");
  }

  @Test
  void listsTheDeclaredNamesWhenNothingIsClose() {
    assertThat(SettingNames.hint("SERVER_PASS", DECLARED))
        .isEqualTo("declared settings: MAX_PLAYERS, PASSWORD, PORT, SERVER_NAME");
    assertThat(SettingNames.hint("PING", List.of("PORT"))).isEqualTo("declared settings: PORT");
    assertThat(SettingNames.hint("X", List.of())).isEqualTo("this plan declares no settings");
  }

  @Test
  void countsATranspositionAsOneEdit() {
    assertThat(SettingNames.distance("PROT", "PORT")).isEqualTo(1);
    assertThat(SettingNames.distance("", "ABC")).isEqualTo(3);
    assertThat(SettingNames.distance("KITTEN", "SITTING")).isEqualTo(3);
  }
}
