package dev.peon.orc.game;

import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.runtime.LogLine;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.server.ServerId;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one probe against a server's host-published ports on the loopback address (published host
 * port = container port) or against its container log. Blocking I/O, meant for virtual threads.
 */
public final class ProbeRunner implements Prober {
  private static final int LOG_TAIL = 2000;
  private final ContainerRuntime runtime;
  private final java.util.function.Function<ServerId, InetAddress> hostOf;
  private final HttpClient http;

  public ProbeRunner(ContainerRuntime runtime, InetAddress host) {
    this(runtime, id -> host);
  }

  /**
   * @param hostOf where a server's published ports are reached: loopback on a single engine, the
   *     address of its node on a cluster
   */
  public ProbeRunner(
      ContainerRuntime runtime, java.util.function.Function<ServerId, InetAddress> hostOf) {
    this.runtime = runtime;
    this.hostOf = hostOf;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * The outcome of one probe.
   *
   * @param players what the game told about its players, or null
   * @param detail why it failed (or what answered), for status and logs
   */
  public record Result(boolean ok, PlayerInfo players, String detail) {
    public static Result failed(String detail) {
      return new Result(false, null, detail);
    }
  }

  /**
   * Runs {@code spec} for a server whose container started at {@code startedAt}; {@code
   * withPlayers} asks an A2S probe for the names too.
   */
  @Override
  public Result run(
      ServerId id, List<PortEntry> ports, Instant startedAt, ProbeSpec spec, boolean withPlayers) {
    Probe probe = spec.probe();
    Duration timeout = spec.timeout();
    try {
      return switch (probe) {
        case Probe.A2sProbe p -> {
          PlayerInfo info = A2s.query(address(id, p.ports(), ports), timeout, withPlayers);
          yield new Result(true, info, "a2s answered");
        }
        case Probe.MinecraftProbe p ->
            new Result(
                true,
                ServerListPing.status(address(id, p.ports(), ports), timeout),
                "status answered");
        case Probe.TcpProbe p -> {
          try (Socket s = new Socket()) {
            s.connect(address(id, p.ports(), ports), (int) Math.max(1, timeout.toMillis()));
          }
          yield new Result(true, null, "tcp connected");
        }
        case Probe.UdpProbe p -> udp(p, address(id, p.ports(), ports), timeout);
        case Probe.HttpProbe p -> http(p, address(id, p.ports(), ports), timeout);
        case Probe.LogProbe p -> log(id, p, startedAt, timeout);
      };
    } catch (NoPort e) {
      return Result.failed(e.getMessage());
    } catch (java.net.SocketTimeoutException e) {
      return Result.failed("no answer within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return Result.failed(probe.type() + ": " + e.getClass().getSimpleName() + " " + message(e));
    } catch (ProtocolException e) {
      return Result.failed(probe.type() + ": " + e.getMessage());
    } catch (RuntimeFailure e) {
      return Result.failed("log: " + e.kind());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.failed("interrupted");
    }
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? "" : e.getMessage();
  }

  private Result udp(Probe.UdpProbe p, InetSocketAddress address, Duration timeout)
      throws IOException {
    byte[] request = HexFormat.of().parseHex(p.requestHex());
    byte[] expect = HexFormat.of().parseHex(p.expectHex());
    try (DatagramSocket s = new DatagramSocket()) {
      s.connect(address);
      s.send(new DatagramPacket(request, request.length));
      ByteBuffer reply = A2s.Datagrams.receive(s, 2048, System.nanoTime() + timeout.toNanos());
      if (reply.remaining() < expect.length) {
        return Result.failed("udp: answer shorter than expected");
      }
      for (int i = 0; i < expect.length; i++) {
        if (reply.get(i) != expect[i]) {
          return Result.failed("udp: unexpected answer");
        }
      }
      return new Result(true, null, "udp answered");
    }
  }

  private Result http(Probe.HttpProbe p, InetSocketAddress address, Duration timeout)
      throws IOException, InterruptedException {
    URI uri =
        URI.create(
            "http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + p.path());
    HttpResponse<Void> r =
        http.send(
            HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
            HttpResponse.BodyHandlers.discarding());
    return r.statusCode() >= 200 && r.statusCode() < 400
        ? new Result(true, null, "http " + r.statusCode())
        : Result.failed("http " + r.statusCode());
  }

  private Result log(ServerId id, Probe.LogProbe p, Instant startedAt, Duration timeout) {
    AtomicBoolean found = new AtomicBoolean();
    Instant since = startedAt == null ? Instant.EPOCH : startedAt;
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      runtime.logs(
          id.containerName(),
          since,
          LOG_TAIL,
          (LogLine line) -> {
            if (!found.get()
                && p.pattern().matcher(new BoundedText(line.text(), deadline)).find()) {
              found.set(true);
            }
          });
    } catch (BoundedText.TooSlow e) {
      return Result.failed("log: the pattern took longer than the timeout");
    }
    return found.get()
        ? new Result(true, null, "log line matched")
        : Result.failed("no log line matches " + p.pattern().pattern());
  }

  /** The first of {@code names} that the server publishes, on the probe host. */
  private InetSocketAddress address(ServerId id, List<String> names, List<PortEntry> ports)
      throws NoPort {
    InetAddress host = hostOf.apply(id);
    for (String name : names) {
      Optional<PortEntry> byName = ports.stream().filter(e -> e.name().equals(name)).findFirst();
      if (byName.isPresent()) {
        return new InetSocketAddress(host, byName.get().port());
      }
      if (name.chars().allMatch(Character::isDigit)) {
        int number = Integer.parseInt(name);
        if (ports.stream().anyMatch(e -> e.port() == number)) {
          return new InetSocketAddress(host, number);
        }
      }
    }
    throw new NoPort("the server publishes none of the ports " + names);
  }

  /**
   * A line whose reading stops at a deadline: a pathological pattern (catastrophic backtracking)
   * cannot hold a probe thread longer than the probe's timeout.
   */
  static final class BoundedText implements CharSequence {
    private final String text;
    private final long deadline;
    private int reads;

    BoundedText(String text, long deadline) {
      this.text = text;
      this.deadline = deadline;
    }

    @Override
    public char charAt(int index) {
      if ((++reads & 0x3FF) == 0 && System.nanoTime() > deadline) {
        throw new TooSlow();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new BoundedText(text.substring(start, end), deadline);
    }

    @Override
    public String toString() {
      return text;
    }

    /** The deadline passed while matching. */
    static final class TooSlow extends RuntimeException {
      TooSlow() {
        super("pattern too slow", null, false, false);
      }
    }
  }

  /** The server has none of the probe's ports. */
  static final class NoPort extends Exception {
    NoPort(String message) {
      super(message);
    }
  }
}
