package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import dev.peon.orc.app.PeonCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command of the tree answers --help and -h, so that a new command cannot regress it. */
class HelpTest {

  /** The command paths of the whole tree ("servers start", ...), walked from the root. */
  private static List<List<String>> allCommands() {
    List<List<String>> paths = new ArrayList<>();
    walk(new CommandLine(new PeonCommand()), new ArrayList<>(), paths);
    return paths;
  }

  private static void walk(CommandLine cl, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    cl.getSubcommands()
        .forEach(
            (name, sub) -> {
              // aliases appear under each name: walk each command once, by its own name
              if (name.equals(sub.getCommandName())) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                walk(sub, next, out);
              }
            });
  }

  @Test
  void everyCommandAndSubcommandAnswersHelpWithItsUsage() {
    List<List<String>> commands = allCommands();
    assertThat(commands).hasSizeGreaterThan(30);
    assertSoftly(
        soft -> {
          for (List<String> path : commands) {
            for (String flag : List.of("--help", "-h")) {
              List<String> args = new ArrayList<>(path);
              args.add(flag);
              CliRun r = CliRun.of(args.toArray(String[]::new));
              soft.assertThat(r.code()).as(args + "\n" + r).isZero();
              soft.assertThat(r.out())
                  .as(args + "\n" + r)
                  .contains("Usage: peon " + String.join(" ", path));
            }
          }
        });
  }

  @Test
  void helpCommandPrintsTheUsageOfANestedCommand() {
    CliRun r = CliRun.of("help", "servers");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("Usage: peon servers").contains("start");
    CliRun nested = CliRun.of("help", "servers", "start");
    assertThat(nested.code()).as(nested.toString()).isZero();
    assertThat(nested.out()).startsWith("Usage: peon servers start");
    CliRun top = CliRun.of("help");
    assertThat(top.code()).isZero();
    assertThat(top.out()).startsWith("Usage: peon").contains("help");
    CliRun unknown = CliRun.of("help", "servers", "nope");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unknown command: 'servers nope'").contains("start");
  }
}
