package dev.peon.orc.plan;

import java.util.List;

/** One alternative set of ports of a plan; a server uses exactly one group. */
public record PortGroup(List<PortEntry> entries) {
  public PortGroup {
    entries = List.copyOf(entries);
  }
}
