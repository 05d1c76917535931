package dev.peon.orc.game.wake;

import dev.peon.orc.game.A2s;
import dev.peon.orc.game.ProtocolException;
import dev.peon.orc.game.ServerListPing;
import dev.peon.orc.game.Sleeper;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.server.ServerId;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wake on connect: while a server sleeps, its host ports are bound here. Steam queries are answered
 * (the server stays in the browser, named as sleeping, 0 players), Minecraft status pings get a
 * "sleeping, join to wake" message and a login a "starting, come back in about N s" disconnect and
 * a wake; any other UDP packet or TCP connection wakes the server. A wake closes every port first,
 * then hands over to the {@link Sleeper.WakeHandler}, which starts the server. Each server has a
 * {@link WakeGuard}.
 */
public final class WakeService implements Sleeper {
  private static final Logger LOG = LoggerFactory.getLogger(WakeService.class);
  private static final int TCP_TIMEOUT_MS = 3000;
  private static final int MAX_CONNECTIONS = 16;

  private final Clock clock;
  private final InetAddress bindAddress;
  private final double perSecond;
  private final double burst;
  private final int secret = new SecureRandom().nextInt();
  private final Map<ServerId, Listening> listening = new ConcurrentHashMap<>();
  private final Map<ServerId, ArrayDeque<Instant>> wakes = new ConcurrentHashMap<>();

  /**
   * @param bindAddress where to bind (the wildcard address in production)
   * @param perSecond packets or connections per source and second a sleeping server looks at
   * @param burst how many of those may come at once
   */
  public WakeService(Clock clock, InetAddress bindAddress, double perSecond, double burst) {
    this.clock = clock;
    this.bindAddress = bindAddress;
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** Production defaults: all interfaces, 5 per second and source, bursts of 10. */
  public static WakeService standard(Clock clock) {
    try {
      return new WakeService(clock, InetAddress.getByName("0.0.0.0"), 5, 10);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void listen(Target target) throws IOException {
    synchronized (this) {
      if (listening.containsKey(target.id())) {
        return;
      }
      WakeGuard guard =
          new WakeGuard(
              clock,
              target.wake().allow(),
              target.wake().maxPerHour(),
              perSecond,
              burst,
              wakes.computeIfAbsent(target.id(), k -> new ArrayDeque<>()));
      Listening l = new Listening(target, guard);
      try {
        l.bind();
      } catch (IOException e) {
        l.close();
        throw e;
      }
      listening.put(target.id(), l);
      l.startThreads();
    }
  }

  @Override
  public void release(ServerId id) {
    Listening l = listening.remove(id);
    if (l != null) {
      l.close();
      LOG.atInfo().addKeyValue("serverId", id).log("sleep ended: ports released");
    }
  }

  @Override
  public boolean listening(ServerId id) {
    return listening.containsKey(id);
  }

  /** Packets and connections the guard dropped for a sleeping server (0 when not sleeping). */
  public long dropped(ServerId id) {
    Listening l = listening.get(id);
    return l == null ? 0 : l.guard.dropped();
  }

  @Override
  public void close() {
    for (ServerId id : List.copyOf(listening.keySet())) {
      release(id);
    }
  }

  /** One sleeping server's sockets. */
  private final class Listening {
    private final Target target;
    private final WakeGuard guard;
    private final List<DatagramSocket> udp = new ArrayList<>();
    private final List<ServerSocket> tcp = new ArrayList<>();
    private final AtomicBoolean woken = new AtomicBoolean();
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);

    Listening(Target target, WakeGuard guard) {
      this.target = target;
      this.guard = guard;
    }

    void bind() throws IOException {
      List<Integer> udpPorts = new ArrayList<>();
      List<Integer> tcpPorts = new ArrayList<>();
      for (PortEntry e : target.ports()) {
        if (e.protocol() != PortEntry.PortProtocol.TCP && !udpPorts.contains(e.port())) {
          udpPorts.add(e.port());
        }
        if (e.protocol() != PortEntry.PortProtocol.UDP && !tcpPorts.contains(e.port())) {
          tcpPorts.add(e.port());
        }
      }
      for (int port : udpPorts) {
        DatagramSocket s = new DatagramSocket(null);
        udp.add(s);
        s.bind(new InetSocketAddress(bindAddress, port));
      }
      for (int port : tcpPorts) {
        ServerSocket s = new ServerSocket();
        tcp.add(s);
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(bindAddress, port), 16);
      }
    }

    void startThreads() {
      for (DatagramSocket s : udp) {
        Thread.ofVirtual().name("peon-wake-udp").start(() -> serveUdp(s));
      }
      for (ServerSocket s : tcp) {
        Thread.ofVirtual().name("peon-wake-tcp").start(() -> serveTcp(s));
      }
    }

    void close() {
      udp.forEach(DatagramSocket::close);
      for (ServerSocket s : tcp) {
        try {
          s.close();
        } catch (IOException e) {
          // closing a listening socket: nothing to do
        }
      }
    }

    private void serveUdp(DatagramSocket s) {
      byte[] buf = new byte[1500];
      while (!s.isClosed()) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          s.receive(p);
        } catch (IOException e) {
          return; // closed
        }
        InetAddress from = p.getAddress();
        if (!guard.admit(from)) {
          continue;
        }
        byte type = A2s.requestType(p.getData(), p.getLength());
        try {
          if (type != 0) {
            byte[] reply = answerQuery(type, p, s.getLocalPort());
            s.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
          } else {
            wake(
                "udp packet from "
                    + from.getHostAddress()
                    + ":"
                    + p.getPort()
                    + " on port "
                    + s.getLocalPort()
                    + " ("
                    + p.getLength()
                    + " bytes, "
                    + java.util.HexFormat.of().formatHex(p.getData(), 0, Math.min(8, p.getLength()))
                    + "...)");
          }
        } catch (IOException e) {
          return;
        }
      }
    }

