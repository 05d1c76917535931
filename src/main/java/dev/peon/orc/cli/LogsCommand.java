package dev.peon.orc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code peon logs <server> [-n N] [--since T] [-f] [--all]}. {@code -f} follows over the console
 * WebSocket (watch only), so it ends when the server stops.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Print a server's recent console lines; -f follows until the server stops.")
public final class LogsCommand implements Callable<Integer> {
  private static final Pattern DURATION = Pattern.compile("([0-9]+)([smhd])");

  @Mixin ClientOptions client;

  @Parameters(paramLabel = "<server>", description = "Server id <game>.<name>.")
  String server;

  @Option(
      names = {"-n", "--lines"},
      paramLabel = "N",
      defaultValue = "100",
      description = "How many of the last lines, 1-1000 (default: ${DEFAULT-VALUE}).")
  int lines;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines (over the console WebSocket) until the server stops.")
  boolean follow;

  @Option(
      names = "--since",
      paramLabel = "T",
      description = "Only lines after an RFC 3339 time or a duration ago (10m, 2h, 1d).")
  String since;

  @Option(names = "--all", description = "The whole container log (log download), as text.")
  boolean all;

  @Option(names = "--timestamps", description = "Prefix each line with its time.")
  boolean timestamps;

  @Override
  public Integer call() {
    return client.run(
        s -> {
          if (lines < 1 || lines > 1000) {
            throw new CliException(ExitCodes.USAGE, "--lines must be from 1 to 1000");
          }
          String base = "/api/v2/servers/" + ApiClient.segment(server) + "/logs";
          if (all) {
            return download(s, base + "/download");
          }
          if (follow && since == null) {
            return ConsoleSocket.follow(s, server, lines, timestamps, null);
          }
          String q = "?lines=" + lines;
          if (since != null) {
            q += "&since=" + ApiClient.query(parseSince(since, Instant.now()).toString());
          }
          ApiClient.Response r = s.api().get(base + q);
          if (s.json()) {
            s.printRaw(r);
          } else {
            for (JsonNode l : r.json().path("items")) {
              s.out()
                  .println(
                      (timestamps ? l.path("time").asText() + " " : "") + l.path("text").asText());
            }
          }
          if (follow) {
            s.out().flush();
            return ConsoleSocket.follow(s, server, 0, timestamps, null);
          }
          return ExitCodes.OK;
        });
  }

  private static int download(Session s, String path) {
    ApiClient.Download d = s.api().download(path);
    PrintWriter out = s.out();
    try (InputStream in = d.body()) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "log download failed: " + e.getMessage());
    }
    out.flush();
    return ExitCodes.OK;
  }

  /** An RFC 3339 time, or a duration ({@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}) ago. */
  static Instant parseSince(String text, Instant now) {
    Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
      return now.minus(d);
    }
    try {
      return Instant.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new CliException(
          ExitCodes.USAGE, "--since: not an RFC 3339 time or a duration like 10m: " + text);
    }
  }
}
