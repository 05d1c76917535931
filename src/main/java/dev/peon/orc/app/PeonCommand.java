package dev.peon.orc.app;

import dev.peon.orc.cli.AuditCommand;
import dev.peon.orc.cli.BackupsCommand;
import dev.peon.orc.cli.CommandCommand;
import dev.peon.orc.cli.CompleteCommand;
import dev.peon.orc.cli.CompletionCommand;
import dev.peon.orc.cli.ConsoleCommand;
import dev.peon.orc.cli.EventsCommand;
import dev.peon.orc.cli.GameCommand;
import dev.peon.orc.cli.HelpCommand;
import dev.peon.orc.cli.KeysCommand;
import dev.peon.orc.cli.LoginCommand;
import dev.peon.orc.cli.LogoutCommand;
import dev.peon.orc.cli.LogsCommand;
import dev.peon.orc.cli.MeCommand;
import dev.peon.orc.cli.NodesCommand;
import dev.peon.orc.cli.OperationsCommand;
import dev.peon.orc.cli.PlansCommand;
import dev.peon.orc.cli.SchedulesCommand;
import dev.peon.orc.cli.ServersCommand;
import dev.peon.orc.cli.SystemCommand;
import dev.peon.orc.cli.UsersCommand;
import dev.peon.orc.cli.WebhooksCommand;
import picocli.CommandLine.Command;

/** The top-level {@code peon} command: {@code serve} runs the daemon, the rest are API clients. */
@Command(
    name = "peon",
    mixinStandardHelpOptions = true,
    versionProvider = PeonCommand.Version.class,
    description = "PEON Orchestrator: deploy and run game servers as Docker containers.",
    subcommands = {
      ServeCommand.class,
      ServersCommand.class,
      PlansCommand.class,
      SchedulesCommand.class,
      BackupsCommand.class,
      ConsoleCommand.class,
      LogsCommand.class,
      CommandCommand.class,
      EventsCommand.class,
      SystemCommand.class,
      UsersCommand.class,
      KeysCommand.class,
      AuditCommand.class,
      MeCommand.class,
      OperationsCommand.class,
      NodesCommand.class,
      WebhooksCommand.class,
      GameCommand.class,
      LoginCommand.class,
      LogoutCommand.class,
      CompletionCommand.class,
      CompleteCommand.class,
      HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:ok",
      "1:operation failed, or server error (5xx)",
      "2:usage or validation error (400)",
      "3:not found (404)",
      "4:conflict or busy (409)",
      "5:not authorized or rate limited (401, 403, 429)",
      "6:cannot connect to the orchestrator",
      "7:the orchestrator did not answer in time (the action may still be running)"
    })
public final class PeonCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"PEON Orchestrator " + Application.version()};
    }
  }
}
