package dev.peon.orc.plan;

/** {@code NAME -> [port, protocol]} of a port group. */
public record PortEntry(String name, int port, PortProtocol protocol, String protocolText) {

  /** tcp, udp, or both (anything other than tcp/udp means both). */
  public enum PortProtocol {
    TCP,
    UDP,
    BOTH
  }
}
