package dev.peon.orc.runtime;

import java.util.Map;

/** A bridge network; {@code subnet} in CIDR notation, or null to let the engine choose. */
public record NetworkSpec(String name, String subnet, String gateway, Map<String, String> labels) {
  public NetworkSpec {
    labels = Map.copyOf(labels);
  }
}
