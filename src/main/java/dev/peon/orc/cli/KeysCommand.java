package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code peon keys list|create|revoke}: personal API keys. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Personal API keys (peon_<id>_<secret>; the secret is shown once).")
public final class KeysCommand implements Runnable {
  private static final Pattern RELATIVE = Pattern.compile("([0-9]{1,6})([mhdw])");
  static Clock clock = Clock.systemUTC();

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "List your keys (or every key with --all).")
  int list(
      @Mixin ClientOptions client,
      @Option(names = "--all", description = "Every user's keys (needs key.admin).") boolean all) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get("/api/v2/keys" + (all ? "?all=true" : ""));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t =
              Table.withHeader("ID", "NAME", "USER", "SCOPE", "EXPIRES", "LAST USED", "STATUS");
          for (JsonNode k : r.json().path("items")) {
            t.row(
                k.path("id").asText(),
                k.path("name").asText(),
                k.path("user").asText(),
                k.path("scope").isArray() ? UsersCommand.joined(k.path("scope")) : "(all)",
                s.times().at(k.path("expiresAt").asText(null)),
                s.times().at(k.path("lastUsedAt").asText(null)),
                status(k));
          }
          t.printOr(s, "no keys");
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "create",
      description =
          "Create a key and print it (only the key goes to stdout); it is never shown again.")
  int create(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<name>", description = "What the key is for.") String name,
      @Option(
              names = "--scope",
              paramLabel = "P,P",
              split = ",",
              description = "Limit the key to these permissions (within the user's).")
          List<String> scope,
      @Option(
              names = "--expires",
              paramLabel = "WHEN",
              description = "A duration (30m, 12h, 30d, 2w) from now, or an RFC 3339 time.")
          String expires,
      @Option(
              names = "--user",
              paramLabel = "U",
              description = "Create it for this user (needs key.admin).")
          String user) {
    return client.run(
        s -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("name", name);
          if (scope != null) {
            body.put("scope", scope);
          }
          if (expires != null) {
            body.put("expiresAt", expiresAt(expires).toString());
          }
          if (user != null) {
            body.put("user", user);
          }
          ApiClient.Response r = s.api().post("/api/v2/keys", body);
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          JsonNode k = r.json();
          s.out().println(k.path("secret").asText());
          s.err()
              .println(
                  "created key "
                      + k.path("id").asText()
                      + " for "
                      + k.path("user").asText()
                      + (k.hasNonNull("expiresAt")
                          ? ", expires " + s.times().atRelative(k.path("expiresAt").asText())
                          : "")
                      + "; store it now, it is not shown again");
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "revoke",
      description = "Revoke a key; it stops working at once.")
  int revoke(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<id>", description = "Key id (12 hex digits).") String id) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().delete("/api/v2/keys/" + ApiClient.segment(id));
          if (s.json()) {
            if (!r.body().isBlank()) {
              s.printRaw(r);
            }
          } else {
            s.out().println("revoked key " + id);
          }
          return ExitCodes.OK;
        });
  }

  /** {@code 30d} from now, or an RFC 3339 time with any offset, as a UTC instant. */
  static Instant expiresAt(String s) {
    Matcher m = RELATIVE.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
          };
      return clock.instant().plus(d).truncatedTo(ChronoUnit.SECONDS);
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new CliException(
          ExitCodes.USAGE,
          "--expires: '"
              + s
              + "' is neither a duration (30m, 12h, 30d, 2w) nor an RFC 3339 time"
              + " (2027-01-01T00:00:00Z)");
    }
  }

  private static String status(JsonNode k) {
    if (k.hasNonNull("revokedAt")) {
      return "revoked";
    }
    if (k.hasNonNull("expiresAt")) {
      try {
        if (!Instant.parse(k.path("expiresAt").asText()).isAfter(clock.instant())) {
          return "expired";
        }
      } catch (DateTimeParseException e) {
        return "?";
      }
    }
    return "active";
  }
}
