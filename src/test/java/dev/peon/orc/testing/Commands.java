package dev.peon.orc.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a fixed command line of a test (never user data) and collects its output. */
public final class Commands {
  private Commands() {}

  /** Exit code ({@code -1} when it outlived {@code limit}) and stdout with stderr merged. */
  public record Result(int code, String output) {}

  public static Result run(Duration limit, String... command) {
    return run(limit, Map.of(), command);
  }

  /** Runs with {@code env} added to the environment. */
  public static Result run(Duration limit, Map<String, String> env, String... command) {
    try {
      ProcessBuilder b = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
      b.environment().putAll(env);
      Process p = b.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Result(-1, new String(out, StandardCharsets.UTF_8));
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
