package dev.peon.orc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code peon help [COMMAND...]}: the usage of peon or of any nested command ({@code peon help
 * servers set}). picocli's own help command looks one level deep only.
 */
@Command(
    name = "help",
    helpCommand = true,
    mixinStandardHelpOptions = true,
    description = "Show the usage of peon, or of a command: peon help servers set.")
public final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command path.")
  List<String> path = new ArrayList<>();

  private CommandLine self;
  private Help.ColorScheme colors;
  private PrintWriter out;

  @Override
  public void init(
      CommandLine helpCommandLine,
      Help.ColorScheme colorScheme,
      PrintWriter outWriter,
      PrintWriter errWriter) {
    this.self = helpCommandLine;
    this.colors = colorScheme;
    this.out = outWriter;
  }

  @Override
  public void run() {
    CommandLine target = self.getParent();
    for (String word : path) {
      CommandLine sub = target.getSubcommands().get(word);
      if (sub == null) {
        throw new ParameterException(
            self,
            "Unknown command: '"
                + String.join(" ", path)
                + "'; commands of "
                + target.getCommandSpec().qualifiedName()
                + ": "
                + String.join(", ", target.getSubcommands().keySet()));
      }
      target = sub;
    }
    target.usage(out, colors);
  }
}
