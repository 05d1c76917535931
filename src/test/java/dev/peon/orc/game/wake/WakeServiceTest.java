package dev.peon.orc.game.wake;

import static org.assertj.core.api.Assertions.assertThat;

import com.ibasco.agql.protocols.valve.source.query.SourceQueryClient;
import dev.peon.orc.config.AddressRange;
import dev.peon.orc.game.A2s;
import dev.peon.orc.game.GameSettings;
import dev.peon.orc.game.PlayerInfo;
import dev.peon.orc.game.ServerListPing;
import dev.peon.orc.game.Sleeper;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.MutableClock;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stand-in of a sleeping server on real loopback sockets: Steam queries answered (checked with
 * an independent client library too), Minecraft status and login, wakes on real traffic, and the
 * flood guard (per-source rate, allow-list, wakes per hour).
 */
class WakeServiceTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  private final WakeService wake = new WakeService(clock, LOOPBACK, 5, 10);
  private final List<String> wakes = new CopyOnWriteArrayList<>();
  private final ServerId id = ServerId.parse("valheim.vik");

  @AfterEach
  void close() {
    wake.close();
  }

  private int[] listen(GameSettings.Wake settings) throws IOException {
    int udp = freeUdp();
    int tcp = freeTcp();
    wake.listen(
        new Sleeper.Target(
            id,
            "Vik",
            List.of(
                new PortEntry("PORT", tcp, PortEntry.PortProtocol.TCP, "tcp"),
                new PortEntry("QUERY_PORT", udp, PortEntry.PortProtocol.UDP, "udp")),
            Set.of(tcp),
            Set.of(udp),
            settings,
            42,
            10,
            (server, reason) -> wakes.add(reason)));
    return new int[] {tcp, udp};
  }

  @Test
  void answersSteamQueriesAsASleepingServerWithoutWaking() throws Exception {
    int[] ports = listen(GameSettings.Wake.DEFAULT);
    InetSocketAddress query = new InetSocketAddress(LOOPBACK, ports[1]);
    PlayerInfo info = A2s.query(query, Duration.ofSeconds(2), true);
    assertThat(info.serverName()).isEqualTo("Vik (sleeping)");
    assertThat(info.online()).isZero();
    assertThat(info.max()).isEqualTo(10);
    assertThat(info.names()).isEmpty();
    try (SourceQueryClient agql = new SourceQueryClient()) {
      var server = agql.getInfo(query).get(10, TimeUnit.SECONDS).getResult();
      assertThat(server.getName()).isEqualTo("Vik (sleeping)");
      assertThat(server.getNumOfPlayers()).isZero();
      assertThat(server.getMaxPlayers()).isEqualTo(10);
      assertThat(agql.getPlayers(query).get(10, TimeUnit.SECONDS).getResult()).isEmpty();
    }
    assertThat(wakes).isEmpty();
    assertThat(wake.listening(id)).isTrue();
  }

  @Test
  void answersNoInfoWithoutTheChallengeSoSpoofedSourcesGetNoAmplification() throws Exception {
    int[] ports = listen(GameSettings.Wake.DEFAULT);
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(2000);
      byte[] request = A2s.infoRequest(-1);
      s.send(new DatagramPacket(request, request.length, LOOPBACK, ports[1]));
      DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
      s.receive(reply);
      assertThat(reply.getLength()).isEqualTo(9); // S2C_CHALLENGE, smaller than the request
      assertThat(reply.getData()[4]).isEqualTo((byte) 'A');
    }
  }

  @Test
  void aRealUdpPacketWakesTheServerOnceAndReleasesItsPorts() throws Exception {
    int[] ports = listen(GameSettings.Wake.DEFAULT);
    sendUdp(ports[1], "\u00ff\u00ff\u00ff\u00ffconnect");
    sendUdp(ports[1], "\u00ff\u00ff\u00ff\u00ffconnect");
    Await.until(Duration.ofSeconds(10), () -> !wakes.isEmpty());
    assertThat(wakes).hasSize(1);
    assertThat(wakes.get(0))
        .startsWith("udp packet from 127.0.0.1:")
        .contains(" on port " + ports[1] + " (11 bytes, ffffffff636f6e6e...)");
    assertThat(wake.listening(id)).isFalse();
    try (DatagramSocket again = new DatagramSocket(ports[1], LOOPBACK)) {
      assertThat(again.getLocalPort()).isEqualTo(ports[1]); // free for the game
    }
  }

  @Test
  void aTcpConnectionToAPortThatSpeaksNoKnownProtocolWakesTheServer() throws Exception {
    int tcp = freeTcp();
    wake.listen(
        new Sleeper.Target(
            id,
            "Vik",
            List.of(new PortEntry("PORT", tcp, PortEntry.PortProtocol.TCP, "tcp")),
            Set.of(),
            Set.of(),
            GameSettings.Wake.DEFAULT,
            42,
            10,
            (server, reason) -> wakes.add(reason)));
    try (Socket c = new Socket(LOOPBACK, tcp)) {
      c.setSoTimeout(5000);
      assertThat(c.getInputStream().read()).isEqualTo(-1); // closed: the game binds next
    }
    Await.until(Duration.ofSeconds(10), () -> !wakes.isEmpty());
    assertThat(wakes).singleElement().asString().startsWith("tcp connection from 127.0.0.1");
    assertThat(wake.listening(id)).isFalse();
  }

  @Test
  void aMinecraftStatusPingSaysSleepingAndALoginWakesWithComeBackMessage() throws Exception {
    int[] ports = listen(GameSettings.Wake.DEFAULT);
    InetSocketAddress mc = new InetSocketAddress(LOOPBACK, ports[0]);
    PlayerInfo status = ServerListPing.status(mc, Duration.ofSeconds(2));
    assertThat(status.serverName()).isEqualTo("Vik is sleeping, join to wake it");
    assertThat(status.online()).isZero();
    assertThat(status.max()).isEqualTo(10);
    assertThat(wakes).isEmpty();

    try (Socket s = new Socket()) {
      s.connect(mc, 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(ServerListPing.handshake(767, "localhost", ports[0], 2));
      s.getOutputStream()
          .write(ServerListPing.packet(0, "\u0005steve".getBytes(StandardCharsets.UTF_8)));
      ServerListPing.Packet p = ServerListPing.readPacket(new DataInputStream(s.getInputStream()));
      String json = ServerListPing.readString(new DataInputStream(p.stream()));
      assertThat(json).isEqualTo("{\"text\":\"Vik is starting, come back in about 42 s\"}");
    }
    assertThat(wakes).singleElement().asString().startsWith("minecraft login from 127.0.0.1");
  }

  @Test
  void aFloodFromOneSourceIsAnsweredOnlyAtTheGuardsRate() throws Exception {
    int[] ports = listen(GameSettings.Wake.DEFAULT);
    int answers = 0;
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(300);
      byte[] request = A2s.infoRequest(-1);
      for (int i = 0; i < 200; i++) {
        s.send(new DatagramPacket(request, request.length, LOOPBACK, ports[1]));
      }
      try {
        while (true) {
          s.receive(new DatagramPacket(new byte[1500], 1500));
          answers++;
        }
      } catch (SocketTimeoutException e) {
        // no more answers
      }
    }
    // the clock does not move: the burst of 10 and nothing more
    assertThat(answers).isEqualTo(10);
    clock.advance(Duration.ofSeconds(1)); // 5 more tokens
    assertThat(
            A2s.query(new InetSocketAddress(LOOPBACK, ports[1]), Duration.ofSeconds(2), false)
                .serverName())
        .isEqualTo("Vik (sleeping)");
  }

  @Test
  void sourcesOutsideTheAllowListNeitherGetAnswersNorWake() throws Exception {
    int[] ports =
        listen(
            new GameSettings.Wake(
                GameSettings.WakeMode.IDLE, List.of(AddressRange.parse("10.0.0.0/8")), 6));
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(500);
      byte[] request = A2s.infoRequest(-1);
      s.send(new DatagramPacket(request, request.length, LOOPBACK, ports[1]));
      boolean answered;
      try {
        s.receive(new DatagramPacket(new byte[1500], 1500));
        answered = true;
      } catch (SocketTimeoutException e) {
        answered = false;
      }
      assertThat(answered).isFalse();
    }
    sendUdp(ports[1], "wake up");
    try (Socket c = new Socket(LOOPBACK, ports[0])) {
      c.setSoTimeout(1000);
      assertThat(c.getInputStream().read()).isEqualTo(-1); // closed at once
    }
    assertThat(wakes).isEmpty();
    assertThat(wake.listening(id)).isTrue();
    assertThat(wake.dropped(id)).isGreaterThanOrEqualTo(3);
  }

  @Test
  void wakesBeyondTheHourlyCapAreRefusedUntilTheHourIsOver() throws Exception {
    GameSettings.Wake once = new GameSettings.Wake(GameSettings.WakeMode.IDLE, List.of(), 1);
    int[] ports = listen(once);
    sendUdp(ports[1], "first");
    Await.until(Duration.ofSeconds(10), () -> wakes.size() == 1);

    ports = listen(once); // asleep again
    int udp = ports[1];
    sendUdp(udp, "second");
    try (Socket c = new Socket(LOOPBACK, ports[0])) {
      // a Minecraft login is told the server cannot be woken now
      c.setSoTimeout(5000);
      c.getOutputStream().write(ServerListPing.handshake(767, "localhost", ports[0], 2));
      c.getOutputStream()
          .write(ServerListPing.packet(0, "\u0005steve".getBytes(StandardCharsets.UTF_8)));
      ServerListPing.Packet p = ServerListPing.readPacket(new DataInputStream(c.getInputStream()));
      assertThat(ServerListPing.readString(new DataInputStream(p.stream())))
          .contains("cannot be woken right now");
    }
    assertThat(wakes).hasSize(1);
    assertThat(wake.listening(id)).isTrue();

    clock.advance(Duration.ofMinutes(61));
    sendUdp(udp, "third");
    Await.until(Duration.ofSeconds(10), () -> wakes.size() == 2);
  }

  private static void sendUdp(int port, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
    try (DatagramSocket s = new DatagramSocket()) {
      s.send(new DatagramPacket(b, b.length, LOOPBACK, port));
    }
  }

  private static int freeUdp() throws IOException {
    try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
      int p = s.getLocalPort();
      try (ServerSocket t = new ServerSocket(p, 1, LOOPBACK)) {
        return p;
      } catch (IOException e) {
        return freeUdp();
      }
    }
  }

  private static int freeTcp() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }
}
