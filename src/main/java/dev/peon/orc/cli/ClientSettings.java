package dev.peon.orc.cli;

import dev.peon.orc.config.Secret;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;

/**
 * Where the orchestrator is and which key to present. Resolved from, later wins: defaults ({@value
 * #DEFAULT_URL}, {@code data/api-key} in the working folder) &lt; config file &lt; environment &lt;
 * flags.
 *
 * @param apiKey null when no source gave one
 */
record ClientSettings(URI url, Secret apiKey) {
  static final String DEFAULT_URL = "http://127.0.0.1:5000";
  private static final java.util.Set<PosixFilePermission> OWNER =
      PosixFilePermissions.fromString("rw-------");
  private static final java.util.Set<PosixFilePermission> OWNER_DIR =
      PosixFilePermissions.fromString("rwx------");

  /**
   * What the command line said; any field may be null.
   *
   * @param configMayBeMissing a named config file that does not exist yet reads as empty ({@code
   *     peon login} creates it)
   */
  record Flags(
      String url, String apiKey, Path apiKeyFile, Path configFile, boolean configMayBeMissing) {
    Flags(String url, String apiKey, Path apiKeyFile, Path configFile) {
      this(url, apiKey, apiKeyFile, configFile, false);
    }
  }

  static ClientSettings resolve(Flags flags, Map<String, String> env, Path workDir, Path home) {
    Properties file =
        flags.configMayBeMissing()
                && flags.configFile() != null
                && !Files.exists(flags.configFile())
            ? new Properties()
            : readConfig(flags.configFile(), home);
    String url = first(flags.url(), env.get("PEON_URL"), file.getProperty("url"), DEFAULT_URL);
    String key = flags.apiKey();
    if (key == null && flags.apiKeyFile() != null) {
      key = readKey(flags.apiKeyFile(), true);
    }
    if (key == null) {
      key = first(env.get("PEON_API_KEY"), file.getProperty("api-key"));
    }
    if (key == null) {
      key = readKey(workDir.resolve("data").resolve("api-key"), false);
    }
    return new ClientSettings(parseUrl(url), blankToNull(key) == null ? null : new Secret(key));
  }

  /** The CLI properties file: the one named, or {@code ~/.config/peon/cli.properties}. */
  static Path configPath(Path explicit, Path home) {
    return explicit != null ? explicit : home.resolve(".config/peon/cli.properties");
  }

  /**
   * Changes properties of the config file (a null value removes one), keeping the others. The file
   * is written whole, readable by its owner only (0600, its new folders 0700), then moved into
   * place, so that a key is never readable by others, not even for a moment.
   */
  static void store(Path file, Map<String, String> changes) {
    Properties p = new Properties();
    try {
      if (Files.isRegularFile(file)) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          p.load(r);
        }
      }
      changes.forEach(
          (k, v) -> {
            if (v == null) {
              p.remove(k);
            } else {
              p.setProperty(k, v);
            }
          });
      Path dir = file.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
      }
      Path tmp =
          Files.createTempFile(dir, ".cli-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER));
      try {
        try (java.io.Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
          p.store(w, "peon CLI settings");
        }
        Files.move(
            tmp,
            file,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "cannot write config file " + file + ": " + e);
    }
  }

  /** One property of the config file, or null. */
  static String property(Path file, String name) {
    return Files.isRegularFile(file) ? readConfig(file, null).getProperty(name) : null;
  }

  private static Properties readConfig(Path explicit, Path home) {
    Path path = configPath(explicit, home);
    Properties p = new Properties();
    if (explicit == null && !Files.isRegularFile(path)) {
      return p;
    }
    try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, "cannot read config file " + path + ": " + e);
    }
    return p;
  }

  private static String readKey(Path path, boolean required) {
    if (!required && !Files.isRegularFile(path)) {
      return null;
    }
    try {
      return blankToNull(Files.readString(path, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      throw new CliException(ExitCodes.USAGE, "cannot read API key file " + path + ": " + e);
    }
  }

  private static URI parseUrl(String raw) {
    String trimmed = raw.trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    try {
      URI uri = new URI(trimmed);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new URISyntaxException(raw, "must be an http:// or https:// URL with a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new CliException(ExitCodes.USAGE, "invalid --url " + raw + ": " + e.getReason());
    }
  }

  private static String first(String... values) {
    for (String v : values) {
      if (blankToNull(v) != null) {
        return v.trim();
      }
    }
    return null;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
