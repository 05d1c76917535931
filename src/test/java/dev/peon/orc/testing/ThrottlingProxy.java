package dev.peon.orc.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy on a free loopback port that forwards to {@code 127.0.0.1:target} and slows the
 * answers down to about {@code bytesPerSecond}: a slow registry for pull-progress tests. Requests
 * go through unthrottled.
 */
public final class ThrottlingProxy implements AutoCloseable {
  private static final int CHUNK = 16 * 1024;
  private final ServerSocket listener;
  private final int target;
  private final long bytesPerSecond;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  private ThrottlingProxy(ServerSocket listener, int target, long bytesPerSecond) {
    this.listener = listener;
    this.target = target;
    this.bytesPerSecond = bytesPerSecond;
  }

  public static ThrottlingProxy start(int target, long bytesPerSecond) throws IOException {
    ThrottlingProxy p =
        new ThrottlingProxy(
            new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), target, bytesPerSecond);
    p.threads.submit(p::accept);
    return p;
  }

  /** {@code 127.0.0.1:<port>}, the registry part of image references pulled through the proxy. */
  public String address() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        open.add(client);
        open.add(upstream);
        threads.submit(() -> pump(client, upstream, false));
        threads.submit(() -> pump(upstream, client, true));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, boolean throttled) {
    byte[] buf = new byte[CHUNK];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
        if (throttled) {
          // the pause that makes the pace, not a wait for anything
          Thread.sleep(Math.max(1, n * 1000L / bytesPerSecond));
        }
      }
    } catch (IOException e) {
      // one side closed: close the other below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    open.forEach(ThrottlingProxy::closeQuietly);
    threads.shutdownNow();
  }
}
