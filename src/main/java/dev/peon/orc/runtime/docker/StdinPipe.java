package dev.peon.orc.runtime.docker;

import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.RuntimeFailure;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The stdin of an attach: writers queue lines, the attach's copier thread reads them as an {@link
 * InputStream}. A bounded queue instead of piped streams, which break when a writing thread ends.
 */
final class StdinPipe extends InputStream implements ContainerRuntime.StdinWriter {
  private static final byte[] EOF = new byte[0];
  private static final int QUEUE = 1024;

  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(QUEUE);
  private volatile boolean open = true;
  private volatile Runnable onClose = () -> {};
  private byte[] current;
  private int position;

  void onClose(Runnable action) {
    this.onClose = action;
  }

  @Override
  public void writeLine(String line) {
    if (!open) {
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "stdin is closed");
    }
    if (!chunks.offer((line + "\n").getBytes(StandardCharsets.UTF_8))) {
      throw new RuntimeFailure(RuntimeFailure.Kind.OTHER, "stdin is not accepting input");
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** Marks the pipe closed (the attach ended) without waiting for readers. */
  void ended() {
    if (open) {
      open = false;
      chunks.clear();
      chunks.offer(EOF);
    }
  }

  @Override
  public void close() {
    boolean was = open;
    ended();
    if (was) {
      onClose.run();
    }
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (current == null || position >= current.length) {
      try {
        current = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
      position = 0;
      if (current == EOF) {
        chunks.offer(EOF);
        return -1;
      }
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current, position, b, off, n);
    position += n;
    return n;
  }
}
