package dev.peon.orc.app;

import picocli.CommandLine.Command;

/** The top-level {@code peon} command. */
@Command(
    name = "peon",
    mixinStandardHelpOptions = true,
    versionProvider = PeonCommand.Version.class,
    description = "PEON Orchestrator: deploy and run game servers as Docker containers.",
    subcommands = {ServeCommand.class})
final class PeonCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"PEON Orchestrator " + Application.version()};
    }
  }
}
