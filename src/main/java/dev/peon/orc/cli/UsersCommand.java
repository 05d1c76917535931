package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peon users list|show|add|set|remove|grant}: user accounts (needs {@code user.admin}).
 * Users are named on the command line and resolved to their ids with GET /api/v2/users.
 */
@Command(
    name = "users",
    mixinStandardHelpOptions = true,
    description = "User accounts, roles and per-server grants (needs user.admin).")
public final class UsersCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  /** --enable or --disable. */
  static final class Enabled {
    @Option(names = "--enable", required = true, description = "Allow the user to log in again.")
    boolean enable;

    @Option(
        names = "--disable",
        required = true,
        description = "Refuse the user's logins, sessions and keys.")
    boolean disable;
  }

  @Command(mixinStandardHelpOptions = true, name = "list", description = "List users.")
  int list(@Mixin ClientOptions client) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/users");
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t = Table.withHeader("NAME", "ROLE", "ENABLED", "CREATED", "GRANTS");
          for (JsonNode u : r.json().path("items")) {
            t.row(
                u.path("name").asText(),
                u.path("role").asText(),
                u.path("enabled").asBoolean() ? "yes" : "no",
                s.times().at(u.path("createdAt").asText(null)),
                grants(u.path("grants")));
          }
          t.printOr(s, "no users");
          return ExitCodes.OK;
        });
  }

  @Command(mixinStandardHelpOptions = true, name = "show", description = "Show one user.")
  int show(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<name>", description = "User name.") String name) {
    return client.run(
        s -> {
          JsonNode u = find(s, name);
          ApiClient.Response r = s.api().get(path(u));
          if (s.json()) {
            s.printRaw(r);
          } else {
            print(s, r.json());
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "add",
      description = "Create a user; the password is read without echo.")
  int add(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<name>", description = "1-32 of a-z, 0-9, _ . -") String name,
      @Option(
              names = "--role",
              paramLabel = "R",
              required = true,
              description = "owner, admin, operator or viewer.")
          String role,
      @Option(
              names = "--password-stdin",
              description = "Read the password from the first line of standard input.")
          boolean passwordStdin) {
    return client.run(
        s -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("name", name);
          body.put("password", Passwords.read(s, passwordStdin));
          body.put("role", role);
          ApiClient.Response r = s.api().post("/api/v2/users", body);
          if (s.json()) {
            s.printRaw(r);
          } else {
            s.out().println("created user " + name + " (" + r.json().path("role").asText() + ")");
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "set",
      description = "Change a user's role, enabled state or password.")
  int set(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<name>", description = "User name.") String name,
      @Option(names = "--role", paramLabel = "R", description = "owner, admin, operator, viewer.")
          String role,
      @ArgGroup(exclusive = true) Enabled enabled,
      @Option(
              names = "--password-stdin",
              description = "Set the password read from the first line of standard input.")
          boolean passwordStdin,
      @Option(names = "--password", description = "Set a new password, asked without echo.")
          boolean passwordPrompt) {
    return client.run(
        s -> {
          Map<String, Object> body = new LinkedHashMap<>();
          if (role != null) {
            body.put("role", role);
          }
          if (enabled != null) {
            body.put("enabled", enabled.enable);
          }
          if (passwordStdin || passwordPrompt) {
            body.put("password", Passwords.read(s, passwordStdin));
          }
          if (body.isEmpty()) {
            throw new CliException(
                ExitCodes.USAGE,
                "nothing to change: give --role, --enable, --disable, --password or"
                    + " --password-stdin");
          }
          JsonNode u = find(s, name);
          ApiClient.Response r = s.api().patch(path(u), body);
          if (s.json()) {
            s.printRaw(r);
          } else {
            List<String> changed = new ArrayList<>(body.keySet());
            s.out().println("changed " + String.join(", ", changed) + " of user " + name);
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "remove",
      description = "Delete a user with their keys and grants.")
  int remove(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<name>", description = "User name.") String name,
      @Option(names = "--yes", description = "Do not ask for confirmation.") boolean yes) {
    return client.run(
        s -> {
          JsonNode u = find(s, name);
          if (!yes) {
            if (!s.terminal().interactive()) {
              throw new CliException(
                  ExitCodes.USAGE,
                  "refusing to delete user " + name + " without --yes when not interactive");
            }
            String typed =
                s.terminal()
                    .readLine(
                        "This deletes user "
                            + name
                            + " and their keys. Type the name to confirm: ");
            if (typed == null || !typed.strip().equals(name)) {
              throw new CliException(ExitCodes.USAGE, "not confirmed; nothing was deleted");
            }
          }
          ApiClient.Response r = s.api().delete(path(u));
          if (s.json()) {
            if (!r.body().isBlank()) {
              s.printRaw(r);
            }
          } else {
            s.out().println("deleted user " + name);
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "grant",
      description =
          "Set a user's permissions on one server (replacing earlier ones; none removes them)."
              + " Matters for operators.")
  int grant(
      @Mixin ClientOptions client,
      @Parameters(index = "0", paramLabel = "<name>", description = "User name.") String name,
      @Parameters(index = "1", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(
              index = "2..*",
              arity = "0..*",
              paramLabel = "<perm>",
              description = "Per-server permissions, e.g. server.power server.console.")
          List<String> permissions) {
    return client.run(
        s -> {
          JsonNode u = find(s, name);
          List<String> perms = permissions == null ? List.of() : permissions;
          ApiClient.Response r =
              s.api()
                  .put(
                      path(u) + "/grants/" + ApiClient.segment(server),
                      Map.of("permissions", perms));
          if (s.json()) {
            s.printRaw(r);
          } else if (perms.isEmpty()) {
            s.out().println("removed the grants of " + name + " on " + server);
          } else {
            s.out()
                .println("granted " + String.join(", ", perms) + " on " + server + " to " + name);
          }
          return ExitCodes.OK;
        });
  }

  /** The user named {@code name}, from the user list. */
  static JsonNode find(Session s, String name) {
    for (JsonNode u : s.api().get("/api/v2/users").json().path("items")) {
      if (u.path("name").asText().equals(name)) {
        return u;
      }
    }
    throw new CliException(ExitCodes.NOT_FOUND, "no user named " + name);
  }

  private static String path(JsonNode user) {
    return "/api/v2/users/" + user.path("id").asLong();
  }

  private static void print(Session s, JsonNode u) {
    Table t = Table.keyValues();
    t.row("name", u.path("name").asText());
    t.row("id", u.path("id").asText());
    t.row("role", u.path("role").asText());
    t.row("enabled", u.path("enabled").asBoolean() ? "yes" : "no");
    t.row("created", s.times().atRelative(u.path("createdAt").asText(null)));
    u.path("grants").properties().forEach(g -> t.row("grant " + g.getKey(), joined(g.getValue())));
    t.print(s.out());
  }

  static String grants(JsonNode grants) {
    List<String> parts = new ArrayList<>();
    grants.properties().forEach(g -> parts.add(g.getKey() + ": " + joined(g.getValue())));
    return String.join("; ", parts);
  }

  static String joined(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return String.join(",", out);
  }
}
