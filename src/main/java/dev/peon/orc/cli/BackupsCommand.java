package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code peon backups ...}: thin clients of {@code /api/v2/servers/{id}/backups} and {@code
 * .../backup-policy}. A backup is named by its id, a unique prefix of it, or {@code latest}.
 */
@Command(
    name = "backups",
    mixinStandardHelpOptions = true,
    description = "Back up, list, download, upload and restore a server's folder.")
public final class BackupsCommand implements Runnable {
  private static final Pattern FULL_ID = Pattern.compile("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}");
  private static final String BACKUP_LABEL = "<backup>";
  private static final String BACKUP_HELP = "Backup id, a unique prefix of it, or 'latest'.";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand");
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "List a server's backups, newest first.")
  int list(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.")
          String server) {
    return client.run(
        s -> {
          ApiClient.Response r = s.api().get(path(server));
          if (s.json()) {
            s.printRaw(r);
            return ExitCodes.OK;
          }
          Table t = Table.withHeader("ID", "CREATED", "SIZE", "FILES", "MODE", "ORIGIN", "LOCKED");
          for (JsonNode b : r.json().path("items")) {
            t.row(
                b.path("id").asText(),
                s.times().at(b.path("createdAt").asText(null)),
                size(b.path("size").asLong()),
                b.path("files").asLong(),
                b.path("consistency").asText(null),
                b.path("origin").asText(null),
                b.path("locked").asBoolean() ? "*" : "");
          }
          t.printOr(s, "no backups of " + server);
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "create",
      description = "Back up a server now and wait for the backup.")
  int create(
      @Mixin ClientOptions client,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.")
          String server) {
    return client.run(
        s -> {
          ApiClient.Response accepted = s.api().post(path(server), Map.of());
          return new OperationWaiter(s)
              .complete(
                  accepted,
                  noWait,
                  op -> {
                    JsonNode b = op.path("result");
                    s.out()
                        .println(
                            server
                                + ": backup "
                                + b.path("id").asText("?")
                                + " ("
                                + size(b.path("size").asLong())
                                + ", "
                                + b.path("files").asLong()
                                + " files, mode "
                                + b.path("consistency").asText("?")
                                + ")");
                    if (b.path("consistency").asText().equals("stop")) {
                      s.err()
                          .println(
                              "note: mode stop stops a running server while it is archived, which"
                                  + " disconnects its players; `peon backups policy "
                                  + server
                                  + " --mode pause` keeps them connected");
                    }
                  });
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "show",
      description = "Show one backup; with --manifest its files.")
  int show(
      @Mixin ClientOptions client,
      @Option(names = "--manifest", description = "List the files (needs server.secrets).")
          boolean manifest,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = BACKUP_LABEL, description = BACKUP_HELP)
          String backup) {
    return client.run(
        s -> {
          String bid = resolve(s, server, backup);
          if (manifest) {
            ApiClient.Response r = s.api().get(path(server) + "/" + bid + "/manifest");
            if (s.json()) {
              s.printRaw(r);
              return ExitCodes.OK;
            }
            Table t = Table.withHeader("TYPE", "SIZE", "SHA-256", "PATH");
            for (JsonNode e : r.json().path("entries")) {
              String type = e.path("type").asText();
              t.row(
                  type,
                  type.equals("file") ? e.path("size").asLong() : null,
                  e.path("sha256").asText(null),
                  e.path("path").asText()
                      + (e.hasNonNull("target") ? " -> " + e.path("target").asText() : ""));
            }
            t.print(s.out());
            return ExitCodes.OK;
          }
          ApiClient.Response r = s.api().get(path(server) + "/" + bid);
          if (s.json()) {
            s.printRaw(r);
          } else {
            printBackup(s, r.json());
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "delete",
      description = "Delete a backup (asks unless --yes).")
  int delete(
      @Mixin ClientOptions client,
      @Option(names = "--yes", description = "Do not ask.") boolean yes,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = BACKUP_LABEL, description = BACKUP_HELP)
          String backup) {
    return client.run(
        s -> {
          String bid = resolve(s, server, backup);
          if (!yes) {
            confirm(s, "Delete backup " + bid + " of " + server + "?");
          }
          try {
            s.api().delete(path(server) + "/" + bid);
          } catch (CliException e) {
            if (e.exitCode() == ExitCodes.CONFLICT) {
              List<String> lines = new ArrayList<>(e.lines());
              lines.add(
                  "  the backup is locked; unlock it first: peon backups unlock "
                      + server
                      + " "
                      + bid);
              throw new CliException(e.exitCode(), lines);
            }
            throw e;
          }
          if (!s.json()) {
            s.out().println("deleted backup " + bid + " of " + server);
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "lock",
      description = "Lock a backup: never pruned nor deleted.")
  int lock(
      @Mixin ClientOptions client,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = BACKUP_LABEL, description = BACKUP_HELP)
          String backup) {
    return client.run(s -> setLocked(s, server, backup, true));
  }

  @Command(mixinStandardHelpOptions = true, name = "unlock", description = "Unlock a backup.")
  int unlock(
      @Mixin ClientOptions client,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = BACKUP_LABEL, description = BACKUP_HELP)
          String backup) {
    return client.run(s -> setLocked(s, server, backup, false));
  }

  private static int setLocked(Session s, String server, String backup, boolean locked) {
    String bid = resolve(s, server, backup);
    ApiClient.Response r =
        s.api().post(path(server) + "/" + bid + (locked ? "/lock" : "/unlock"), null);
    if (s.json()) {
      s.printRaw(r);
    } else {
      s.out().println((locked ? "locked" : "unlocked") + " backup " + bid + " of " + server);
    }
    return ExitCodes.OK;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "download",
      description =
          "Download a backup's archive (holds config.json with secrets; needs server.secrets)."
              + " The SHA-256 is checked; a mismatch removes the file.")
  int download(
      @Mixin ClientOptions client,
      @Option(
              names = {"-o", "--output"},
              paramLabel = "FILE",
              description = "Where to write (default <server>-<backup>.tar.zst; - for stdout).")
          String output,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = BACKUP_LABEL, description = BACKUP_HELP)
          String backup) {
    return client.run(
        s -> {
          String bid = resolve(s, server, backup);
          Path target = Path.of(output == null ? server + "-" + bid + ".tar.zst" : output);
          ApiClient.Download d = s.api().download(path(server) + "/" + bid + "/download");
          String expected = d.header("X-Archive-Sha256");
          long total = d.length();
          Path part = target.resolveSibling(target.getFileName() + ".part");
          ProgressDisplay progress = new ProgressDisplay(s.err(), s.terminal().interactive());
          String actual;
          long written = 0;
          try (InputStream raw = d.body();
              DigestInputStream in = new DigestInputStream(raw, sha256());
              OutputStream out = Files.newOutputStream(ownerOnly(part))) {
            byte[] buf = new byte[1 << 16];
            int n;
            long shown = -1;
            while ((n = in.read(buf)) > 0) {
              out.write(buf, 0, n);
              written += n;
              if (written - shown >= (1 << 22) || written == total) {
                shown = written;
                progress.show(
                    total > 0 ? (int) (written * 100 / total) : null,
                    "downloading: " + size(written) + (total > 0 ? " of " + size(total) : ""));
              }
            }
            actual = HexFormat.of().formatHex(in.getMessageDigest().digest());
          } catch (IOException e) {
            deleteQuietly(part);
            throw new CliException(ExitCodes.FAILED, "download failed: " + e.getMessage());
          } finally {
            progress.finish();
          }
          if (total >= 0 && written != total) {
            deleteQuietly(part);
            throw new CliException(
                ExitCodes.FAILED,
                "download truncated: " + written + " of " + total + " bytes; file removed");
          }
          if (expected != null && !expected.equalsIgnoreCase(actual)) {
            deleteQuietly(part);
            throw new CliException(
                ExitCodes.FAILED,
                "SHA-256 mismatch: expected " + expected + ", got " + actual + "; file removed");
          }
          try {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
          } catch (IOException e) {
            deleteQuietly(part);
            throw new CliException(ExitCodes.FAILED, "cannot write " + target + ": " + e);
          }
          if (s.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", target.toString());
            m.put("size", written);
            m.put("sha256", actual);
            s.out().println(json(s, m));
          } else {
            s.out().println(target + " (" + size(written) + ", sha256 " + actual + ")");
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "upload",
      description = "Upload an archive made elsewhere (a .tar.zst).")
  int upload(
      @Mixin ClientOptions client,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = "FILE", description = "The archive.") Path file) {
    return client.run(
        s -> {
          if (!Files.isRegularFile(file)) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": no such file");
          }
          try {
            s.err().println("uploading " + file + " (" + size(Files.size(file)) + ")");
          } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + e);
          }
          s.err().flush();
          ApiClient.Response r = s.api().upload(path(server) + "/upload", file, "application/zstd");
          if (s.json()) {
            s.printRaw(r);
          } else {
            printBackup(s, r.json());
          }
          return ExitCodes.OK;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "restore",
      description =
          "Restore a backup: the server is stopped, its current state saved as a pre-restore"
              + " backup, then the backup swapped in. Asks unless --yes.")
  int restore(
      @Mixin ClientOptions client,
      @Option(
              names = "--path",
              paramLabel = "P",
              description = "Restore only this file or folder (repeatable).")
          List<String> paths,
      @Option(names = "--dry-run", description = "Show what would change; change nothing.")
          boolean dryRun,
      @Option(
              names = "--definition",
              description =
                  "Also restore the settings saved in the backup's config.json (values of"
                      + " existing settings, description; never image, ports or mounts); needs"
                      + " server.settings. Without it the definition stays as it is.")
          boolean definition,
      @Option(names = "--yes", description = "Do not ask.") boolean yes,
      @Option(names = "--no-wait", description = "Print the operation id and return.")
          boolean noWait,
      @Parameters(index = "0", paramLabel = "<server>", description = "Server id.") String server,
      @Parameters(index = "1", paramLabel = BACKUP_LABEL, description = BACKUP_HELP)
          String backup) {
    return client.run(
        s -> {
          String bid = resolve(s, server, backup);
          Map<String, Object> body = new LinkedHashMap<>();
          if (paths != null && !paths.isEmpty()) {
            body.put("paths", paths);
          }
          if (definition) {
            body.put("definition", true);
          }
          String restorePath = path(server) + "/" + bid + "/restore";
          if (dryRun) {
            body.put("dryRun", true);
            ApiClient.Response r = s.api().post(restorePath, body);
            if (s.json()) {
              s.printRaw(r);
              return ExitCodes.OK;
            }
            int count = 0;
            for (JsonNode c : r.json().path("changes")) {
              String sign =
                  switch (c.path("change").asText()) {
                    case "added" -> "+";
                    case "removed" -> "-";
                    case "unchecked" -> "?";
                    default -> "~";
                  };
              s.out().println(sign + " " + c.path("path").asText());
              count++;
            }
            s.err().println(count == 0 ? "no changes" : count + " changes");
            return ExitCodes.OK;
          }
          if (!yes) {
            confirm(
                s,
                "Restore "
                    + (body.containsKey("paths") ? String.join(", ", paths) + " from " : "")
                    + "backup "
                    + bid
                    + " into "
                    + server
                    + "? The server is stopped meanwhile.");
          }
          ApiClient.Response accepted = s.api().post(restorePath, body);
          return new OperationWaiter(s)
              .complete(
                  accepted,
                  noWait,
                  op ->
                      s.out()
                          .println(
                              server
                                  + ": restored "
                                  + bid
                                  + "; the state before is backup "
                                  + op.path("result").path("preRestoreBackup").asText("?")));
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "policy",
      description =
          "Show a server's backup policy; with options, change it (other fields are kept).")
  int policy(
      @Mixin ClientOptions client,
      @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.") String server,
      @Option(
              names = "--mode",
              paramLabel = "stop|pause|live",
              description = "How a running" + " server is kept still.")
          String mode,
      @Option(
              names = "--exclude",
              paramLabel = "GLOB",
              description = "Add an exclude pattern (repeatable).")
          List<String> excludes,
      @Option(names = "--clear-excludes", description = "Remove the current exclude patterns.")
          boolean clearExcludes,
      @Option(names = "--keep-last", paramLabel = "N", description = "Keep the last N (0: off).")
          Integer keepLast,
      @Option(names = "--keep-daily", paramLabel = "N", description = "Newest of N days (0: off).")
          Integer keepDaily,
      @Option(
              names = "--keep-weekly",
              paramLabel = "N",
              description = "Newest of N weeks (0: off).")
          Integer keepWeekly,
      @Option(
              names = "--keep-monthly",
              paramLabel = "N",
              description = "Newest of N months (0: off).")
          Integer keepMonthly,
      @Option(
              names = "--max-total",
              paramLabel = "SIZE",
              description = "Total size limit, e.g. 20G or 512M (0: off).")
          String maxTotal) {
    return client.run(
        s -> {
          String p = "/api/v2/servers/" + ApiClient.segment(server) + "/backup-policy";
          ApiClient.Response current = s.api().get(p);
          boolean change =
              mode != null
                  || (excludes != null && !excludes.isEmpty())
                  || clearExcludes
                  || keepLast != null
                  || keepDaily != null
                  || keepWeekly != null
                  || keepMonthly != null
                  || maxTotal != null;
          ApiClient.Response shown = current;
          if (change) {
            Map<String, Long> retention = new LinkedHashMap<>();
            putIf(retention, "keepLast", keepLast);
            putIf(retention, "keepDaily", keepDaily);
            putIf(retention, "keepWeekly", keepWeekly);
            putIf(retention, "keepMonthly", keepMonthly);
            if (maxTotal != null) {
              retention.put("maxTotalBytes", parseSize(maxTotal));
            }
            shown =
                s.api()
                    .put(p, policyBody(current.json(), mode, excludes, clearExcludes, retention));
          }
          if (s.json()) {
            s.printRaw(shown);
          } else {
            printPolicy(s, shown.json());
          }
          return ExitCodes.OK;
        });
  }

  /**
   * The PUT body: the current policy with the options applied (PUT replaces the whole policy, so
   * the fields not given are carried over). A retention value of 0 turns that rule off.
   */
  static Map<String, Object> policyBody(
      JsonNode cur,
      String mode,
      List<String> excludes,
      boolean clearExcludes,
      Map<String, Long> retention) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("mode", mode != null ? mode : cur.path("mode").asText("stop"));
    List<String> ex = new ArrayList<>();
    if (!clearExcludes) {
      cur.path("excludes").forEach(e -> ex.add(e.asText()));
    }
    if (excludes != null) {
      for (String e : excludes) {
        if (!ex.contains(e)) {
          ex.add(e);
        }
      }
    }
    body.put("excludes", ex);
    Map<String, Object> r = new LinkedHashMap<>();
    for (String k :
        List.of("keepLast", "keepDaily", "keepWeekly", "keepMonthly", "maxTotalBytes")) {
      JsonNode now = cur.path("retention").path(k);
      Long v = retention.containsKey(k) ? retention.get(k) : now.isNumber() ? now.asLong() : null;
      if (v != null && v != 0) {
        r.put(k, v);
      }
    }
    body.put("retention", r);
    return body;
  }

  // ------------------------------------------------------------------ helpers

  static String path(String server) {
    return "/api/v2/servers/" + ApiClient.segment(server) + "/backups";
  }

  /** An id as given, or the one id of the list that {@code given} is a prefix of, or the newest. */
  static String resolve(Session s, String server, String given) {
    if (FULL_ID.matcher(given).matches()) {
      return given;
    }
    JsonNode items = s.api().get(path(server)).json().path("items");
    if (given.equals("latest")) {
      if (items.isEmpty()) {
        throw new CliException(ExitCodes.NOT_FOUND, "no backups of " + server);
      }
      return items.get(0).path("id").asText();
    }
    List<String> matches = new ArrayList<>();
    for (JsonNode b : items) {
      String id = b.path("id").asText();
      if (id.startsWith(given)) {
        matches.add(id);
      }
    }
    if (matches.isEmpty()) {
      throw new CliException(ExitCodes.NOT_FOUND, "no backup of " + server + " matches " + given);
    }
    if (matches.size() > 1) {
      List<String> lines = new ArrayList<>();
      lines.add(given + " matches " + matches.size() + " backups of " + server + ":");
      matches.forEach(m -> lines.add("  " + m));
      throw new CliException(ExitCodes.USAGE, lines);
    }
    return matches.get(0);
  }

  private static void putIf(Map<String, Long> m, String key, Integer value) {
    if (value != null) {
      m.put(key, value.longValue());
    }
  }

  private static void confirm(Session s, String question) {
    if (!s.terminal().interactive()) {
      throw new CliException(
          ExitCodes.USAGE, "refusing without --yes when not interactive: " + question);
    }
    String answer = s.terminal().readLine(question + " [y/N] ");
    if (answer == null || !answer.strip().toLowerCase(Locale.ROOT).matches("y|yes")) {
      throw new CliException(ExitCodes.USAGE, "not confirmed; nothing changed");
    }
  }

  private static void printBackup(Session s, JsonNode b) {
    Table.keyValues()
        .row("id", b.path("id").asText())
        .row("server", b.path("server").asText(null))
        .row("created", s.times().atRelative(b.path("createdAt").asText(null)))
        .row("finished", s.times().at(b.path("finishedAt").asText(null)))
        .row("size", size(b.path("size").asLong()) + " (" + b.path("size").asLong() + " bytes)")
        .row(
            "content",
            size(b.path("contentSize").asLong()) + " in " + b.path("files").asLong() + " files")
        .row("sha256", b.path("sha256").asText(null))
        .row("mode", b.path("consistency").asText(null))
        .row("origin", b.path("origin").asText(null))
        .row("locked", b.path("locked").asBoolean() ? "yes" : "no")
        .print(s.out());
  }

  private static void printPolicy(Session s, JsonNode p) {
    JsonNode r = p.path("retention");
    List<String> ex = new ArrayList<>();
    p.path("excludes").forEach(e -> ex.add(e.asText()));
    Table.keyValues()
        .row("mode", p.path("mode").asText(null))
        .row("excludes", ex.isEmpty() ? "none" : String.join(" ", ex))
        .row("keep last", r.path("keepLast").asText(null))
        .row("keep daily", r.path("keepDaily").asText(null))
        .row("keep weekly", r.path("keepWeekly").asText(null))
        .row("keep monthly", r.path("keepMonthly").asText(null))
        .row(
            "max total",
            r.path("maxTotalBytes").isNumber() ? size(r.path("maxTotalBytes").asLong()) : null)
        .print(s.out());
  }

  /** {@code 512M}, {@code 20G}, {@code 1.5T}, plain bytes; 0 means no limit. */
  static long parseSize(String text) {
    String t = text.strip().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
    long unit = 1;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'K' -> unit = 1L << 10;
        case 'M' -> unit = 1L << 20;
        case 'G' -> unit = 1L << 30;
        case 'T' -> unit = 1L << 40;
        default -> unit = 1;
      }
    }
    String number = unit == 1 ? t : t.substring(0, t.length() - 1);
    try {
      double v = Double.parseDouble(number);
      if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
        throw new NumberFormatException();
      }
      return Math.round(v * unit);
    } catch (NumberFormatException e) {
      throw new CliException(
          ExitCodes.USAGE, "--max-total: not a size: '" + text + "' (e.g. 20G, 512M)");
    }
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Creates {@code p} afresh, readable by the user only where the file system has POSIX modes: an
   * archive holds the server's secrets.
   */
  private static Path ownerOnly(Path p) throws IOException {
    Files.deleteIfExists(p);
    try {
      Files.createFile(
          p,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(p);
    }
    return p;
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // best effort
    }
  }

  private static String json(Session s, Object value) {
    try {
      return s.api().mapper().writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
