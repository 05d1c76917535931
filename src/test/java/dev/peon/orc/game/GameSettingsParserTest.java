package dev.peon.orc.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GameSettingsParserTest {
  private final GameSettingsParser parser = new GameSettingsParser();
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode node(String text) throws Exception {
    return json.readTree(text);
  }

  @Test
  void everyBuiltInProfileParsesAndProbesTheGamesQuery() {
    for (String game :
        List.of(
            "valheim",
            "csgo",
            "cs2",
            "minecraft",
            "ark",
            "palworld",
            "rust",
            "7daystodie",
            "satisfactory",
            "factorio",
            "enshrouded")) {
      GameSettings s = parser.resolve(game, null, null);
      assertThat(s.readiness()).as(game).isNotNull();
      assertThat(s.profile()).isEqualTo(game);
    }
    assertThat(parser.resolve("valheim", null, null).readiness().probe())
        .isEqualTo(new Probe.A2sProbe(List.of("QUERY_PORT")));
    assertThat(parser.resolve("minecraft", null, null).readiness().probe().type())
        .isEqualTo("minecraft");
    assertThat(parser.resolve("satisfactory", null, null).readiness().probe())
        .isEqualTo(
            new Probe.UdpProbe(
                List.of("PORT", "QUERY_PORT"), "d5f60001000000000000000001", "d5f601"));
    GameSettings factorio = parser.resolve("factorio", null, null);
    assertThat(
            ((Probe.LogProbe) factorio.readiness().probe())
                .pattern()
                .matcher(
                    "Info ServerMultiplayerManager.cpp:766: changing state from(CreatingGame) to(InGame)")
                .find())
        .isTrue();
    assertThat(factorio.effectiveHealth()).isNull(); // a log line says nothing about health
    assertThat(factorio.effectivePlayers()).isNull();
    assertThat(parser.resolve("cs2", null, null).say()).isEqualTo("say {message}");
  }

  @Test
  void aGameWithoutProfileOrSectionHasNoGameAwareness() {
    GameSettings s = parser.resolve("someothergame", null, null);
    assertThat(s.readiness()).isNull();
    assertThat(s.idle().enabled()).isFalse();
    assertThat(s.wake().mode()).isEqualTo(GameSettings.WakeMode.IDLE);
  }

  @Test
  void thePlanSectionAndTheOverrideAreLaidOnTheProfileFieldByField() throws Exception {
    GameSettings s =
        parser.resolve(
            "valheim",
            node("{\"readiness\": {\"grace\": \"30m\"}, \"say\": \"say {message}\"}"),
            node(
                "{\"readiness\": {\"interval\": \"2s\"}, \"idle\": {\"after\": \"30m\","
                    + " \"warnings\": [\"1m\", \"5m\"], \"backup\": true},"
                    + " \"wake\": {\"mode\": \"always\", \"allow\": [\"192.168.0.0/16\"],"
                    + " \"maxPerHour\": 3}}"));
    assertThat(s.readiness().grace()).isEqualTo(Duration.ofMinutes(30));
    assertThat(s.readiness().interval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.readiness().timeout()).isEqualTo(Duration.ofSeconds(3)); // from the profile
    assertThat(s.idle().after()).isEqualTo(Duration.ofMinutes(30));
    assertThat(s.idle().warnings()).containsExactly(Duration.ofMinutes(5), Duration.ofMinutes(1));
    assertThat(s.idle().backup()).isTrue();
    assertThat(s.wake().mode()).isEqualTo(GameSettings.WakeMode.ALWAYS);
    assertThat(s.wake().maxPerHour()).isEqualTo(3);
    assertThat(s.say()).isEqualTo("say {message}");
    // a JSON null removes: no health probe distinct from readiness, idle off again
    GameSettings off = parser.resolve("valheim", null, node("{\"idle\": null}"));
    assertThat(off.idle().enabled()).isFalse();
  }

  @Test
  void anOverrideMayNameAnotherProfile() throws Exception {
    GameSettings s = parser.resolve("mymodpack", null, node("{\"profile\": \"minecraft\"}"));
    assertThat(s.profile()).isEqualTo("minecraft");
    assertThat(s.readiness().probe().type()).isEqualTo("minecraft");
  }

  @Test
  void listsEveryProblemAtOnce() throws Exception {
    assertThatThrownBy(
            () ->
                parser.validate(
                    node(
                        "{\"readiness\": {\"type\": \"smoke\", \"port\": \"Q\"},"
                            + " \"health\": {\"type\": \"log\", \"pattern\": \"x\"},"
                            + " \"idle\": {\"after\": \"soon\", \"warnings\": [\"1h\"]},"
                            + " \"wake\": {\"mode\": \"maybe\", \"allow\": [\"nope\"],"
                            + " \"maxPerHour\": 0}, \"color\": 1}")))
        .isInstanceOfSatisfying(
            GameSettingsParser.InvalidGameSettings.class,
            e ->
                assertThat(e.problems())
                    .hasSizeGreaterThanOrEqualTo(6)
                    .anyMatch(p -> p.startsWith("readiness.type must be one of"))
                    .anyMatch(p -> p.startsWith("health: a log probe cannot tell health"))
                    .anyMatch(p -> p.startsWith("idle.after"))
                    .anyMatch(p -> p.startsWith("wake.mode"))
                    .anyMatch(p -> p.startsWith("wake.allow"))
                    .anyMatch(p -> p.startsWith("wake.maxPerHour"))
                    .anyMatch(p -> p.startsWith("unknown field 'color'")));
  }

  @Test
  void refusesProbesThatCannotWork() throws Exception {
    assertThatThrownBy(() -> parser.validate(node("{\"readiness\": {\"type\": \"a2s\"}}")))
        .hasMessageContaining("readiness.port is required");
    assertThatThrownBy(
            () -> parser.validate(node("{\"readiness\": {\"type\": \"udp\", \"port\": 7777}}")))
        .hasMessageContaining("readiness.request must be the request bytes in hex");
    assertThatThrownBy(
            () ->
                parser.validate(
                    node("{\"readiness\": {\"type\": \"log\", \"pattern\": \"([a-\"}}")))
        .hasMessageContaining("not a valid regular expression");
    assertThatThrownBy(
            () ->
                parser.validate(
                    node(
                        "{\"players\": {\"type\": \"tcp\", \"port\": \"PORT\"},"
                            + " \"readiness\": {\"type\": \"tcp\", \"port\": \"PORT\","
                            + " \"interval\": \"10ms\"}}")))
        .hasMessageContaining("cannot count players")
        .hasMessageContaining("at least 200ms");
    assertThatThrownBy(() -> parser.validate(node("{\"profile\": \"tetris\"}")))
        .hasMessageContaining("profile 'tetris' is unknown");
    assertThatThrownBy(() -> parser.validate(node("{\"say\": \"op {message}\"}")))
        .hasMessageContaining("say can only be declared by the plan");
    assertThatThrownBy(() -> parser.validate(node("[1]")))
        .hasMessageContaining("must be a JSON object");
  }

  @Test
  void aPlansSayTemplateMustCarryTheMessage() throws Exception {
    assertThatThrownBy(
            () ->
                parser.parse(
                    (com.fasterxml.jackson.databind.node.ObjectNode) node("{\"say\": \"say hi\"}")))
        .hasMessageContaining("say must be a text containing {message}");
  }

  @Test
  void readsDurationsAndSpeaksThem() {
    assertThat(GameSettingsParser.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(GameSettingsParser.parseDuration("90")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GameSettingsParser.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(GameSettingsParser.words(Duration.ofMinutes(30))).isEqualTo("30 min");
    assertThat(GameSettingsParser.words(Duration.ofSeconds(45))).isEqualTo("45 s");
    assertThat(GameSettingsParser.words(Duration.ofHours(2))).isEqualTo("2 h");
  }
}
