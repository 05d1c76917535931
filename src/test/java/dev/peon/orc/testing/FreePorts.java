package dev.peon.orc.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** A free TCP port in a high range, for plans and servers of integration tests. */
public final class FreePorts {
  private FreePorts() {}

  public static int any() throws IOException {
    for (int i = 0; i < 100; i++) {
      int p = 40000 + (int) (Math.random() * 20000);
      try (ServerSocket s = new ServerSocket(p)) {
        return p;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no free port");
  }
}
