package dev.peon.orc.server;

import dev.peon.orc.runtime.PortBinding;

/** Tells whether a port is free on the host. */
public interface HostPorts {
  boolean isFree(PortBinding binding);

  /** Probes by binding a socket on all interfaces for a moment. */
  static HostPorts probing() {
    return b -> {
      try {
        if (b.protocol() == PortBinding.Protocol.TCP) {
          try (var s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(b.port()));
          }
        } else {
          try (var s = new java.net.DatagramSocket(null)) {
            s.bind(new java.net.InetSocketAddress(b.port()));
          }
        }
        return true;
      } catch (java.io.IOException e) {
        return false;
      }
    };
  }
}
