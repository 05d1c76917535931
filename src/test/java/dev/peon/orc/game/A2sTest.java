package dev.peon.orc.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The A2S codec against byte-exact captures from Valve's protocol documentation (developer wiki,
 * "Server queries"), not only against our own encoder.
 */
class A2sTest {
  private static final HexFormat HEX = HexFormat.of();

  /** The wiki's example A2S_INFO reply of a Counter-Strike: Source server. */
  private static final String WIKI_INFO_REPLY =
      "ffffffff4902"
          + "67616d653278732e636f6d20436f756e7465722d537472696b6520536f75726365202331"
          + "00"
          + "64655f64757374"
          + "00"
          + "63737472696b65"
          + "00"
          + "436f756e7465722d537472696b653a20536f75726365"
          + "00"
          + "f000"
          + "05"
          + "10"
          + "04"
          + "64"
          + "6c"
          + "00"
          + "00"
          + "312e302e302e3232"
          + "00";

  @Test
  void readsTheWikiInfoReplyWithBotsNotCountedAsPlayers() throws Exception {
    ByteBuffer b = ByteBuffer.wrap(HEX.parseHex(WIKI_INFO_REPLY)).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt()).isEqualTo(0xFFFFFFFF);
    assertThat(b.get()).isEqualTo((byte) 'I');
    PlayerInfo info = A2s.parseInfo(b);
    assertThat(info.serverName()).isEqualTo("game2xs.com Counter-Strike Source #1");
    assertThat(info.map()).isEqualTo("de_dust");
    assertThat(info.version()).isEqualTo("1.0.0.22");
    assertThat(info.max()).isEqualTo(16);
    assertThat(info.online()).isEqualTo(1); // 5 players, 4 of them bots
  }

  @Test
  void buildsTheWikiInfoRequestAndItsChallengedForm() {
    // FF FF FF FF 54 "Source Engine Query" 00, then the challenge (little-endian) when asked
    assertThat(HEX.formatHex(A2s.infoRequest(-1)))
        .isEqualTo("ffffffff54536f7572636520456e67696e6520517565727900");
    assertThat(HEX.formatHex(A2s.infoRequest(0x4A56A0C1)))
        .isEqualTo("ffffffff54536f7572636520456e67696e6520517565727900c1a0564a");
    assertThat(HEX.formatHex(A2s.playerRequest(-1))).isEqualTo("ffffffff55ffffffff");
  }

  @Test
  void readsTheChallengeOfEveryRequestKind() {
    byte[] info = A2s.infoRequest(0x01020304);
    assertThat(A2s.challengeOf(info, info.length)).isEqualTo(0x01020304);
    byte[] bare = A2s.infoRequest(-1);
    assertThat(A2s.challengeOf(bare, bare.length)).isEqualTo(-1);
    byte[] players = A2s.playerRequest(0x0A0B0C0D);
    assertThat(A2s.challengeOf(players, players.length)).isEqualTo(0x0A0B0C0D);
    assertThat(A2s.requestType(players, players.length)).isEqualTo(A2s.PLAYER_REQUEST);
    byte[] other =
        "\u00ff\u00ff\u00ff\u00ffgetchallenge"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(A2s.requestType(other, other.length)).isZero();
  }

  @Test
  void anInfoReplyOfOursReadsBackAsSent() throws Exception {
    byte[] reply =
        A2s.infoReply(
            new A2s.Announcement("Vik (sleeping)", "sleeping", "peon", "PEON", 0, 10, "sleeping"),
            2456);
    ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
    b.getInt();
    assertThat(b.get()).isEqualTo((byte) 'I');
    PlayerInfo info = A2s.parseInfo(b);
    assertThat(info.serverName()).isEqualTo("Vik (sleeping)");
    assertThat(info.online()).isZero();
    assertThat(info.max()).isEqualTo(10);
  }

  @Test
  void readsAPlayerReplyAndSkipsPlayersStillConnecting() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 2);
    b.put((byte) 0).put("alice\0".getBytes()).putInt(3).putFloat(12.5f);
    b.put((byte) 1).put((byte) 0).putInt(0).putFloat(1f); // empty name: connecting
    b.flip();
    assertThat(A2s.parsePlayers(b)).containsExactly("alice");
  }

  @Test
  void refusesTruncatedReplies() {
    ByteBuffer b = ByteBuffer.wrap(HEX.parseHex("0261626300")).order(ByteOrder.LITTLE_ENDIAN);
    assertThatThrownBy(() -> A2s.parseInfo(b)).isInstanceOf(ProtocolException.class);
  }
}
