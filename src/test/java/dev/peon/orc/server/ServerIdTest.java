package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peon.orc.plan.PlanId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerIdTest {
  private static final String SIXTY_THREE = "a".repeat(63);
  private static final String SIXTY_FOUR = "a".repeat(64);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "valheim.camp1",
        "7days.x",
        "csgo_2.my-server_1",
        "a.0",
        "valheim.camp-",
        "valheim.camp_"
      })
  void acceptsLowerCaseSlugs(String uid) {
    assertThat(ServerId.parse(uid).uid()).isEqualTo(uid);
  }

  @Test
  void acceptsPartsOfSixtyThreeCharacters() {
    ServerId id = ServerId.parse(SIXTY_THREE + "." + SIXTY_THREE);

    assertThat(id.game().value()).hasSize(63);
    assertThat(id.name()).hasSize(63);
  }

  @Test
  void rejectsPartsOfSixtyFourCharacters() {
    assertThatThrownBy(() -> ServerId.parse(SIXTY_FOUR + ".camp"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServerId.parse("valheim." + SIXTY_FOUR))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Valheim.camp1",
        "valheim.Camp1",
        "VALHEIM.CAMP1",
        "valheim.camp 1",
        " valheim.camp1",
        "valheim.camp1 ",
        "valheim.camp1\n",
        "valheim..camp1",
        "valheim.camp.1",
        "..",
        "../etc.passwd",
        "valheim.../x",
        "valheim./etc",
        "valheim.a/b",
        "valheim.a\\b",
        "x$(touch /tmp/pwned)",
        "valheim.x$(touch /tmp/pwned)",
        "valheim.x`id`",
        "valheim.x;rm -rf",
        "valheim.x|y",
        "valheim.x&y",
        "valheim.x>y",
        "valheim.-camp",
        "valheim._camp",
        "my-game.camp",
        "_game.camp",
        ".camp1",
        "valheim.",
        ".",
        "",
        "valheim",
        "valheïm.camp",
        "valheim.cämp",
        "valheim.camp\u0000",
        "valheim.сamp" // Cyrillic 'с'
      })
  void rejectsInvalidUids(String uid) {
    assertThatThrownBy(() -> ServerId.parse(uid)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @NullSource
  void rejectsNull(String uid) {
    assertThatThrownBy(() -> ServerId.parse(uid)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsMissingGameInTheConstructor() {
    assertThatThrownBy(() -> new ServerId(null, "camp"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("game_uid");
  }

  @Test
  void explainsWhatIsExpectedWithoutEchoingTheInput() {
    assertThatThrownBy(() -> ServerId.parse("valheim.x$(touch /tmp/pwned)"))
        .hasMessageContaining("servername")
        .hasMessageNotContaining("touch");
    assertThatThrownBy(() -> ServerId.parse("valheim"))
        .hasMessageContaining("<game_uid>.<servername>");
  }

  @Test
  void derivesContainerNetworkAndUidFromOnePlace() {
    ServerId id = ServerId.parse("valheim.camp1");

    assertThat(id.game()).isEqualTo(new PlanId("valheim"));
    assertThat(id.name()).isEqualTo("camp1");
    assertThat(id.uid()).isEqualTo("valheim.camp1");
    assertThat(id.toString()).isEqualTo("valheim.camp1");
    assertThat(id.containerName()).isEqualTo("peon.warcamp.valheim.camp1");
    assertThat(id.networkName()).isEqualTo("valheim_camp1");
  }

  @Test
  void isValidNameMatchesTheConstructor() {
    assertThat(ServerId.isValidName("camp-1_a")).isTrue();
    assertThat(ServerId.isValidName("Camp")).isFalse();
    assertThat(ServerId.isValidName("")).isFalse();
    assertThat(ServerId.isValidName(null)).isFalse();
    assertThat(ServerId.isValidName(SIXTY_FOUR)).isFalse();
  }

  @Test
  void sortsByGameThenName() {
    List<ServerId> ids =
        new ArrayList<>(
            List.of(
                ServerId.parse("valheim.b"),
                ServerId.parse("ark.z"),
                ServerId.parse("valheim.a"),
                ServerId.parse("ark.a")));

    ids.sort(null);

    assertThat(ids)
        .extracting(ServerId::uid)
        .containsExactly("ark.a", "ark.z", "valheim.a", "valheim.b");
  }

  @Test
  void equalIdsAreEqual() {
    assertThat(ServerId.parse("valheim.camp1"))
        .isEqualTo(new ServerId(new PlanId("valheim"), "camp1"))
        .hasSameHashCodeAs(new ServerId(new PlanId("valheim"), "camp1"));
  }
}
