package dev.peon.orc.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.app.Application;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.runtime.ContainerInfo;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.docker.DockerContainerRuntime;
import dev.peon.orc.runtime.docker.TestDocker;
import dev.peon.orc.runtime.docker.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The backup benchmark behind {@code bench/backup.sh}: builds a 1 GiB mixed fixture (random,
 * incompressible world-like files and a compressible install), then measures (1) the archive format
 * alone at a few zstd settings and (2) backup and restore through the HTTP API of a real
 * orchestrator on a real dockerd, with the time the server is unavailable during a stop and a pause
 * backup. Prints the figures as Markdown.
 */
public final class BackupBench {
  private static final String KEY = "bench-key-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = 1 << 20;
  private final HttpClient http = HttpClient.newHttpClient();
  private String base;

  public static void main(String[] args) throws Exception {
    new BackupBench().run(args.length > 0 ? Long.parseLong(args[0]) : 1024);
  }

  private void run(long totalMib) throws Exception {
    Path root = Files.createTempDirectory("peon-backup-bench");
    DockerContainerRuntime docker = new DockerContainerRuntime(TestDocker.host());
    Application app = null;
    try {
      Path fixture = root.resolve("fixture");
      long bytes = fixture(fixture, totalMib);
      System.out.printf(
          Locale.ROOT,
          "fixture: %d MiB (%d MiB world-like random files, %d MiB compressible install), %d cores%n%n",
          bytes / MIB,
          totalMib / 2,
          totalMib / 2,
          Runtime.getRuntime().availableProcessors());
      archiveOnly(fixture, root.resolve("archive-only"), bytes);

      Path data = root.resolve("data");
      BackupIT.writePlan(
          root.resolve("plans"), "benchgame", TestImages.fakeGame(), BackupIT.freePort());
      app =
          Application.start(
              new ConfigLoader()
                  .load(
                      null,
                      Map.of(),
                      Map.of(
                          "listen.host",
                          "127.0.0.1",
                          "listen.port",
                          "0",
                          "data.dir",
                          data.toString(),
                          "plans.source",
                          root.resolve("plans").toString(),
                          "api.key",
                          KEY,
                          "stop.timeout",
                          "5s",
                          "network.subnet.pool",
                          "10.221.8.0/22",
                          "docker.host",
                          TestDocker.host())),
              Clock.systemUTC());
      base = "http://127.0.0.1:" + app.port();
      String server = "benchgame.b1";
      op("POST", "/api/v2/servers", "{\"game\": \"benchgame\", \"name\": \"b1\"}");
      Path dir = data.resolve("servers/benchgame/b1");
      Files.move(fixture.resolve("data/install"), dir.resolve("data/install"));
      Files.move(fixture.resolve("user/worlds"), dir.resolve("user/worlds"));
      op("POST", "/api/v2/servers/" + server + "/power", "{\"action\": \"start\"}");

      System.out.println("## Through the HTTP API (operation created -> finished)");
      System.out.println();
      System.out.println("| what | time | throughput | notes |");
      System.out.println("|---|---|---|---|");
      for (String mode : List.of("live", "stop", "pause", "stop+exclude")) {
        boolean exclude = mode.endsWith("+exclude");
        call(
            "PUT",
            "/api/v2/servers/" + server + "/backup-policy",
            "{\"mode\": \""
                + mode.replace("+exclude", "")
                + "\""
                + (exclude ? ", \"excludes\": [\"data/install\"]" : "")
                + "}");
        Window w = new Window(docker, "peon.warcamp." + server);
        JsonNode o = op("POST", "/api/v2/servers/" + server + "/backups", "{}");
        w.stop();
        double s = seconds(o);
        JsonNode result = o.get("result");
        long content = result.get("contentSize").asLong();
        System.out.printf(
            Locale.ROOT,
            "| backup, %s | %.2f s | %.0f MB/s | archive %d MiB, ratio %.2f%s |%n",
            exclude ? "stop mode, install excluded (world only)" : mode + " mode",
            s,
            content / s / 1e6,
            result.get("size").asLong() / MIB,
            (double) content / result.get("size").asLong(),
            w.describe());
      }
      call("PUT", "/api/v2/servers/" + server + "/backup-policy", "{\"mode\": \"live\"}");
      // the newest backup holding the whole fixture (the last one excluded the install)
      String id =
          call("GET", "/api/v2/servers/" + server + "/backups", null)
              .get("items")
              .get(1)
              .get("id")
              .asText();
      op("POST", "/api/v2/servers/" + server + "/power", "{\"action\": \"stop\"}");
      JsonNode r = op("POST", "/api/v2/servers/" + server + "/backups/" + id + "/restore", "{}");
      JsonNode t = r.get("result").get("timings");
      long content =
          call("GET", "/api/v2/servers/" + server + "/backups/" + id, null)
              .get("contentSize")
              .asLong();
      double extract = t.get("extractMs").asLong() / 1000.0;
      System.out.printf(
          Locale.ROOT,
          "| restore (extract + verify + swap) | %.2f s | %.0f MB/s | whole operation %.2f s, of which the automatic pre-restore backup %.2f s |%n",
          extract + t.get("swapMs").asLong() / 1000.0,
          content / (extract + t.get("swapMs").asLong() / 1000.0) / 1e6,
          seconds(r),
          t.get("preRestoreMs").asLong() / 1000.0);
    } finally {
      if (app != null) {
        app.close();
      }
      for (ContainerInfo c : docker.list(Map.of("dev.peon.game", "benchgame"))) {
        docker.remove(c.name());
      }
      for (String n : docker.listNetworks(Map.of("dev.peon.managed", "true"))) {
        if (n.startsWith("benchgame_")) {
          docker.removeNetwork(n);
        }
      }
      docker.close();
      FileTrees.deleteTree(root);
    }
  }

