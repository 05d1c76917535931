package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code peon login}: signs in with a name and password, makes a personal API key for this machine
 * and keeps it (with the URL) in the CLI config file, readable by its owner only. The password is
 * used for this one sign-in and never stored.
 */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    description = {
      "Sign in with your name and password, create a personal API key for this machine and save"
          + " it (with --url) in the CLI config file (mode 0600), so that later commands need no"
          + " key.",
      "The password is asked without echo, or read from standard input with --password-stdin."
    })
public final class LoginCommand implements Callable<Integer> {
  static final String KEY = "api-key";
  static final String KEY_ID = "api-key-id";

  @Mixin ClientOptions client;

  @Option(names = "--name", paramLabel = "USER", description = "Your user name (else asked).")
  String name;

  @Option(
      names = "--password-stdin",
      description = "Read the password from the first line of standard input.")
  boolean passwordStdin;

  @Option(
      names = "--key-name",
      paramLabel = "TEXT",
      description = "What to call the key (default: cli <hostname>).")
  String keyName;

  @Option(
      names = "--print-key",
      description = "Also print the new key once on standard output (for other machines).")
  boolean printKey;

  @Override
  public Integer call() {
    client.configMayBeMissing = true;
    return client.run(
        s -> {
          String user = name;
          if (user == null) {
            if (!s.terminal().interactive()) {
              throw new CliException(ExitCodes.USAGE, "give --name when not at a terminal");
            }
            user = s.terminal().readLine("Name: ");
            if (user == null || user.isBlank()) {
              throw new CliException(ExitCodes.USAGE, "no name given");
            }
            user = user.strip();
          }
          char[] password = Passwords.readOnce(s, passwordStdin);
          ApiClient browser;
          try {
            browser = s.api().login(user, password);
          } finally {
            Arrays.fill(password, '\0');
          }
          JsonNode key;
          try {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", keyName != null ? keyName : defaultKeyName());
            key = browser.post("/api/v2/keys", body).json();
          } finally {
            closeQuietly(browser);
          }
          Path config = client.configPath();
          String oldKey = ClientSettings.property(config, KEY);
          String oldId = ClientSettings.property(config, KEY_ID);
          Map<String, String> changes = new LinkedHashMap<>();
          changes.put("url", s.api().base().toString());
          changes.put(KEY, key.path("secret").asText());
          changes.put(KEY_ID, key.path("id").asText());
          ClientSettings.store(config, changes);
          if (oldKey != null && oldId != null && !oldId.equals(key.path("id").asText())) {
            revokeQuietly(s.api(), oldKey, oldId); // the key this one replaces
          }
          if (printKey) {
            s.out().println(key.path("secret").asText());
          }
          s.err()
              .println(
                  "signed in as "
                      + user
                      + " at "
                      + s.api().base()
                      + "; key "
                      + key.path("id").asText()
                      + " ("
                      + key.path("name").asText()
                      + ") saved in "
                      + config);
          return ExitCodes.OK;
        });
  }

  /** "cli myhost": key names allow letters, digits, spaces and _.- only. */
  static String defaultKeyName() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "unknown";
      }
    }
    String clean = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]", "-");
    String name = "cli " + clean;
    return name.length() <= 64 ? name : name.substring(0, 64);
  }

  private static void revokeQuietly(ApiClient api, String key, String id) {
    try {
      new ApiClient(api.base(), new dev.peon.orc.config.Secret(key))
          .delete("/api/v2/keys/" + ApiClient.segment(id));
    } catch (CliException e) {
      // already revoked or expired, or another orchestrator's: nothing to clean up
    }
  }

  private static void closeQuietly(ApiClient browser) {
    try {
      browser.post("/api/v2/logout", null);
    } catch (CliException e) {
      // the session expires by itself; the key is what matters
    }
  }
}
