package dev.peon.orc.server;

import dev.peon.orc.config.PortRange;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.plan.PortGroup;
import dev.peon.orc.runtime.PortBinding;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Chooses the host ports of a new server: the plan's port groups first, in order, then, when every
 * group is taken, the entries of the first group moved to fresh ports of {@code ports.range}.
 * Explicit ports asked for by the caller replace the entries of that name in every candidate.
 *
 * <p>A range move keeps the group's shape: entries that shared a port number share the new one
 * (e.g. {@code PORT} with udp and with tcp), and a group spanning fewer than {@value
 * #CONTIGUOUS_SPAN} ports keeps its offsets (2456/2457/2458 becomes B/B+1/B+2), because many games
 * derive a query port from the game port. Wider groups get each number moved on its own.
 *
 * <p>Pure logic: the caller hands in the current reservations and runs it under its allocation lock
 * inside the transaction that stores the result.
 */
final class PortAllocator {
  static final int CONTIGUOUS_SPAN = 64;
  static final String WAY_OUT_FIELD = "the create's \"ports\" field, CLI --port NAME=N";

  private final HostPorts hostPorts;
  private final PortRange range;

  /**
   * @param range where fresh ports come from, or null to use the plan's groups only
   */
  PortAllocator(HostPorts hostPorts, PortRange range) {
    this.hostPorts = hostPorts;
    this.range = range;
  }

  // ---------------------------------------------------------------- validation (400)

  /**
   * Checks explicit ports against the plan before anything is written: every name must be a port
   * variable of one group of the plan, every number 1-65535, and no two names may ask for the same
   * port and protocol.
   */
  static void validate(PlanId plan, List<PortGroup> groups, Map<String, Integer> explicit) {
    if (explicit.isEmpty()) {
      return;
    }
    Set<String> known = new LinkedHashSet<>();
    groups.forEach(g -> g.entries().forEach(e -> known.add(e.name())));
    List<String> problems = new ArrayList<>();
    explicit.forEach(
        (name, port) -> {
          if (!known.contains(name)) {
            problems.add(
                "ports."
                    + name
                    + ": the plan "
                    + plan
                    + (known.isEmpty()
                        ? " publishes no ports"
                        : " has no port named " + name + " (its ports: " + known + ")"));
          } else if (port == null || port < 1 || port > 65535) {
            problems.add("ports." + name + ": " + port + " must be between 1 and 65535");
          }
        });
    if (problems.isEmpty()) {
      PortGroup base =
          groups.stream()
              .filter(g -> names(g).containsAll(explicit.keySet()))
              .findFirst()
              .orElse(null);
      if (base == null) {
        problems.add(
            "ports: " + explicit.keySet() + " are not all in one port group of the plan " + plan);
      } else {
        Map<PortBinding, String> seen = new HashMap<>();
        for (PortEntry e : override(base.entries(), explicit)) {
          if (!explicit.containsKey(e.name())) {
            continue;
          }
          for (PortBinding b : bindings(e)) {
            String other = seen.putIfAbsent(b, e.name());
            if (other != null && !other.equals(e.name())) {
              problems.add(
                  "ports."
                      + e.name()
                      + ": "
                      + b.port()
                      + "/"
                      + b.protocol().wire()
                      + " is also asked for "
                      + other);
            }
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ServerException(ServerException.Kind.INVALID, String.join("; ", problems));
    }
  }

  // ---------------------------------------------------------------- allocation

  /**
   * @param reserved every reserved binding -> the uid of the server holding it
   * @throws ServerException {@code PORTS_USED} (409) naming the holder and the way out
   */
  PortAllocation allocate(
      ServerId id,
      List<PortGroup> groups,
      Map<String, Integer> explicit,
      Map<PortBinding, String> reserved) {
    if (groups.isEmpty()) {
      return new PortAllocation(0, false, List.of());
    }
    PortConflict explicitConflict = null;
    PortConflict groupConflict = null;
    int base = -1;
    for (int i = 0; i < groups.size(); i++) {
      PortGroup g = groups.get(i);
      if (!names(g).containsAll(explicit.keySet())) {
        continue;
      }
      List<PortEntry> entries = override(g.entries(), explicit);
      List<PortEntry> asked = entries.stream().filter(e -> explicit.containsKey(e.name())).toList();
      PortConflict c = firstConflict(asked, reserved);
      if (c != null) {
        explicitConflict = explicitConflict == null ? c : explicitConflict;
        continue;
      }
      base = base < 0 ? i : base;
      c = firstConflict(entries, reserved);
      if (c == null) {
        c = collision(id, entries, explicit.keySet());
      }
      if (c == null) {
        return new PortAllocation(i, false, entries);
      }
      groupConflict = groupConflict == null ? c : groupConflict;
    }
    if (base < 0) {
      throw explicitTaken(id, explicitConflict);
    }
    if (range == null) {
      throw portsUsed(
          id, groupConflict, "; choose free ports (" + WAY_OUT_FIELD + ") or set ports.range");
    }
    List<PortEntry> moved =
        moveToRange(override(groups.get(base).entries(), explicit), explicit.keySet(), reserved);
    if (moved == null) {
      throw portsUsed(
          id,
          groupConflict,
          ", and ports.range "
              + range
              + " has no free ports left for it; widen ports.range or choose free ports ("
              + WAY_OUT_FIELD
              + ")");
    }
    return new PortAllocation(base, true, moved);
  }

  /**
   * The first port of {@code entries} another server holds, else the first one a process outside
   * PEON has bound; null when all are free. Servers are named before foreign processes.
   */
  PortConflict firstConflict(List<PortEntry> entries, Map<PortBinding, String> reserved) {
    for (PortEntry e : entries) {
      for (PortBinding b : bindings(e)) {
        String holder = reserved.get(b);
        if (holder != null) {
          return new PortConflict(b, e.name(), holder);
        }
      }
    }
    for (PortEntry e : entries) {
      for (PortBinding b : bindings(e)) {
        if (!hostPorts.isFree(b)) {
          return new PortConflict(b, e.name(), null);
        }
      }
    }
    return null;
  }

  /**
   * An explicit port that lands on another entry of the same group (e.g. PORT=2457, QUERY=2457).
   */
  private static PortConflict collision(ServerId id, List<PortEntry> entries, Set<String> fixed) {
    Map<PortBinding, PortEntry> planned = new HashMap<>();
    for (PortEntry e : entries) {
      if (!fixed.contains(e.name())) {
        bindings(e).forEach(b -> planned.putIfAbsent(b, e));
      }
    }
    for (PortEntry e : entries) {
      if (fixed.contains(e.name())) {
        for (PortBinding b : bindings(e)) {
          PortEntry other = planned.get(b);
          if (other != null) {
            return new PortConflict(b, other.name(), id.uid());
          }
        }
      }
    }
    return null;
  }

  /** The entries with every non-fixed port number moved into the range; null when none is left. */
  private List<PortEntry> moveToRange(
      List<PortEntry> entries, Set<String> fixed, Map<PortBinding, String> reserved) {
    Map<Integer, Set<PortBinding.Protocol>> needs = new TreeMap<>();
    Set<Integer> taken = new HashSet<>();
    for (PortEntry e : entries) {
      if (fixed.contains(e.name())) {
        taken.add(e.port());
      } else {
        Set<PortBinding.Protocol> p =
            needs.computeIfAbsent(e.port(), k -> EnumSet.noneOf(PortBinding.Protocol.class));
        bindings(e).forEach(b -> p.add(b.protocol()));
      }
    }
    if (needs.isEmpty()) {
      return entries;
    }
    List<Integer> numbers = new ArrayList<>(needs.keySet());
    int lowest = numbers.get(0);
    int span = numbers.get(numbers.size() - 1) - lowest;
    Map<Integer, Integer> moved = new LinkedHashMap<>();
    if (span < CONTIGUOUS_SPAN && span < range.size()) {
      for (int start = range.first(); start + span <= range.last() && moved.isEmpty(); start++) {
        boolean fits = true;
        for (int n : numbers) {
          int candidate = start + n - lowest;
          if (taken.contains(candidate) || !free(candidate, needs.get(n), reserved)) {
            fits = false;
            break;
          }
        }
        if (fits) {
          for (int n : numbers) {
            moved.put(n, start + n - lowest);
          }
        }
      }
    } else {
      for (int n : numbers) {
        int found = -1;
        for (int p = range.first(); p <= range.last() && found < 0; p++) {
          if (!taken.contains(p) && free(p, needs.get(n), reserved)) {
            found = p;
          }
        }
        if (found < 0) {
          moved.clear();
          break;
        }
        moved.put(n, found);
        taken.add(found);
      }
    }
    if (moved.isEmpty()) {
      return null;
    }
    List<PortEntry> out = new ArrayList<>();
    for (PortEntry e : entries) {
      out.add(
          fixed.contains(e.name())
              ? e
              : new PortEntry(e.name(), moved.get(e.port()), e.protocol(), e.protocolText()));
    }
    return out;
  }

  private boolean free(
      int port, Set<PortBinding.Protocol> protocols, Map<PortBinding, String> reserved) {
    for (PortBinding.Protocol p : protocols) {
      if (reserved.containsKey(new PortBinding(port, p))) {
        return false;
      }
    }
    for (PortBinding.Protocol p : protocols) {
      if (!hostPorts.isFree(new PortBinding(port, p))) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- helpers and errors

  private static Set<String> names(PortGroup g) {
    Set<String> out = new HashSet<>();
    g.entries().forEach(e -> out.add(e.name()));
    return out;
  }

  /** The group's entries with the explicit numbers put in for their names. */
  static List<PortEntry> override(List<PortEntry> entries, Map<String, Integer> explicit) {
    List<PortEntry> out = new ArrayList<>();
    for (PortEntry e : entries) {
      Integer n = explicit.get(e.name());
      out.add(n == null ? e : new PortEntry(e.name(), n, e.protocol(), e.protocolText()));
    }
    return out;
  }

  /** What Docker publishes for one entry: tcp, udp, or both. */
  static List<PortBinding> bindings(PortEntry e) {
    List<PortBinding> out = new ArrayList<>(2);
    if (e.protocol() != PortEntry.PortProtocol.UDP) {
      out.add(new PortBinding(e.port(), PortBinding.Protocol.TCP));
    }
    if (e.protocol() != PortEntry.PortProtocol.TCP) {
      out.add(new PortBinding(e.port(), PortBinding.Protocol.UDP));
    }
    return out;
  }

  private static ServerException explicitTaken(ServerId id, PortConflict c) {
    return new ServerException(
        ServerException.Kind.PORTS_USED,
        "Port "
            + c.describe()
            + " asked for ["
            + id
            + "] is "
            + (c.holder() == null
                ? "in use on the host by a process outside PEON"
                : "reserved by server [" + c.holder() + "]")
            + "; choose another port ("
            + WAY_OUT_FIELD
            + ") or leave "
            + c.name()
            + " out to have one allocated",
        "srv.portsused",
        null,
        c);
  }

  /** The PEON message ("Server [x] is using one or more of the ports required by [y]") + a hint. */
  private static ServerException portsUsed(ServerId id, PortConflict c, String wayOut) {
    String holder =
        c.holder() == null
            ? "a process outside PEON"
            : c.holder().equals(id.uid()) ? id + " itself" : c.holder();
    return new ServerException(
        ServerException.Kind.PORTS_USED,
        "Server ["
            + holder
            + "] is using one or more of the ports required by ["
            + id
            + "]"
            + wayOut
            + ".",
        "srv.portsused",
        null,
        c);
  }
}
