package dev.peon.orc.plan;

import static dev.peon.orc.plan.PlanFixtures.json;
import static dev.peon.orc.plan.PlanFixtures.writePlan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.peon.orc.plan.PortEntry.PortProtocol;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanParserTest {
  @TempDir Path plans;
  private final PlanParser parser = new PlanParser();

  private Plan parse(String folder, String singleQuotedJson) {
    return parser.parse(writePlan(plans, folder, json(singleQuotedJson)));
  }

  private Plan parseBody(String body) {
    return parse("game", "{'metadata': {'game_uid': 'game', 'image': 'img'}" + body + "}");
  }

  @Test
  void parsesTheValheimPlanOfTheSpec() {
    Plan plan = parser.parse(writePlan(plans, "valheim", json(PlanFixtures.VALHEIM)));

    assertThat(plan.id()).isEqualTo(new PlanId("valheim"));
    assertThat(plan.image()).isEqualTo("umlatt/steamcmd");
    assertThat(plan.version()).isEqualTo("1.0.0");
    assertThat(plan.description()).isEqualTo("A Valheim game server for PEON.");
    assertThat(plan.mode()).isEqualTo("steamcmd");
    assertThat(plan.portGroups())
        .containsExactly(
            new PortGroup(
                List.of(
                    new PortEntry("PORT", 2456, PortProtocol.UDP, "udp"),
                    new PortEntry("QUERY_PORT", 2457, PortProtocol.UDP, "udp"))),
            new PortGroup(
                List.of(
                    new PortEntry("PORT", 2466, PortProtocol.UDP, "udp"),
                    new PortEntry("QUERY_PORT", 2467, PortProtocol.UDP, "udp"))));
    assertThat(plan.environment())
        .containsExactly(
            new PlanVariable("STEAM_ID", "896660"),
            new PlanVariable("SERVER_NAME", null),
            new PlanVariable("WORLD_NAME", null),
            new PlanVariable("MAX_PLAYERS", "10"));
    assertThat(plan.requiredVariables()).containsExactly("SERVER_NAME", "WORLD_NAME");
    assertThat(plan.volumes())
        .extracting(VolumeMount::source)
        .containsExactly("~!/actions", "~!/data", "~!/config", "~!/user");
    assertThat(plan.files())
        .containsExactly(new VolumeMount("~!/server.cfg", "/home/steam/data/game/server.cfg"));
    assertThat(plan.raw().path("metadata").path("hostname").asText())
        .isEqualTo("peon.warcamp.valheim");
    assertThat(plan.folder()).isEqualTo(plans.resolve("valheim"));
    assertThat(plan.warnings()).isEmpty();
  }

  @Test
  void folderNameWinsOverADifferentGameUid() {
    Plan plan = parse("ark", "{'metadata': {'game_uid': 'arkse', 'image': 'img'}}");

    assertThat(plan.id().value()).isEqualTo("ark");
    assertThat(plan.warnings()).singleElement().asString().contains("arkse");
  }

  @Test
  void missingGameUidUsesTheFolderNameWithAWarning() {
    Plan plan = parse("ark", "{'metadata': {'image': 'img'}}");

    assertThat(plan.id().value()).isEqualTo("ark");
    assertThat(plan.warnings()).singleElement().asString().contains("game_uid");
  }

  @Test
  void acceptsWarcampServerNameOrNeitherAndIgnoresUnknownMetadata() {
    for (String extra : List.of("'warcamp': 'default'", "'server_name': 'x'", "'foo': [1, 2]")) {
      Plan plan =
          parse("game", "{'metadata': {'game_uid': 'game', 'image': 'img', " + extra + "}}");
      assertThat(plan.warnings()).isEmpty();
    }
  }

  @Test
  void missingVersionDescriptionAndModeBecomeEmpty() {
    Plan plan = parseBody("");

    assertThat(plan.version()).isEmpty();
    assertThat(plan.description()).isEmpty();
    assertThat(plan.mode()).isEmpty();
    assertThat(plan.portGroups()).isEmpty();
    assertThat(plan.environment()).isEmpty();
    assertThat(plan.volumes()).isEmpty();
    assertThat(plan.files()).isEmpty();
    assertThat(plan.warnings()).isEmpty();
  }

  @Test
  void rejectsAPlanWithoutImageNamingFileAndField() {
    assertThatThrownBy(() -> parse("game", "{'metadata': {'game_uid': 'game'}}"))
        .isInstanceOf(PlanRejectedException.class)
        .hasMessageContaining("plan.json")
        .hasMessageContaining(plans.resolve("game").toString())
        .hasMessageContaining("metadata.image");
    assertThatThrownBy(() -> parse("game", "{'ports': []}")).hasMessageContaining("metadata.image");
    assertThatThrownBy(() -> parse("game", "{'metadata': {'image': '  '}}"))
        .hasMessageContaining("metadata.image");
  }

  @Test
  void rejectsBrokenJsonNamingTheFile() {
    Path folder = writePlan(plans, "broken", "{\"metadata\": {\"image\": \"x\",}");

    assertThatThrownBy(() -> parser.parse(folder))
        .isInstanceOf(PlanRejectedException.class)
        .hasMessageContaining(folder.resolve("plan.json").toString())
        .hasMessageContaining("broken JSON")
        .hasMessageContaining("line 1");
  }

  @Test
  void rejectsJsonThatIsNotAnObject() {
    assertThatThrownBy(() -> parser.parse(writePlan(plans, "game", "[1]")))
        .isInstanceOf(PlanRejectedException.class)
        .hasMessageContaining("plan.json");
  }

  @Test
  void rejectsAFolderNameThatIsNotAGameUid() {
    Path folder = writePlan(plans, "Bad-Name", PlanFixtures.minimal("bad"));

    assertThatThrownBy(() -> parser.parse(folder))
        .isInstanceOf(PlanRejectedException.class)
        .hasMessageContaining("Bad-Name");
  }

  @Test
  void rejectsAMissingPlanFile() {
    assertThatThrownBy(() -> parser.parse(plans.resolve("nothing")))
        .isInstanceOf(PlanRejectedException.class)
        .hasMessageContaining("plan.json");
  }

  @Test
  void acceptsPortsAsNumbersOrStringsAndAnyProtocol() {
    Plan plan =
        parseBody(
            ", 'ports': [[{'A': [27015, 'tcp']}, {'B': ['27016', 'UDP']}, {'C': ['1', 'tcp/udp']},"
                + " {'D': ['2', 'sctp']}, {'E': ['3']}]]");

    assertThat(plan.portGroups().get(0).entries())
        .containsExactly(
            new PortEntry("A", 27015, PortProtocol.TCP, "tcp"),
            new PortEntry("B", 27016, PortProtocol.UDP, "UDP"),
            new PortEntry("C", 1, PortProtocol.BOTH, "tcp/udp"),
            new PortEntry("D", 2, PortProtocol.BOTH, "sctp"),
            new PortEntry("E", 3, PortProtocol.BOTH, ""));
    assertThat(plan.warnings()).isEmpty();
  }

  @Test
  void acceptsASingleFlatGroupWithAWarning() {
    Plan plan = parseBody(", 'ports': [{'PORT': ['2456', 'udp']}, {'RCON': ['2458', 'tcp']}]");

    assertThat(plan.portGroups()).hasSize(1);
    assertThat(plan.portGroups().get(0).entries())
        .extracting(PortEntry::name)
        .containsExactly("PORT", "RCON");
    assertThat(plan.warnings()).singleElement().asString().contains("single group");
  }

  @Test
  void emptyOrMissingPortsGiveNoGroups() {
    assertThat(parseBody(", 'ports': []").portGroups()).isEmpty();
    assertThat(parseBody(", 'ports': null").portGroups()).isEmpty();
    assertThat(parseBody("").portGroups()).isEmpty();
  }

  @Test
  void skipsInvalidPortNumbersWithAWarning() {
    Plan plan =
        parseBody(
            ", 'ports': [[{'OK': ['80', 'tcp']}, {'BIG': ['70000', 'tcp']}, {'ZERO': [0, 'udp']},"
                + " {'TEXT': ['abc', 'tcp']}, {'NEG': ['-1', 'tcp']}, {'FRAC': [1.5, 'tcp']}]]");

    assertThat(plan.portGroups().get(0).entries())
        .extracting(PortEntry::name)
        .containsExactly("OK");
    assertThat(plan.warnings()).hasSize(5).allMatch(w -> w.contains("invalid port"));
  }

  @Test
  void keepsRepeatedNamesInAGroupInOrder() {
    Plan plan =
        parseBody(
            ", 'ports': [[{'PORT': ['1', 'udp']}, {'Q': ['2', 'udp']}, {'PORT': ['3', 'tcp']}]]");

    assertThat(plan.portGroups().get(0).entries())
        .extracting(PortEntry::name, PortEntry::port)
        .containsExactly(tuple("PORT", 1), tuple("Q", 2), tuple("PORT", 3));
    assertThat(plan.warnings()).isEmpty();
  }

  @Test
  void rendersNonStringEnvironmentValuesAsJsonText() {
    Plan plan =
        parseBody(
            ", 'environment': {'REQ': null, 'EMPTY': '', 'NUM': 10, 'DEC': 1.5, 'BOOL': true,"
                + " 'OBJ': {'a': 1}, 'ARR': [1, 'x']}");

    assertThat(plan.environment())
        .containsExactly(
            new PlanVariable("REQ", null),
            new PlanVariable("EMPTY", ""),
            new PlanVariable("NUM", "10"),
            new PlanVariable("DEC", "1.5"),
            new PlanVariable("BOOL", "true"),
            new PlanVariable("OBJ", "{\"a\":1}"),
            new PlanVariable("ARR", "[1,\"x\"]"));
    assertThat(plan.requiredVariables()).containsExactly("REQ");
    assertThat(plan.warnings()).hasSize(2).allMatch(w -> w.contains("JSON text"));
  }

  @Test
  void keepsTheFirstMountOfAContainerPathWithAWarning() {
    Plan plan =
        parseBody(
            ", 'volumes': {'~!/data': '/data', '~!/game': '/data', '~!/user': '/user'},"
                + " 'files': {'~!/a.cfg': '/user', '~!/b.cfg': '/b.cfg'}");

    assertThat(plan.volumes())
        .containsExactly(new VolumeMount("~!/data", "/data"), new VolumeMount("~!/user", "/user"));
    assertThat(plan.files()).containsExactly(new VolumeMount("~!/b.cfg", "/b.cfg"));
    assertThat(plan.warnings())
        .hasSize(2)
        .anyMatch(w -> w.contains("~!/game"))
        .anyMatch(w -> w.contains("~!/a.cfg"));
  }

  @Test
  void keepsTheRawTreeAsRead() {
    Plan plan = parseBody(", 'extra': {'x': 1}");

    assertThat(plan.raw().path("extra").path("x").asInt()).isEqualTo(1);
  }
}
