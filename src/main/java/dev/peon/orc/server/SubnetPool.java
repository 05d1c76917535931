package dev.peon.orc.server;

import java.util.Set;

/**
 * Carves per-server subnets (a /28 by default) out of a configured IPv4 pool, so hundreds of server
 * networks fit where Docker's default pools hold about thirty.
 */
public final class SubnetPool {
  private final long base;
  private final int poolPrefix;
  private final int prefix;

  /**
   * @param cidr the pool, e.g. {@code 10.213.0.0/16}
   * @param prefix the size of each server subnet, e.g. 28
   */
  public SubnetPool(String cidr, int prefix) {
    String[] parts = cidr.split("/");
    String[] octets = parts[0].split("\\.");
    long b = 0;
    for (String o : octets) {
      b = (b << 8) | Integer.parseInt(o);
    }
    this.poolPrefix = Integer.parseInt(parts[1]);
    long mask = poolPrefix == 0 ? 0 : (0xFFFFFFFFL << (32 - poolPrefix)) & 0xFFFFFFFFL;
    this.base = b & mask;
    this.prefix = prefix;
  }

  public int capacity() {
    return 1 << (prefix - poolPrefix);
  }

  /** The lowest subnet of the pool not in {@code used}. */
  public String allocate(Set<String> used) {
    for (int i = 0; i < capacity(); i++) {
      String s = subnet(i);
      if (!used.contains(s)) {
        return s;
      }
    }
    throw new ServerException(
        ServerException.Kind.INTERNAL,
        "The network pool is exhausted: raise network.subnet.pool or network.subnet.prefix");
  }

  String subnet(int index) {
    long addr = base + ((long) index << (32 - prefix));
    return ip(addr) + "/" + prefix;
  }

  /** The gateway of a subnet: its first host address. */
  public static String gateway(String subnet) {
    String[] parts = subnet.split("/")[0].split("\\.");
    long b = 0;
    for (String o : parts) {
      b = (b << 8) | Integer.parseInt(o);
    }
    return ip(b + 1);
  }

  private static String ip(long a) {
    return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
  }
}
