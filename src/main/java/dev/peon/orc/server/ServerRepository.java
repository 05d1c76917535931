package dev.peon.orc.server;

import dev.peon.orc.config.PortRange;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.plan.PortGroup;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Servers, their port reservations and subnets in SQLite. Reservation is atomic: one lock plus one
 * transaction, and the primary key on (port, protocol) as the last line of defence.
 */
final class ServerRepository {
  private final Database db;
  private final SubnetPool subnets;
  private final Set<String> blockedSubnets = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final PortAllocator ports;
  private final PortAllocator remotePorts;
  private final ReentrantLock allocation = new ReentrantLock();

  /** Plan port groups only, as PEON did (no {@code ports.range}). */
  ServerRepository(Database db, HostPorts hostPorts, SubnetPool subnets) {
    this(db, hostPorts, subnets, null);
  }

  /**
   * @param range fresh ports for servers whose plan groups are all taken, or null for none
   */
  ServerRepository(Database db, HostPorts hostPorts, SubnetPool subnets, PortRange range) {
    this.db = db;
    this.subnets = subnets;
    this.ports = new PortAllocator(hostPorts, range);
    // a cluster node's ports cannot be probed from here: its engine refuses a taken one at start
    this.remotePorts = new PortAllocator(b -> true, range);
  }

  /** A CREATING row with the ports reserved for it. */
  record Created(ServerRecord record, PortAllocation ports) {}

  /** Expands a plan port entry into the bindings Docker publishes. */
  static List<PortBinding> bindings(List<PortEntry> entries) {
    Set<PortBinding> out = new LinkedHashSet<>();
    for (PortEntry e : entries) {
      if (e.protocol() != PortEntry.PortProtocol.UDP) {
        out.add(new PortBinding(e.port(), PortBinding.Protocol.TCP));
      }
      if (e.protocol() != PortEntry.PortProtocol.TCP) {
        out.add(new PortBinding(e.port(), PortBinding.Protocol.UDP));
      }
    }
    return List.copyOf(out);
  }

  /** {@link #insertCreating(ServerId, List, Map, String)} without explicit ports. */
  ServerRecord insertCreating(ServerId id, List<PortGroup> groups) {
    return insertCreating(id, groups, Map.of(), null).record();
  }

  /** {@link #insertCreating(ServerId, List, Map, String)} on the local engine. */
  Created insertCreating(ServerId id, List<PortGroup> groups, Map<String, Integer> explicit) {
    return insertCreating(id, groups, explicit, null);
  }

  /** How ports are checked on {@code node}: probed on this host only for the local engine. */
  private PortAllocator allocator(String node) {
    return node == null ? ports : remotePorts;
  }

  private static String nodeKey(String node) {
    return node == null ? "" : node;
  }

  /**
   * Inserts a CREATING row and reserves its ports (see {@link PortAllocator}: plan groups first,
   * then {@code ports.range}; explicit ports as given) and a subnet, all in one transaction under
   * the allocation lock. Throws PORTS_USED naming the holder, ALREADY_EXISTS if the id is taken.
   * The row's {@code port_group} is the group used, or {@link ServerRecord#RANGE} after a move.
   */
  Created insertCreating(
      ServerId id, List<PortGroup> groups, Map<String, Integer> explicit, String node) {
    allocation.lock();
    try {
      return db.inTransaction(
          c -> {
            if (find(c, id).isPresent()) {
              throw new ServerException(
                  ServerException.Kind.ALREADY_EXISTS, "The server [" + id + "] already exists.");
            }
            PortAllocation chosen =
                allocator(node).allocate(id, groups, explicit, reservations(c, node));
            String subnet = subnets.allocate(usedSubnets(c));
            Instant now = Instant.now();
            int group = chosen.fromRange() ? ServerRecord.RANGE : chosen.group();
            insertRow(c, id, group, subnet, ServerRecord.Status.CREATING, now, node);
            reserve(c, id, bindings(chosen.entries()), node);
            return new Created(
                new ServerRecord(id, group, subnet, ServerRecord.Status.CREATING, now, node),
                chosen);
          });
    } finally {
      allocation.unlock();
    }
  }

