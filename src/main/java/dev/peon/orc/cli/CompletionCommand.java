package dev.peon.orc.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Spec;

/**
 * {@code peon completion}: prints a bash (and zsh) completion script for the whole CLI. Where a
 * command's first argument is a server id or a plan id, the script asks the orchestrator at
 * completion time through the hidden {@code peon __complete servers|plans}.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a bash completion script; it completes server ids and plan ids from the"
          + " orchestrator (PEON_URL, the CLI config) as you type.",
      "Use: source <(peon completion), or save it to /etc/bash_completion.d/peon."
    })
public final class CompletionCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    CommandSpec root = spec.root();
    spec.commandLine().getOut().print(script(root.commandLine()));
    spec.commandLine().getOut().flush();
  }

  /** picocli's script, with the dynamic candidates wired into the functions that take them. */
  static String script(CommandLine root) {
    String name = root.getCommandName();
    String script = AutoComplete.bash(name, root);
    for (Map.Entry<String, String> e : dynamicCommands(root).entrySet()) {
      script = withDynamicFirstArgument(script, name, e.getKey(), e.getValue());
    }
    return script;
  }

  /** Each command path ("servers start") whose first argument is dynamic, with its kind. */
  static Map<String, String> dynamicCommands(CommandLine root) {
    Map<String, String> out = new LinkedHashMap<>();
    walk(root, new ArrayList<>(), out);
    return out;
  }

  private static void walk(CommandLine cl, List<String> path, Map<String, String> out) {
    CommandSpec spec = cl.getCommandSpec();
    if (!path.isEmpty() && !spec.usageMessage().hidden()) {
      spec.positionalParameters().stream()
          .filter(p -> p.index().min() == 0)
          .findFirst()
          .flatMap(CompletionCommand::kind)
          .ifPresent(k -> out.put(String.join(" ", path), k));
    }
    cl.getSubcommands()
        .forEach(
            (n, sub) -> {
              if (n.equals(sub.getCommandName())) {
                List<String> next = new ArrayList<>(path);
                next.add(n);
                walk(sub, next, out);
              }
            });
  }

  /** "servers" for a server id argument, "plans" for a plan id, else empty. */
  static Optional<String> kind(PositionalParamSpec p) {
    String label = p.paramLabel();
    String description = p.description().length == 0 ? "" : p.description()[0];
    if (label.equals("<server>") || description.startsWith("Server id")) {
      return Optional.of(CompleteCommand.SERVERS);
    }
    if (label.equals("<game>") || description.startsWith("Plan id")) {
      return Optional.of(CompleteCommand.PLANS);
    }
    return Optional.empty();
  }

  private static String withDynamicFirstArgument(
      String script, String root, String path, String kind) {
    String function = "function _picocli_" + root + "_" + path.replace(' ', '_') + "() {";
    int start = script.indexOf(function);
    String empty = "    local positionals=\"\"\n";
    int at = start < 0 ? -1 : script.indexOf(empty, start);
    int end = start < 0 ? -1 : script.indexOf("\n}\n", start);
    if (at < 0 || at > end) {
      return script;
    }
    String last = path.substring(path.lastIndexOf(' ') + 1);
    String dynamic =
        empty
            + "    if [[ $(currentPositionalIndex \""
            + last
            + "\" \"${arg_opts}\" \"${flag_opts}\") == 0 ]]; then\n"
            + "      positionals=$("
            + root
            + " "
            + CompleteCommand.NAME
            + " "
            + kind
            + " 2>/dev/null)\n"
            + "    fi\n";
    return script.substring(0, at) + dynamic + script.substring(at + empty.length());
  }
}
