package dev.peon.orc.runtime.docker;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Run in a separate JVM with a small heap by {@link LogDownloadIT}: reads a container's whole log,
 * either streamed ({@code stream}) or collected into a list ({@code list}), and prints the number
 * of lines. Started with {@code -XX:+ExitOnOutOfMemoryError}: running out of heap ends the JVM.
 */
public final class LogDrain {
  private LogDrain() {}

  public static void main(String[] args) {
    String host = args[0];
    String container = args[1];
    boolean stream = args[2].equals("stream");
    try (var runtime = new DockerContainerRuntime(host)) {
      long count;
      if (stream) {
        var lines = new AtomicLong();
        runtime.logs(container, null, 0, l -> lines.incrementAndGet());
        count = lines.get();
      } else {
        count = runtime.logs(container, null, 0).size();
      }
      System.out.println("lines=" + count);
    }
    System.exit(0);
  }
}
