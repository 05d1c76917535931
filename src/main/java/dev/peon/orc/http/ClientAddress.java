package dev.peon.orc.http;

import dev.peon.orc.config.AddressRange;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Who the client is when reverse proxies stand in front: {@code X-Forwarded-For} is believed only
 * when the socket peer is a trusted proxy, and then only as far as the chain of trusted proxies
 * goes (read from the right; the first hop that is not a trusted proxy is the client). A header
 * from anyone else is ignored, so it cannot be used to pick an address to lock out or to hide
 * behind.
 */
final class ClientAddress {
  private final List<AddressRange> trusted;

  ClientAddress(List<AddressRange> trusted) {
    this.trusted = List.copyOf(trusted);
  }

  /** The client of a request from {@code peer} carrying these {@code X-Forwarded-For} values. */
  String resolve(String peer, List<String> forwardedFor) {
    String client = normalize(peer);
    if (trusted.isEmpty() || !isTrusted(client)) {
      return client;
    }
    List<String> hops = new java.util.ArrayList<>();
    for (String header : forwardedFor) {
      for (String h : header.split(",")) {
        hops.add(h.trim());
      }
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      Optional<InetAddress> hop = AddressRange.literal(hops.get(i));
      if (hop.isEmpty()) {
        return client; // garbage in the chain: the last hop we could trust is what we know
      }
      client = hop.get().getHostAddress();
      if (!isTrusted(client)) {
        return client;
      }
    }
    return client;
  }

  private boolean isTrusted(String address) {
    Optional<InetAddress> a = AddressRange.literal(address);
    return a.isPresent() && trusted.stream().anyMatch(r -> r.contains(a.get()));
  }

  private static String normalize(String peer) {
    return AddressRange.literal(peer).map(InetAddress::getHostAddress).orElse(peer);
  }
}
