package dev.peon.orc.game;

import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How to ask a game whether it is up. {@code ports} name the server's ports (its plan's port names,
 * e.g. {@code QUERY_PORT}, or a port number it publishes): the first one the server has is used, on
 * the host-published port at 127.0.0.1.
 */
public sealed interface Probe {

  /** The wire name of the probe type. */
  String type();

  /** True when a success also tells the players. */
  default boolean countsPlayers() {
    return false;
  }

  /** Steam/Source query: A2S_INFO (with challenge), A2S_PLAYER for the names. */
  record A2sProbe(List<String> ports) implements Probe {
    public A2sProbe {
      ports = List.copyOf(ports);
    }

    @Override
    public String type() {
      return "a2s";
    }

    @Override
    public boolean countsPlayers() {
      return true;
    }
  }

  /** Minecraft Java Server List Ping (status). */
  record MinecraftProbe(List<String> ports) implements Probe {
    public MinecraftProbe {
      ports = List.copyOf(ports);
    }

    @Override
    public String type() {
      return "minecraft";
    }

    @Override
    public boolean countsPlayers() {
      return true;
    }
  }

  /** A TCP connect that succeeds. */
  record TcpProbe(List<String> ports) implements Probe {
    public TcpProbe {
      ports = List.copyOf(ports);
    }

    @Override
    public String type() {
      return "tcp";
    }
  }

  /**
   * A UDP request whose answer starts with {@code expectHex} (any answer when empty), e.g. the
   * Satisfactory lightweight query.
   */
  record UdpProbe(List<String> ports, String requestHex, String expectHex) implements Probe {
    public UdpProbe {
      ports = List.copyOf(ports);
      HexFormat.of().parseHex(requestHex); // validated by the parser; a bad one fails here
      HexFormat.of().parseHex(expectHex);
    }

    @Override
    public String type() {
      return "udp";
    }
  }

  /** An HTTP GET on 127.0.0.1 answering a status in [200, 400). */
  record HttpProbe(List<String> ports, String path) implements Probe {
    public HttpProbe {
      ports = List.copyOf(ports);
    }

    @Override
    public String type() {
      return "http";
    }
  }

  /** A line of the game's output since its container started matches {@code pattern}. */
  record LogProbe(Pattern pattern) implements Probe {
    @Override
    public String type() {
      return "log";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof LogProbe l && l.pattern.pattern().equals(pattern.pattern());
    }

    @Override
    public int hashCode() {
      return pattern.pattern().hashCode();
    }
  }
}
