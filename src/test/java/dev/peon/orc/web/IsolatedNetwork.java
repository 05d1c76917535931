package dev.peon.orc.web;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network namespace of its own for the browser, joined to the host by one veth pair.
 *
 * <p>Chromium aborts every request in flight ({@code ERR_NETWORK_CHANGED}) whenever an interface
 * address of its network namespace changes, and a dockerd creating and removing networks and
 * containers (ours, or other test runs on a shared engine) changes them many times a minute. In a
 * namespace of its own the browser sees only its loopback and its end of the pair. Needs root and
 * iproute2; {@link #create()} answers null when that is not possible, and the browser then runs in
 * the host's namespace.
 */
final class IsolatedNetwork implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IsolatedNetwork.class);

  final String name;

  /** The host's end: the orchestrator listens here, the browser connects here. */
  final String hostAddress;

  /** The namespace's end: chromedriver listens here. */
  final String namespaceAddress;

  private IsolatedNetwork(String name, String hostAddress, String namespaceAddress) {
    this.name = name;
    this.hostAddress = hostAddress;
    this.namespaceAddress = namespaceAddress;
  }

  static IsolatedNetwork create() {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    String name = "pw" + HexFormat.of().formatHex(b);
    int third = 1 + Byte.toUnsignedInt(b[0]) % 250;
    int fourth = 4 * (Byte.toUnsignedInt(b[1]) % 60);
    String host = "10.251." + third + "." + (fourth + 1);
    String ns = "10.251." + third + "." + (fourth + 2);
    IsolatedNetwork n = new IsolatedNetwork(name, host, ns);
    try {
      run("ip", "netns", "add", name);
      run("ip", "link", "add", name + "h", "type", "veth", "peer", "name", name + "n");
      run("ip", "link", "set", name + "n", "netns", name);
      run("ip", "addr", "add", host + "/30", "dev", name + "h");
      run("ip", "link", "set", name + "h", "up");
      run("ip", "netns", "exec", name, "ip", "addr", "add", ns + "/30", "dev", name + "n");
      run("ip", "netns", "exec", name, "ip", "link", "set", name + "n", "up");
      run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
      return n;
    } catch (IOException | RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("reason", e.toString())
          .log("no network namespace for the browser; it shares the host's");
      n.close();
      return null;
    }
  }

  /** The command line to run {@code command} inside the namespace. */
  List<String> exec(String... command) {
    List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", name));
    c.addAll(List.of(command));
    return c;
  }

  @Override
  public void close() {
    try {
      run("ip", "link", "del", name + "h");
    } catch (IOException | RuntimeException e) {
      // not created, or gone with the namespace
    }
    try {
      run("ip", "netns", "del", name);
    } catch (IOException | RuntimeException e) {
      // not created
    }
  }

  private static void run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", command));
      }
      String out = new String(p.getInputStream().readAllBytes());
      if (p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + ": " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
