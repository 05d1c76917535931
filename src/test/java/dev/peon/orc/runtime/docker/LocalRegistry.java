package dev.peon.orc.runtime.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A distribution registry (v2) on a free 127.0.0.1 port, run from {@code /usr/bin/docker-registry}
 * with storage under a given folder. Docker trusts 127.0.0.0/8 registries over plain HTTP, so
 * images pushed with {@link TestImages#tagAndPush} can be pulled as {@code
 * 127.0.0.1:<port>/<repository>:<tag>}.
 */
public final class LocalRegistry implements AutoCloseable {
  private static final Path BINARY = Path.of("/usr/bin/docker-registry");
  private static final Duration STARTUP = Duration.ofSeconds(15);

  private final Process process;
  private final int port;

  private LocalRegistry(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts a registry storing into {@code folder} and waits until {@code GET /v2/} answers. */
  public static LocalRegistry start(Path folder) {
    try {
      Files.createDirectories(folder);
      int port = freePort();
      Path config = folder.resolve("config.yml");
      Files.writeString(config, config(folder.resolve("storage"), port));
      Process process =
          new ProcessBuilder(List.of(BINARY.toString(), "serve", config.toString()))
              .redirectErrorStream(true)
              .redirectOutput(folder.resolve("registry.log").toFile())
              .start();
      var registry = new LocalRegistry(process, port);
      registry.awaitReady(folder.resolve("registry.log"));
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + BINARY, e);
    }
  }

  /** {@code 127.0.0.1:<port>}, the registry part of image references. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** A free local port nothing listens on (at the time of asking). */
  public static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void awaitReady(Path log) throws IOException {
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    var request =
        HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/"))
            .timeout(Duration.ofSeconds(1))
            .build();
    Instant deadline = Instant.now().plus(STARTUP);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "registry exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while waiting for the registry", e);
      }
      pause();
    }
    close();
    throw new IllegalStateException(
        "registry did not answer on " + address() + " within " + STARTUP);
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String config(Path storage, int port) {
    return """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        """
        .formatted(storage, port);
  }
}
