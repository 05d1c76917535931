package dev.peon.orc.server;

import dev.peon.orc.plan.PortEntry;
import java.util.List;

/**
 * The host ports a new server got.
 *
 * @param group index of the plan port group the entries come from (the base of a range move)
 * @param fromRange true when the entries were moved to fresh ports of {@code ports.range}
 * @param entries the server's port entries, in plan order, explicit ports included; published host
 *     port = container port, and passed to the game as {@code NAME=port}
 */
record PortAllocation(int group, boolean fromRange, List<PortEntry> entries) {
  PortAllocation {
    entries = List.copyOf(entries);
  }
}