    /** A2S answers; info and players only to a source that holds its challenge. */
    private byte[] answerQuery(byte type, DatagramPacket p, int port) {
      int expected = challenge(p.getAddress(), port);
      if (A2s.challengeOf(p.getData(), p.getLength()) != expected) {
        return A2s.challengeReply(expected);
      }
      return switch (type) {
        case A2s.INFO_REQUEST ->
            A2s.infoReply(
                new A2s.Announcement(
                    sleepingName(),
                    "sleeping",
                    "peon",
                    "PEON sleeping server",
                    0,
                    target.maxPlayers(),
                    "sleeping"),
                gamePort());
        case A2s.PLAYER_REQUEST -> A2s.emptyPlayersReply();
        default -> A2s.emptyRulesReply();
      };
    }

    private String sleepingName() {
      String name = target.name() + " (sleeping)";
      return name.length() > 120 ? name.substring(0, 120) : name;
    }

    private int gamePort() {
      return target.ports().isEmpty() ? 0 : target.ports().get(0).port();
    }

    /** Per source address and port, unguessable without seeing our answer. */
    private int challenge(InetAddress from, int port) {
      int h = secret;
      for (byte b : from.getAddress()) {
        h = h * 31 + b;
      }
      h = h * 31 + port;
      h ^= (h >>> 16);
      return h == -1 ? 1 : h; // -1 means "no challenge" on the wire
    }

    private void serveTcp(ServerSocket s) {
      boolean minecraft = target.minecraftPorts().contains(s.getLocalPort());
      while (!s.isClosed()) {
        Socket c;
        try {
          c = s.accept();
        } catch (IOException e) {
          return; // closed
        }
        if (!guard.admit(c.getInetAddress()) || !connections.tryAcquire()) {
          closeQuietly(c);
          continue;
        }
        Thread.ofVirtual()
            .name("peon-wake-conn")
            .start(
                () -> {
                  try (c) {
                    if (minecraft) {
                      minecraft(c);
                    } else {
                      wake(
                          "tcp connection from "
                              + c.getInetAddress().getHostAddress()
                              + " on port "
                              + s.getLocalPort());
                    }
                  } catch (IOException | ProtocolException e) {
                    // a broken or slow client: nothing to answer
                  } finally {
                    connections.release();
                  }
                });
      }
    }

    private void minecraft(Socket c) throws IOException, ProtocolException {
      c.setSoTimeout(TCP_TIMEOUT_MS);
      DataInputStream in = new DataInputStream(c.getInputStream());
      OutputStream out = c.getOutputStream();
      ServerListPing.Handshake hs = ServerListPing.parseHandshake(ServerListPing.readPacket(in));
      if (hs.nextState() == ServerListPing.STATE_STATUS) {
        ServerListPing.Packet request = ServerListPing.readPacket(in);
        if (request.id() != 0) {
          return;
        }
        out.write(ServerListPing.statusReply(statusJson(hs.protocol())));
        out.flush();
        ServerListPing.Packet ping = ServerListPing.readPacket(in);
        if (ping.id() == 1 && ping.data().length == 8) {
          out.write(ServerListPing.packet(1, ping.data()));
          out.flush();
        }
      } else if (hs.nextState() == ServerListPing.STATE_LOGIN) {
        ServerListPing.readPacket(in); // login start: the player's name, not needed
        boolean waking = wake("minecraft login from " + c.getInetAddress().getHostAddress());
        out.write(
            ServerListPing.loginDisconnect(
                waking
                    ? target.name()
                        + " is starting, come back in about "
                        + target.startSeconds()
                        + " s"
                    : target.name() + " is sleeping and cannot be woken right now"));
        out.flush();
      }
    }

    private String statusJson(int protocol) {
      var json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
      json.putObject("version").put("name", "sleeping").put("protocol", protocol);
      json.putObject("players").put("max", target.maxPlayers()).put("online", 0).putArray("sample");
      json.putObject("description").put("text", target.name() + " is sleeping, join to wake it");
      return json.toString();
    }

    /** Wakes at most once per sleep; false when the guard refused (hourly cap). */
    private boolean wake(String reason) {
      if (woken.get()) {
        return true;
      }
      if (!guard.tryWake()) {
        LOG.atWarn()
            .addKeyValue("serverId", target.id())
            .addKeyValue("reason", reason)
            .log("wake refused: too many wakes in the last hour");
        return false;
      }
      if (!woken.compareAndSet(false, true)) {
        return true;
      }
      release(target.id()); // the ports go before the container wants them
      target.handler().wake(target.id(), reason);
      return true;
    }
  }

  private static void closeQuietly(Socket c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
