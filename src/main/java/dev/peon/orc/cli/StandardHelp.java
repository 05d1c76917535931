package dev.peon.orc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Gives every command of a tree {@code -h/--help} and {@code -V/--version}, methods-as-commands and
 * parents included, so that a command added later cannot forget them. Installed as the root
 * command's model transformer; picocli applies it once the whole tree is built.
 */
public final class StandardHelp implements CommandLine.IModelTransformer {
  @Override
  public CommandSpec transform(CommandSpec root) {
    apply(root);
    return root;
  }

  private static void apply(CommandSpec spec) {
    if (!spec.mixinStandardHelpOptions()) {
      spec.mixinStandardHelpOptions(true);
    }
    for (CommandLine sub : spec.subcommands().values()) {
      apply(sub.getCommandSpec());
    }
  }
}
