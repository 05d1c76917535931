package dev.peon.orc.game;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Minecraft Java Edition Server List Ping (1.7 and later): a handshake with next state 1
 * (status) or 2 (login), a status request answered with a JSON document, and the login start a
 * stand-in answers with a disconnect message. Packets are {@code VarInt length, VarInt id, data}.
 */
public final class ServerListPing {
  public static final int STATE_STATUS = 1;
  public static final int STATE_LOGIN = 2;
  static final int MAX_PACKET = 1 << 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServerListPing() {}

  /** Asks for the status; the whole exchange ends within {@code timeout}. */
  public static PlayerInfo status(InetSocketAddress address, Duration timeout)
      throws IOException, ProtocolException {
    try (Socket s = new Socket()) {
      int millis = (int) Math.max(1, timeout.toMillis());
      s.connect(address, millis);
      s.setSoTimeout(millis);
      OutputStream out = s.getOutputStream();
      out.write(handshake(-1, address.getHostString(), address.getPort(), STATE_STATUS));
      out.write(packet(0, new byte[0]));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      Packet reply = readPacket(in);
      if (reply.id() != 0) {
        throw new ProtocolException("unexpected status reply id " + reply.id());
      }
      return parseStatus(readString(new DataInputStream(reply.stream())));
    }
  }

  /** Parses the status JSON: players online/max/sample, version name, description as MOTD. */
  static PlayerInfo parseStatus(String json) throws ProtocolException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new ProtocolException("status is not JSON");
    }
    JsonNode players = root.path("players");
    if (!players.path("online").canConvertToInt() || !players.path("max").canConvertToInt()) {
      throw new ProtocolException("status has no player counts");
    }
    List<String> names = new ArrayList<>();
    for (JsonNode p : players.path("sample")) {
      if (p.path("name").isTextual()) {
        names.add(p.path("name").asText());
      }
    }
    String version =
        root.path("version").path("name").isTextual()
            ? root.path("version").path("name").asText()
            : null;
    return new PlayerInfo(
        Math.max(0, players.path("online").asInt()),
        Math.max(0, players.path("max").asInt()),
        names,
        null,
        version,
        motd(root.path("description")));
  }

  private static String motd(JsonNode description) {
    if (description.isTextual()) {
      return description.asText();
    }
    if (description.isObject()) {
      StringBuilder text = new StringBuilder(description.path("text").asText(""));
      for (JsonNode extra : description.path("extra")) {
        text.append(extra.isTextual() ? extra.asText() : extra.path("text").asText(""));
      }
      return text.toString();
    }
    return null;
  }

  // ------------------------------------------------------------ framing

  /** One packet: its id and the bytes after the id. */
  public record Packet(int id, byte[] data) {
    public InputStream stream() {
      return new java.io.ByteArrayInputStream(data);
    }
  }

  /** The handshake packet (id 0). */
  public static byte[] handshake(int protocol, String host, int port, int nextState) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    writeVarInt(b, protocol);
    writeString(b, host);
    b.write((port >> 8) & 0xFF);
    b.write(port & 0xFF);
    writeVarInt(b, nextState);
    return packet(0, b.toByteArray());
  }

  /** Frames {@code data} as packet {@code id}. */
  public static byte[] packet(int id, byte[] data) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    writeVarInt(body, id);
    body.writeBytes(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarInt(out, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  /** A status reply (id 0) carrying {@code json}. */
  public static byte[] statusReply(String json) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    writeString(b, json);
    return packet(0, b.toByteArray());
  }

  /** A login-state disconnect (id 0) with a chat component {@code {"text": message}}. */
  public static byte[] loginDisconnect(String message) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    writeString(b, JSON.createObjectNode().put("text", message).toString());
    return packet(0, b.toByteArray());
  }

  /** Reads one packet, refusing lengths above {@value #MAX_PACKET}. */
  public static Packet readPacket(DataInputStream in) throws IOException, ProtocolException {
    int length = readVarInt(in);
    if (length < 1 || length > MAX_PACKET) {
      throw new ProtocolException("bad packet length " + length);
    }
    byte[] body = new byte[length];
    in.readFully(body);
    DataInputStream b = new DataInputStream(new java.io.ByteArrayInputStream(body));
    int id = readVarInt(b);
    byte[] rest = b.readAllBytes();
    return new Packet(id, rest);
  }

  /** The handshake's fields, from its packet data. */
  public record Handshake(int protocol, String host, int port, int nextState) {}

  public static Handshake parseHandshake(Packet p) throws IOException, ProtocolException {
    if (p.id() != 0) {
      throw new ProtocolException("not a handshake");
    }
    DataInputStream in = new DataInputStream(p.stream());
    int protocol = readVarInt(in);
    String host = readString(in);
    int port = in.readUnsignedShort();
    int next = readVarInt(in);
    return new Handshake(protocol, host, port, next);
  }

  static int readVarInt(DataInputStream in) throws IOException, ProtocolException {
    int value = 0;
    for (int i = 0; i < 5; i++) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed");
      }
      value |= (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new ProtocolException("VarInt too long");
  }

  static void writeVarInt(ByteArrayOutputStream out, int value) {
    int v = value;
    while (true) {
      if ((v & ~0x7F) == 0) {
        out.write(v);
        return;
      }
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
  }

  public static String readString(DataInputStream in) throws IOException, ProtocolException {
    int length = readVarInt(in);
    if (length < 0 || length > MAX_PACKET) {
      throw new ProtocolException("bad string length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static void writeString(ByteArrayOutputStream out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    writeVarInt(out, bytes.length);
    out.writeBytes(bytes);
  }
}
