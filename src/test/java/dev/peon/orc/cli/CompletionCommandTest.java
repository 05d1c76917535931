package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.app.PeonCommand;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CompletionCommandTest {
  @TempDir Path tmp;
  private FakeApi api;

  @BeforeEach
  void start() throws IOException {
    api = new FakeApi();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void listsServerIdsAndPlanIdsOnePerLine() {
    api.on(
        "GET /api/v2/servers", 200, "{\"items\":[{\"id\":\"valheim.camp1\"},{\"id\":\"cs2.x\"}]}");
    api.on("GET /api/v2/plans", 200, "{\"items\":[{\"id\":\"valheim\"},{\"id\":\"minecraft\"}]}");
    CliRun servers = CliRun.of("__complete", "servers", "--url", api.url(), "--api-key", "k");
    assertThat(servers.code()).isZero();
    assertThat(servers.out()).isEqualTo("valheim.camp1\ncs2.x\n");
    CliRun plans = CliRun.of("__complete", "plans", "--url", api.url(), "--api-key", "k");
    assertThat(plans.out()).isEqualTo("valheim\nminecraft\n");
  }

  @Test
  void failsSilentlyWhenTheOrchestratorCannotAnswer() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CliRun down = CliRun.of("__complete", "servers", "--url", "http://127.0.0.1:" + closed);
    assertThat(down.code()).isZero();
    assertThat(down.out()).isEmpty();
    assertThat(down.err()).isEmpty();
    api.on("GET /api/v2/servers", 401, FakeApi.problem("unauthorized", 401, "Unauthorized", "x"));
    CliRun refused = CliRun.of("__complete", "servers", "--url", api.url());
    assertThat(refused.code()).isZero();
    assertThat(refused.out() + refused.err()).isEmpty();
    CliRun nonsense = CliRun.of("__complete", "users", "--url", api.url());
    assertThat(nonsense.code()).isZero();
    assertThat(nonsense.out()).isEmpty();
  }

  @Test
  void findsTheCommandsWhoseFirstArgumentIsAServerOrAPlan() {
    var dynamic = CompletionCommand.dynamicCommands(new CommandLine(new PeonCommand()));
    assertThat(dynamic)
        .containsEntry("servers start", "servers")
        .containsEntry("servers show", "servers")
        .containsEntry("servers set", "servers")
        .containsEntry("schedules add", "servers")
        .containsEntry("schedules remove", "servers")
        .containsEntry("backups list", "servers")
        .containsEntry("console", "servers")
        .containsEntry("plans show", "plans")
        .containsEntry("servers create", "plans")
        .doesNotContainKey("keys revoke")
        .doesNotContainKey("users show");
  }

  @Test
  void theScriptAsksPeonForServerIdsAtTheFirstArgumentOnly() throws Exception {
    CliRun r = CliRun.of("completion");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("positionals=$(peon __complete servers 2>/dev/null)");
    assertThat(r.out()).contains("positionals=$(peon __complete plans 2>/dev/null)");
    Path script = tmp.resolve("peon.bash");
    Files.writeString(script, r.out());
    // a stand-in peon answers the hidden command as the real one would
    String stub =
        "peon() { [[ $1 == __complete && $2 == servers ]] && printf 'valheim.camp1\\nvalheim.two\\ncs2.x\\n'; };";
    assertThat(complete(script, stub, "peon servers start val"))
        .containsExactly("valheim.camp1", "valheim.two");
    assertThat(complete(script, stub, "peon schedules add --url http://x valheim.c"))
        .containsExactly("valheim.camp1");
    assertThat(complete(script, stub, "peon schedules remove valheim.camp1 val")).isEmpty();
  }

  /** What bash would offer for the last word of {@code line}. */
  private static List<String> complete(Path script, String stub, String line) throws Exception {
    String program =
        stub
            + " source "
            + script
            + "; COMP_LINE='"
            + line
            + "'; read -ra COMP_WORDS <<< \"$COMP_LINE\"; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));"
            + " COMP_POINT=${#COMP_LINE}; _complete_peon peon; printf '%s\\n' \"${COMPREPLY[@]}\"";
    Process p =
        new ProcessBuilder("bash", "-c", program)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out.lines().filter(l -> !l.isBlank()).toList();
  }
}