  /** Every binding reserved on {@code node} -> its server's uid. */
  private static Map<PortBinding, String> reservations(Connection c, String node)
      throws SQLException {
    Map<PortBinding, String> out = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT port, protocol, server_id FROM port_reservations WHERE node = ?")) {
      ps.setString(1, nodeKey(node));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          PortBinding.Protocol p =
              "udp".equals(rs.getString(2)) ? PortBinding.Protocol.UDP : PortBinding.Protocol.TCP;
          out.put(new PortBinding(rs.getInt(1), p), rs.getString(3));
        }
      }
    }
    return out;
  }

  /**
   * Why a server cannot start on its ports now: one of them reserved by another server, else bound
   * on the host by a foreign process; empty when all are free.
   */
  Optional<PortConflict> startConflict(ServerId self, List<PortEntry> entries) {
    String node = find(self).map(ServerRecord::node).orElse(null);
    Map<PortBinding, String> others = new HashMap<>(db.inTransaction(c -> reservations(c, node)));
    others.values().removeIf(self.uid()::equals);
    return Optional.ofNullable(allocator(node).firstConflict(entries, others));
  }

  /**
   * Places the server on {@code node} (null: the local engine): its ports are reserved there
   * instead. When another server on that node holds one of them, the server gets new ports there
   * (the plan's {@code groups} first, then {@code ports.range}), answered so that its definition is
   * changed to match; PORTS_USED when none are free.
   */
  Optional<PortAllocation> moveToNode(ServerId id, String node, List<PortGroup> groups) {
    allocation.lock();
    try {
      return db.inTransaction(
          c -> {
            List<PortBinding> mine = new ArrayList<>();
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT port, protocol FROM port_reservations WHERE server_id = ?")) {
              ps.setString(1, id.uid());
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  mine.add(
                      new PortBinding(
                          rs.getInt(1),
                          "udp".equals(rs.getString(2))
                              ? PortBinding.Protocol.UDP
                              : PortBinding.Protocol.TCP));
                }
              }
            }
            Map<PortBinding, String> there = reservations(c, node);
            there.values().removeIf(id.uid()::equals);
            boolean free = mine.stream().noneMatch(there::containsKey);
            PortAllocation fresh = null;
            if (free) {
              try (PreparedStatement ps =
                  c.prepareStatement("UPDATE port_reservations SET node = ? WHERE server_id = ?")) {
                ps.setString(1, nodeKey(node));
                ps.setString(2, id.uid());
                ps.executeUpdate();
              }
            } else {
              fresh = allocator(node).allocate(id, groups, Map.of(), there);
              try (PreparedStatement ps =
                  c.prepareStatement("DELETE FROM port_reservations WHERE server_id = ?")) {
                ps.setString(1, id.uid());
                ps.executeUpdate();
              }
              reserve(c, id, bindings(fresh.entries()), node);
            }
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE servers SET node = ?, port_group = ? WHERE server_id = ?")) {
              ps.setString(1, node);
              ps.setInt(
                  2,
                  fresh == null
                      ? find(c, id).map(ServerRecord::portGroup).orElse(0)
                      : fresh.fromRange() ? ServerRecord.RANGE : fresh.group());
              ps.setString(3, id.uid());
              ps.executeUpdate();
            }
            return Optional.ofNullable(fresh);
          });
    } finally {
      allocation.unlock();
    }
  }

  /**
   * Adopts an existing server folder: reserves exactly its ports (PORTS_USED if another server
   * holds one) and inserts an ACTIVE row.
   */
  ServerRecord insertImported(ServerId id, List<PortEntry> ports) {
    allocation.lock();
    try {
      return db.inTransaction(
          c -> {
            if (find(c, id).isPresent()) {
              throw new ServerException(
                  ServerException.Kind.ALREADY_EXISTS, "The server [" + id + "] already exists.");
            }
            List<PortBinding> b = bindings(ports);
            String holder = holderOf(c, b);
            if (holder != null) {
              throw portsUsed(holder, id);
            }
            String subnet = subnets.allocate(usedSubnets(c));
            Instant now = Instant.now();
            insertRow(c, id, 0, subnet, ServerRecord.Status.ACTIVE, now, null);
            reserve(c, id, b, null);
            return new ServerRecord(id, 0, subnet, ServerRecord.Status.ACTIVE, now, null);
          });
    } finally {
      allocation.unlock();
    }
  }

  private static void insertRow(
      Connection c,
      ServerId id,
      int group,
      String subnet,
      ServerRecord.Status status,
      Instant now,
      String node)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO servers(server_id, game_uid, servername, port_group, subnet, status,"
                + " created_at, node) VALUES (?,?,?,?,?,?,?,?)")) {
      ps.setString(1, id.uid());
      ps.setString(2, id.game().value());
      ps.setString(3, id.name());
      ps.setInt(4, group);
      ps.setString(5, subnet);
      ps.setString(6, status.name());
      ps.setString(7, now.toString());
      ps.setString(8, node);
      ps.executeUpdate();
    }
  }

  static ServerException portsUsed(String holder, ServerId id) {
    return new ServerException(
        ServerException.Kind.PORTS_USED,
        "Server [" + holder + "] is using one or more of the ports required by [" + id + "]",
        "srv.portsused",
        null);
  }

  private static String holderOf(Connection c, List<PortBinding> bindings) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT server_id FROM port_reservations WHERE node = '' AND port = ? AND protocol ="
                + " ?")) {
      for (PortBinding b : bindings) {
        ps.setInt(1, b.port());
        ps.setString(2, b.protocol().wire());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return rs.getString(1);
          }
        }
      }
    }
    return null;
  }

  private static void reserve(Connection c, ServerId id, List<PortBinding> bindings, String node)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO port_reservations(port, protocol, server_id, node) VALUES (?,?,?,?)")) {
      for (PortBinding b : bindings) {
        ps.setInt(1, b.port());
        ps.setString(2, b.protocol().wire());
        ps.setString(3, id.uid());
        ps.setString(4, nodeKey(node));
        ps.executeUpdate();
      }
    }
  }

  /**
   * Gives a server the next free subnet instead of {@code taken}, which the engine refused (a
   * network outside our records overlaps it, say one left by a failed clean-up or someone else's):
   * {@code taken} is not handed out again while this process runs.
   */
  String moveSubnet(ServerId id, String taken) {
    allocation.lock();
    try {
      blockedSubnets.add(taken);
      return db.inTransaction(
          c -> {
            String next = subnets.allocate(usedSubnets(c));
            try (PreparedStatement ps =
                c.prepareStatement("UPDATE servers SET subnet = ? WHERE server_id = ?")) {
              ps.setString(1, next);
              ps.setString(2, id.uid());
              ps.executeUpdate();
            }
            return next;
          });
    } finally {
      allocation.unlock();
    }
  }

  private Set<String> usedSubnets(Connection c) throws SQLException {
    Set<String> used = new java.util.HashSet<>(blockedSubnets);
    try (ResultSet rs =
        c.createStatement().executeQuery("SELECT subnet FROM servers WHERE subnet IS NOT NULL")) {
      while (rs.next()) {
        used.add(rs.getString(1));
      }
    }
    return used;
  }

  void markActive(ServerId id) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE servers SET status = ? WHERE server_id = ?")) {
            ps.setString(1, ServerRecord.Status.ACTIVE.name());
            ps.setString(2, id.uid());
            return ps.executeUpdate();
          }
        });
  }

  /** Deletes the row; reservations and schedules go with it (foreign keys cascade). */
  void delete(ServerId id) {
    db.inTransaction(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM servers WHERE server_id = ?")) {
            ps.setString(1, id.uid());
            return ps.executeUpdate();
          }
        });
  }

  Optional<ServerRecord> find(ServerId id) {
    return db.inTransaction(c -> find(c, id));
  }

  private static Optional<ServerRecord> find(Connection c, ServerId id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT server_id, port_group, subnet, status, created_at, node FROM servers WHERE"
                + " server_id = ?")) {
      ps.setString(1, id.uid());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(map(rs)) : Optional.empty();
      }
    }
  }

  List<ServerRecord> all() {
    return db.inTransaction(
        c -> {
          List<ServerRecord> out = new ArrayList<>();
          try (ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT server_id, port_group, subnet, status, created_at, node FROM servers"
                          + " ORDER BY game_uid, servername")) {
            while (rs.next()) {
              out.add(map(rs));
            }
          }
          return out;
        });
  }

  private static ServerRecord map(ResultSet rs) throws SQLException {
    return new ServerRecord(
        ServerId.parse(rs.getString(1)),
        rs.getInt(2),
        rs.getString(3),
        ServerRecord.Status.valueOf(rs.getString(4)),
        Instant.parse(rs.getString(5)),
        rs.getString(6));
  }
}
