package dev.peon.orc.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The Server List Ping framing against the protocol documentation's VarInt table and examples. */
class ServerListPingTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void encodesVarIntsAsTheProtocolDocumentationLists() {
    assertThat(varInt(0)).isEqualTo("00");
    assertThat(varInt(1)).isEqualTo("01");
    assertThat(varInt(127)).isEqualTo("7f");
    assertThat(varInt(128)).isEqualTo("8001");
    assertThat(varInt(255)).isEqualTo("ff01");
    assertThat(varInt(25565)).isEqualTo("ddc701");
    assertThat(varInt(2097151)).isEqualTo("ffff7f");
    assertThat(varInt(2147483647)).isEqualTo("ffffffff07");
    assertThat(varInt(-1)).isEqualTo("ffffffff0f");
    assertThat(varInt(-2147483648)).isEqualTo("8080808008");
  }

  @Test
  void decodesVarIntsBackAndRefusesOverlongOnes() throws Exception {
    for (int v : new int[] {0, 1, 127, 128, 25565, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      byte[] bytes = HEX.parseHex(varInt(v));
      assertThat(ServerListPing.readVarInt(new DataInputStream(new ByteArrayInputStream(bytes))))
          .isEqualTo(v);
    }
    byte[] overlong = HEX.parseHex("ffffffffff01");
    assertThatThrownBy(
            () ->
                ServerListPing.readVarInt(new DataInputStream(new ByteArrayInputStream(overlong))))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void buildsTheStatusHandshake() throws Exception {
    // length 19, id 0, protocol -1, "localhost", port 25565 (63dd), next state 1
    byte[] hs = ServerListPing.handshake(-1, "localhost", 25565, 1);
    assertThat(HEX.formatHex(hs)).isEqualTo("1300ffffffff0f096c6f63616c686f737463dd01");
    ServerListPing.Handshake back =
        ServerListPing.parseHandshake(
            ServerListPing.readPacket(new DataInputStream(new ByteArrayInputStream(hs))));
    assertThat(back).isEqualTo(new ServerListPing.Handshake(-1, "localhost", 25565, 1));
  }

  @Test
  void readsTheDocumentedStatusResponse() throws Exception {
    String json =
        """
        {"version": {"name": "1.21.2", "protocol": 768},
         "players": {"max": 100, "online": 5,
                     "sample": [{"name": "thinkofdeath", "id": "4566e69f-c907-48ee-8d71-d7ba5aa00d20"}]},
         "description": {"text": "Hello, world!"},
         "favicon": "data:image/png;base64,<data>", "enforcesSecureChat": false}""";
    PlayerInfo info = ServerListPing.parseStatus(json);
    assertThat(info.online()).isEqualTo(5);
    assertThat(info.max()).isEqualTo(100);
    assertThat(info.names()).containsExactly("thinkofdeath");
    assertThat(info.version()).isEqualTo("1.21.2");
    assertThat(info.serverName()).isEqualTo("Hello, world!");
    assertThat(
            ServerListPing.parseStatus(
                    "{\"players\":{\"max\":2,\"online\":0},\"description\":\"motd\"}")
                .serverName())
        .isEqualTo("motd");
    assertThatThrownBy(() -> ServerListPing.parseStatus("{\"version\": {}}"))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void refusesPacketsLongerThanTheBound() {
    byte[] huge = HEX.parseHex("ffffff7f00");
    assertThatThrownBy(
            () -> ServerListPing.readPacket(new DataInputStream(new ByteArrayInputStream(huge))))
        .isInstanceOf(ProtocolException.class);
  }

  private static String varInt(int v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ServerListPing.writeVarInt(out, v);
    return HEX.formatHex(out.toByteArray());
  }
}