  /** Half random files of 256 KiB to 4 MiB (worlds, saves), half text-like install files. */
  private static long fixture(Path dir, long totalMib) throws IOException {
    SplittableRandom r = new SplittableRandom(2026);
    Path world = Files.createDirectories(dir.resolve("user/worlds"));
    Path install = Files.createDirectories(dir.resolve("data/install"));
    long half = totalMib * MIB / 2;
    long written = 0;
    int i = 0;
    while (written < half) {
      int size = (int) Math.min(half - written, (256 << 10) << r.nextInt(5));
      byte[] b = new byte[size];
      r.nextBytes(b);
      Files.write(world.resolve("region-" + i++ + ".dat"), b);
      written += size;
    }
    String[] words = {
      "server", "texture", "vertex", "0x7f3a", "player", "shader", "config", "asset", "level", "{",
      "}", "=", "true", "false", "null", "mesh", "bone", "anim", "sound", "map"
    };
    long installed = 0;
    int j = 0;
    while (installed < half) {
      long size = Math.min(half - installed, 16 * MIB);
      try (OutputStream out =
          new java.io.BufferedOutputStream(
              Files.newOutputStream(install.resolve("pak-" + j++ + ".txt")), 1 << 20)) {
        long n = 0;
        StringBuilder line = new StringBuilder();
        while (n < size) {
          line.setLength(0);
          for (int w = 0; w < 12; w++) {
            line.append(words[r.nextInt(words.length)]).append(r.nextInt(1000)).append(' ');
          }
          line.append('\n');
          byte[] b = line.toString().getBytes(StandardCharsets.US_ASCII);
          int k = (int) Math.min(b.length, size - n);
          out.write(b, 0, k);
          n += k;
        }
      }
      installed += size;
    }
    return written + installed;
  }

  private static void archiveOnly(Path fixture, Path out, long bytes) throws IOException {
    Files.createDirectories(out);
    System.out.println("## Archive format alone (write to a file + fsync; read + verify)");
    System.out.println();
    System.out.println("| zstd level | workers | write | read + verify | ratio |");
    System.out.println("|---|---|---|---|---|");
    int cores = Runtime.getRuntime().availableProcessors();
    for (int[] lw : new int[][] {{1, 0}, {1, cores}, {3, 0}, {3, cores}}) {
      BackupArchive a = new BackupArchive(lw[0], lw[1]);
      Path file = out.resolve("bench.tar.zst");
      long t0 = System.nanoTime();
      BackupArchive.Written w;
      try (var ch =
              java.nio.channels.FileChannel.open(
                  file,
                  java.nio.file.StandardOpenOption.CREATE,
                  java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                  java.nio.file.StandardOpenOption.WRITE);
          OutputStream o =
              new java.io.BufferedOutputStream(
                  java.nio.channels.Channels.newOutputStream(ch), 1 << 20)) {
        w =
            a.write(
                fixture,
                p -> false,
                new BackupArchive.Header(
                    "b.b", "x", "bench", "live", Instant.now(), List.of(), null),
                Clock.systemUTC(),
                o,
                (d, t) -> {});
        o.flush();
        ch.force(true);
      }
      double ws = (System.nanoTime() - t0) / 1e9;
      long t1 = System.nanoTime();
      try (var in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
        a.read(in, null, p -> false);
      }
      double rs = (System.nanoTime() - t1) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "| %d | %d | %.0f MB/s | %.0f MB/s | %.2f |%n",
          lw[0],
          lw[1],
          bytes / ws / 1e6,
          bytes / rs / 1e6,
          (double) bytes / w.digest().size());
      Files.delete(file);
    }
    System.out.println();
  }

  private static double seconds(JsonNode op) {
    return Duration.between(
                Instant.parse(op.get("createdAt").asText()),
                Instant.parse(op.get("finishedAt").asText()))
            .toMillis()
        / 1000.0;
  }

  /** Polls the container every 5 ms: how long it was not running, and how long paused. */
  private static final class Window {
    private final AtomicBoolean done = new AtomicBoolean();
    private final Thread thread;
    private volatile long downNanos;
    private volatile long pausedNanos;

    Window(DockerContainerRuntime docker, String name) {
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    long last = System.nanoTime();
                    while (!done.get()) {
                      ContainerState s =
                          docker.inspect(name).map(ContainerInfo::state).orElse(null);
                      long now = System.nanoTime();
                      if (s != ContainerState.RUNNING) {
                        downNanos += now - last;
                      }
                      if (s == ContainerState.PAUSED) {
                        pausedNanos += now - last;
                      }
                      last = now;
                      try {
                        Thread.sleep(5);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
    }

    void stop() throws InterruptedException {
      done.set(true);
      thread.join();
    }

    String describe() {
      if (downNanos == 0) {
        return "; server never left running";
      }
      return String.format(
          Locale.ROOT,
          "; server not running for %.2f s%s",
          downNanos / 1e9,
          pausedNanos > 0 ? String.format(Locale.ROOT, " (paused %.2f s)", pausedNanos / 1e9) : "");
    }
  }

  private JsonNode op(String method, String path, String body) throws Exception {
    JsonNode accepted = call(method, path, body);
    String id = accepted.get("id").asText();
    while (true) {
      JsonNode o = call("GET", "/api/v2/operations/" + id, null);
      String s = o.get("status").asText();
      if (s.equals("succeeded")) {
        return o;
      }
      if (s.equals("failed")) {
        throw new IllegalStateException("operation failed: " + o);
      }
      Thread.sleep(20);
    }
  }

  private JsonNode call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("X-Api-Key", KEY)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(
          method + " " + path + " -> " + r.statusCode() + " " + r.body());
    }
    return r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
  }
}
