package dev.peon.orc.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One IP address or CIDR range ({@code 10.0.0.5}, {@code 10.0.0.0/8}, {@code fd00::/8}), parsed
 * from literals only: never a DNS lookup.
 */
public record AddressRange(byte[] network, int prefix) {
  private static final Pattern V4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  public AddressRange {
    network = network.clone();
    if (prefix < 0 || prefix > network.length * 8) {
      throw new IllegalArgumentException("prefix out of range");
    }
  }

  /** Parses {@code address} or {@code address/prefix}; IPv4 or IPv6. */
  public static AddressRange parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    byte[] bytes =
        literal(addr)
            .map(InetAddress::getAddress)
            .orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an IP address"));
    int prefix = bytes.length * 8;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bytes.length * 8) {
        throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
      }
      prefix = Integer.parseInt(p);
    }
    return new AddressRange(bytes, prefix);
  }

  /** The address of an IP literal (brackets and an IPv6 zone allowed), or empty; no DNS. */
  public static Optional<InetAddress> literal(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    int zone = t.indexOf('%');
    if (zone >= 0) {
      t = t.substring(0, zone);
    }
    boolean v4 = V4.matcher(t).matches();
    if (!v4 && !(t.indexOf(':') >= 0 && V6.matcher(t).matches())) {
      return Optional.empty(); // anything else could make getByName ask DNS
    }
    try {
      return Optional.of(InetAddress.getByName(t));
    } catch (UnknownHostException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code address} lies in this range (IPv4-mapped IPv6 addresses match IPv4 ranges). */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (a[full] & mask) == (network[full] & mask);
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
    } catch (UnknownHostException e) {
      return "?/" + prefix;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AddressRange r
        && r.prefix == prefix
        && java.util.Arrays.equals(r.network, network);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(network) + prefix;
  }
}
