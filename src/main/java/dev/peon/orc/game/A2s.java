package dev.peon.orc.game;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The Steam/Source server query (A2S) as Valve documents it: {@code A2S_INFO} and {@code
 * A2S_PLAYER}, both behind the challenge handshake ({@code S2C_CHALLENGE}, 'A') that current
 * servers demand, with split (multi-packet) answers reassembled. Both sides: the client for probes,
 * the encoders for a sleeping server's stand-in. Little-endian throughout.
 */
public final class A2s {
  static final int SINGLE = 0xFFFFFFFF;
  static final int SPLIT = 0xFFFFFFFE;
  public static final byte INFO_REQUEST = 0x54; // 'T'
  public static final byte PLAYER_REQUEST = 0x55; // 'U'
  public static final byte RULES_REQUEST = 0x56; // 'V'
  static final byte CHALLENGE = 0x41; // 'A'
  static final byte INFO_REPLY = 0x49; // 'I'
  static final byte PLAYER_REPLY = 0x44; // 'D'
  static final byte RULES_REPLY = 0x45; // 'E'
  static final String INFO_PAYLOAD = "Source Engine Query";
  private static final int MAX_PACKET = 1400;
  private static final int MAX_TRIES = 4;

  private A2s() {}

  /**
   * Queries {@code A2S_INFO} and, when {@code withPlayers}, {@code A2S_PLAYER}; the whole exchange
   * ends within {@code timeout}.
   */
  public static PlayerInfo query(InetSocketAddress address, Duration timeout, boolean withPlayers)
      throws IOException, ProtocolException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (DatagramSocket ch = new DatagramSocket()) {
      ch.connect(address);
      ByteBuffer reply = exchange(ch, infoRequest(-1), INFO_REPLY, deadline);
      PlayerInfo info = parseInfo(reply);
      if (!withPlayers) {
        return info;
      }
      ByteBuffer players = exchange(ch, playerRequest(-1), PLAYER_REPLY, deadline);
      return info.withNames(parsePlayers(players));
    }
  }

  /** Sends a request, answers a challenge by re-sending with it, returns the wanted reply body. */
  private static ByteBuffer exchange(DatagramSocket ch, byte[] request, byte wanted, long deadline)
      throws IOException, ProtocolException {
    byte[] current = request;
    for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
      ch.send(new DatagramPacket(current, current.length));
      ByteBuffer reply = receive(ch, deadline);
      byte type = reply.get();
      if (type == CHALLENGE) {
        int challenge = reply.getInt();
        current =
            request[4] == INFO_REQUEST ? infoRequest(challenge) : withChallenge(request, challenge);
        continue;
      }
      if (type != wanted) {
        throw new ProtocolException(
            "unexpected A2S reply type 0x" + Integer.toHexString(type & 0xFF));
      }
      return reply;
    }
    throw new ProtocolException("the server kept answering with new challenges");
  }

  /** One logical reply (split packets reassembled), positioned after the 0xFFFFFFFF header. */
  private static ByteBuffer receive(DatagramSocket ch, long deadline)
      throws IOException, ProtocolException {
    TreeMap<Integer, byte[]> parts = new TreeMap<>();
    int total = -1;
    int splitId = 0;
    while (true) {
      ByteBuffer packet = Datagrams.receive(ch, MAX_PACKET + 64, deadline);
      if (packet.remaining() < 5) {
        throw new ProtocolException("A2S reply too short");
      }
      int header = packet.getInt();
      if (header == SINGLE) {
        return packet;
      }
      if (header != SPLIT) {
        throw new ProtocolException("not an A2S reply (bad header)");
      }
      try {
        int id = packet.getInt();
        if ((id & 0x80000000) != 0) {
          throw new ProtocolException("compressed A2S replies are not supported");
        }
        int count = packet.get() & 0xFF;
        int number = packet.get() & 0xFF;
        packet.getShort(); // the sender's maximum packet size (Source engine format)
        if (total < 0) {
          total = count;
          splitId = id;
        } else if (id != splitId || count != total) {
          continue; // a stray packet of another answer
        }
        if (count == 0 || count > 32 || number >= count) {
          throw new ProtocolException("bad A2S split header");
        }
        byte[] body = new byte[packet.remaining()];
        packet.get(body);
        parts.put(number, body);
      } catch (BufferUnderflowException e) {
        throw new ProtocolException("truncated A2S split packet");
      }
      if (parts.size() == total) {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        parts.values().forEach(whole::writeBytes);
        ByteBuffer joined = ByteBuffer.wrap(whole.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        if (joined.remaining() < 5 || joined.getInt() != SINGLE) {
          throw new ProtocolException("bad reassembled A2S reply");
        }
        return joined;
      }
    }
  }

  /** {@code A2S_INFO}; a challenge of -1 means none (the first request). */
  public static byte[] infoRequest(int challenge) {
    ByteBuffer b =
        ByteBuffer.allocate(5 + INFO_PAYLOAD.length() + 1 + (challenge == -1 ? 0 : 4))
            .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(SINGLE).put(INFO_REQUEST).put(INFO_PAYLOAD.getBytes(StandardCharsets.US_ASCII));
    b.put((byte) 0);
    if (challenge != -1) {
      b.putInt(challenge);
    }
    return b.array();
  }

  /** {@code A2S_PLAYER} with a challenge (-1 asks for one). */
  public static byte[] playerRequest(int challenge) {
    return ByteBuffer.allocate(9)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(SINGLE)
        .put(PLAYER_REQUEST)
        .putInt(challenge)
        .array();
  }

  private static byte[] withChallenge(byte[] request, int challenge) {
    return ByteBuffer.allocate(9)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(SINGLE)
        .put(request[4])
        .putInt(challenge)
        .array();
  }

  /** Parses an {@code A2S_INFO} reply body (after the header and the 'I'). */
  static PlayerInfo parseInfo(ByteBuffer b) throws ProtocolException {
    try {
      b.get(); // protocol
      String name = string(b);
      String map = string(b);
      string(b); // folder
      string(b); // game
      short appId = b.getShort();
      int players = b.get() & 0xFF;
      int max = b.get() & 0xFF;
      int bots = b.get() & 0xFF;
      b.get(); // server type
      b.get(); // environment
      b.get(); // visibility
      b.get(); // VAC
      if (appId == 2400) { // The Ship: mode, witnesses, duration
        b.get();
        b.get();
        b.get();
      }
      String version = string(b);
      return new PlayerInfo(Math.max(0, players - bots), max, List.of(), map, version, name);
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("truncated A2S_INFO reply");
    }
  }

  /** Parses an {@code A2S_PLAYER} reply body: the names, empty ones (connecting) left out. */
  static List<String> parsePlayers(ByteBuffer b) throws ProtocolException {
    try {
      int count = b.get() & 0xFF;
      List<String> names = new ArrayList<>();
      for (int i = 0; i < count && b.hasRemaining(); i++) {
        b.get(); // index
        String name = string(b);
        b.getInt(); // score
        b.getFloat(); // seconds connected
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
      return names;
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("truncated A2S_PLAYER reply");
    }
  }

  /** A null-terminated UTF-8 string. */
  static String string(ByteBuffer b) throws ProtocolException {
    int start = b.position();
    while (b.hasRemaining()) {
      if (b.get() == 0) {
        byte[] bytes = new byte[b.position() - start - 1];
        b.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
      }
    }
    throw new ProtocolException("unterminated string in A2S reply");
  }

  // ------------------------------------------------------------ server side (a sleeping server)

  /** What a stand-in announces in {@code A2S_INFO}. */
  public record Announcement(
      String name, String map, String folder, String game, int appId, int max, String version) {}

  /** {@code S2C_CHALLENGE}. */
  public static byte[] challengeReply(int challenge) {
    return ByteBuffer.allocate(9)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(SINGLE)
        .put(CHALLENGE)
        .putInt(challenge)
        .array();
  }

  /** An {@code A2S_INFO} reply with no players: a dedicated, public server on Linux. */
  public static byte[] infoReply(Announcement a, int gamePort) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer head = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
    head.putInt(SINGLE).put(INFO_REPLY).put((byte) 17);
    out.writeBytes(head.array());
    putString(out, a.name());
    putString(out, a.map());
    putString(out, a.folder());
    putString(out, a.game());
    ByteBuffer mid = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
    mid.putShort((short) (a.appId() & 0xFFFF));
    mid.put((byte) 0).put((byte) Math.min(255, a.max())).put((byte) 0);
    mid.put((byte) 'd').put((byte) 'l').put((byte) 0).put((byte) 0);
    out.writeBytes(mid.array());
    putString(out, a.version());
    ByteBuffer tail = ByteBuffer.allocate(3).order(ByteOrder.LITTLE_ENDIAN);
    tail.put((byte) 0x80).putShort((short) (gamePort & 0xFFFF)); // EDF: the game port
    out.writeBytes(tail.array());
    return out.toByteArray();
  }

  /** An {@code A2S_PLAYER} reply with nobody in it. */
  public static byte[] emptyPlayersReply() {
    return ByteBuffer.allocate(6)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(SINGLE)
        .put(PLAYER_REPLY)
        .put((byte) 0)
        .array();
  }

  /** An {@code A2S_RULES} reply with no rules. */
  public static byte[] emptyRulesReply() {
    return ByteBuffer.allocate(7)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(SINGLE)
        .put(RULES_REPLY)
        .putShort((short) 0)
        .array();
  }

  /**
   * The challenge a request carries, or -1 when it has none: {@code A2S_INFO} appends it after the
   * payload string, {@code A2S_PLAYER}/{@code A2S_RULES} carry it right after the type.
   */
  public static int challengeOf(byte[] packet, int length) {
    ByteBuffer b = ByteBuffer.wrap(packet, 0, length).order(ByteOrder.LITTLE_ENDIAN);
    if (length < 5 || b.getInt() != SINGLE) {
      return -1;
    }
    byte type = b.get();
    int at = type == INFO_REQUEST ? 5 + INFO_PAYLOAD.length() + 1 : 5;
    return length >= at + 4 ? b.getInt(at) : -1;
  }

  /** The request type of a query packet (after 0xFFFFFFFF), or 0 when it is none. */
  public static byte requestType(byte[] packet, int length) {
    if (length < 5 || ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != SINGLE) {
      return 0;
    }
    byte t = packet[4];
    return t == INFO_REQUEST || t == PLAYER_REQUEST || t == RULES_REQUEST ? t : 0;
  }

  private static void putString(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }

  /** Thrown when no answer came in time; a probe failure like any other. */
  static SocketTimeoutException timeout() {
    return new SocketTimeoutException("no answer in time");
  }

  /** Datagram receives bounded by a deadline ({@link System#nanoTime()}). */
  static final class Datagrams {
    private Datagrams() {}

    /** One datagram, little-endian, or a {@link SocketTimeoutException} at the deadline. */
    static ByteBuffer receive(DatagramSocket socket, int max, long deadline) throws IOException {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw timeout();
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
      DatagramPacket p = new DatagramPacket(new byte[max], max);
      socket.receive(p);
      return ByteBuffer.wrap(p.getData(), 0, p.getLength()).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
  }
}
