package dev.peon.orc.runtime;

/** A published port: host port == container port, one protocol. */
public record PortBinding(int port, Protocol protocol) {

  public PortBinding {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  public enum Protocol {
    TCP,
    UDP;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
