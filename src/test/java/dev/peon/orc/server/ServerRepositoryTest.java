package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.peon.orc.config.PortRange;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.plan.PortEntry.PortProtocol;
import dev.peon.orc.plan.PortGroup;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.PortBinding.Protocol;
import dev.peon.orc.store.Database;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerRepositoryTest {
  private static final List<PortGroup> VALHEIM =
      List.of(
          group(entry("PORT", 2456, PortProtocol.UDP), entry("QUERY_PORT", 2457, PortProtocol.UDP)),
          group(
              entry("PORT", 2466, PortProtocol.UDP), entry("QUERY_PORT", 2467, PortProtocol.UDP)));

  @TempDir Path dir;
  private Database db;
  private FakeHostPorts hostPorts;
  private ServerRepository repo;

  @BeforeEach
  void open() {
    db = Database.open(dir.resolve("peon.db"));
    hostPorts = new FakeHostPorts();
    repo = new ServerRepository(db, hostPorts, new SubnetPool("10.213.0.0/16", 28));
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static PortEntry entry(String name, int port, PortProtocol protocol) {
    return new PortEntry(name, port, protocol, protocol.name().toLowerCase());
  }

  private static PortGroup group(PortEntry... entries) {
    return new PortGroup(List.of(entries));
  }

  private static ServerId id(String uid) {
    return ServerId.parse(uid);
  }

  /** port/protocol -> holder, from the reservations table. */
  private Map<String, String> reservations() {
    return db.inTransaction(
        c -> {
          Map<String, String> out = new HashMap<>();
          try (ResultSet rs =
              c.createStatement()
                  .executeQuery("SELECT port, protocol, server_id FROM port_reservations")) {
            while (rs.next()) {
              out.put(rs.getInt(1) + "/" + rs.getString(2), rs.getString(3));
            }
          }
          return out;
        });
  }

  @Test
  void choosesTheFirstFreeGroup() {
    ServerRecord a = repo.insertCreating(id("valheim.a"), VALHEIM);
    ServerRecord b = repo.insertCreating(id("valheim.b"), VALHEIM);

    assertThat(a.portGroup()).isZero();
    assertThat(b.portGroup()).isEqualTo(1);
    assertThat(a.status()).isEqualTo(ServerRecord.Status.CREATING);
    assertThat(reservations())
        .containsOnly(
            Map.entry("2456/udp", "valheim.a"),
            Map.entry("2457/udp", "valheim.a"),
            Map.entry("2466/udp", "valheim.b"),
            Map.entry("2467/udp", "valheim.b"));
  }

  @Test
  void givesEachServerItsOwnSubnet() {
    ServerRecord a = repo.insertCreating(id("valheim.a"), VALHEIM);
    ServerRecord b = repo.insertCreating(id("valheim.b"), VALHEIM);

    assertThat(a.subnet()).isEqualTo("10.213.0.0/28");
    assertThat(b.subnet()).isEqualTo("10.213.0.16/28");
  }

  @Test
  void reusesAGroupFreedByADeletedServer() {
    repo.insertCreating(id("valheim.a"), VALHEIM);
    repo.insertCreating(id("valheim.b"), VALHEIM);
    repo.delete(id("valheim.a"));

    assertThat(repo.insertCreating(id("valheim.c"), VALHEIM).portGroup()).isZero();
    assertThat(repo.find(id("valheim.a"))).isEmpty();
  }

  @Test
  void skipsAGroupWhosePortAForeignProcessHolds() {
    hostPorts.occupy(2457, Protocol.UDP);

    ServerRecord a = repo.insertCreating(id("valheim.a"), VALHEIM);

    assertThat(a.portGroup()).isEqualTo(1);
  }

  @Test
  void theSamePortNumberWithAnotherProtocolDoesNotClash() {
    hostPorts.occupy(2456, Protocol.TCP);

    assertThat(repo.insertCreating(id("valheim.a"), VALHEIM).portGroup()).isZero();
  }

  @Test
  void refusesWithPortsUsedNamingTheHolderWhenNoGroupIsFree() {
    repo.insertCreating(id("valheim.a"), VALHEIM);
    repo.insertCreating(id("valheim.b"), VALHEIM);

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> repo.insertCreating(id("valheim.c"), VALHEIM));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.errCode()).isEqualTo("srv.portsused");
    assertThat(e.getMessage())
        .startsWith("Server [valheim.a] is using one or more of the ports required by [valheim.c]")
        .contains("\"ports\" field", "--port NAME=N", "ports.range");
    assertThat(repo.find(id("valheim.c"))).as("no row left behind").isEmpty();
    assertThat(reservations()).doesNotContainValue("valheim.c");
  }

  @Test
  void namesAProcessOutsidePeonWhenTheHostHoldsThePorts() {
    hostPorts.occupy(2456, Protocol.UDP);
    hostPorts.occupy(2466, Protocol.UDP);

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> repo.insertCreating(id("valheim.a"), VALHEIM));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.getMessage()).contains("a process outside PEON").contains("[valheim.a]");
  }

  @Test
  void rejectsASecondInsertOfTheSameServer() {
    repo.insertCreating(id("valheim.a"), VALHEIM);

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> repo.insertCreating(id("valheim.a"), VALHEIM));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.ALREADY_EXISTS);
    assertThat(reservations()).hasSize(2);
  }

  @Test
  void aPlanWithoutPortsReservesNothing() {
    ServerRecord r = repo.insertCreating(id("valheim.a"), List.of());

    assertThat(r.portGroup()).isZero();
    assertThat(reservations()).isEmpty();
  }

  @Test
  void marksARowActive() {
    repo.insertCreating(id("valheim.a"), VALHEIM);

    repo.markActive(id("valheim.a"));

    assertThat(repo.find(id("valheim.a")))
        .get()
        .extracting(ServerRecord::status)
        .isEqualTo(ServerRecord.Status.ACTIVE);
  }

  @Test
  void importReservesExactlyTheGivenPortsOrNamesTheHolder() {
    repo.insertCreating(id("valheim.a"), VALHEIM);

    ServerRecord imported = repo.insertImported(id("valheim.old"), VALHEIM.get(1).entries());
    ServerException clash =
        catchThrowableOfType(
            ServerException.class,
            () -> repo.insertImported(id("valheim.older"), VALHEIM.get(0).entries()));

    assertThat(imported.status()).isEqualTo(ServerRecord.Status.ACTIVE);
    assertThat(reservations()).containsEntry("2466/udp", "valheim.old");
    assertThat(clash.errCode()).isEqualTo("srv.portsused");
    assertThat(clash.getMessage()).startsWith("Server [valheim.a]");
    assertThat(repo.find(id("valheim.older"))).isEmpty();
  }

  @Test
  void listsAllRowsSortedByGameAndName() {
    repo.insertCreating(id("valheim.b"), List.of());
    repo.insertCreating(id("ark.z"), List.of());
    repo.insertCreating(id("valheim.a"), List.of());

    assertThat(repo.all())
        .extracting(r -> r.id().uid())
        .containsExactly("ark.z", "valheim.a", "valheim.b");
  }

  @Test
  void expandsProtocolsIntoBindings() {
    List<PortBinding> b =
        ServerRepository.bindings(
            List.of(
                entry("A", 1000, PortProtocol.TCP),
                entry("B", 1001, PortProtocol.UDP),
                entry("C", 1002, PortProtocol.BOTH),
                entry("A_AGAIN", 1000, PortProtocol.TCP)));

    assertThat(b)
        .containsExactly(
            new PortBinding(1000, Protocol.TCP),
            new PortBinding(1001, Protocol.UDP),
            new PortBinding(1002, Protocol.TCP),
            new PortBinding(1002, Protocol.UDP));
  }

  @Test
  void bothProtocolsAreReservedForATcpUdpEntry() {
    List<PortGroup> groups = List.of(group(entry("GAME", 27015, PortProtocol.BOTH)));
    repo.insertCreating(id("csgo.a"), groups);
    List<PortGroup> udpOnly = List.of(group(entry("Q", 27015, PortProtocol.UDP)));

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> repo.insertCreating(id("csgo.b"), udpOnly));

    assertThat(reservations()).containsOnlyKeys("27015/tcp", "27015/udp");
    assertThat(e.getMessage()).startsWith("Server [csgo.a]");
  }

  @Test
  void aThousandConcurrentAllocationsNeverShareAPort() throws Exception {
    int servers = 1000;
    List<PortGroup> groups =
        IntStream.range(0, 1200)
            .mapToObj(i -> group(entry("PORT", 20000 + i, PortProtocol.UDP)))
            .toList();
    CountDownLatch go = new CountDownLatch(1);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Future<ServerRecord>> results = new ArrayList<>();

    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < servers; i++) {
        ServerId id = id("game.s" + i);
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    return repo.insertCreating(id, groups);
                  } catch (RuntimeException e) {
                    failures.add(e);
                    throw e;
                  }
                }));
      }
      go.countDown();
    }

    assertThat(failures).isEmpty();
    List<Integer> chosen = new ArrayList<>();
    for (Future<ServerRecord> f : results) {
      chosen.add(f.get().portGroup());
    }
    assertThat(chosen)
        .doesNotHaveDuplicates()
        .hasSize(servers)
        .allMatch(g -> g >= 0 && g < servers);
    Map<String, String> reserved = reservations();
    assertThat(reserved).hasSize(servers);
    Map<String, Integer> perServer = new HashMap<>();
    reserved.values().forEach(s -> perServer.merge(s, 1, Integer::sum));
    assertThat(perServer).hasSize(servers).allSatisfy((s, n) -> assertThat(n).isOne());
    assertThat(repo.all()).hasSize(servers);
    assertThat(repo.all().stream().map(ServerRecord::subnet).distinct()).hasSize(servers);
  }

  private ServerRepository withRange(int first, int last) {
    return new ServerRepository(
        db, hostPorts, new SubnetPool("10.213.0.0/16", 28), new PortRange(first, last));
  }

  private static final List<PortGroup> SOURCE =
      List.of(
          group(entry("PORT", 27015, PortProtocol.UDP), entry("PORT", 27015, PortProtocol.TCP)));

  @Test
  void movesASecondServerOfASingleGroupPlanToTheRangeAndRecordsIt() {
    ServerRepository ranged = withRange(30000, 30009);
    ServerRepository.Created a = ranged.insertCreating(id("css.a"), SOURCE, Map.of());
    ServerRepository.Created b = ranged.insertCreating(id("css.b"), SOURCE, Map.of());

    assertThat(a.record().portGroup()).isZero();
    assertThat(a.ports().fromRange()).isFalse();
    assertThat(b.record().portGroup()).isEqualTo(ServerRecord.RANGE);
    assertThat(b.ports().entries()).extracting(PortEntry::port).containsExactly(30000, 30000);
    assertThat(ranged.find(id("css.b"))).get().extracting(ServerRecord::portGroup).isEqualTo(-1);
    assertThat(reservations())
        .containsOnly(
            Map.entry("27015/udp", "css.a"),
            Map.entry("27015/tcp", "css.a"),
            Map.entry("30000/udp", "css.b"),
            Map.entry("30000/tcp", "css.b"));
  }

  @Test
  void reservesExplicitPortsAndRefusesThemToTheNextServerNamingTheHolder() {
    ServerRepository ranged = withRange(30000, 30009);
    ranged.insertCreating(id("css.a"), SOURCE, Map.of("PORT", 27500));

    ServerException e =
        catchThrowableOfType(
            ServerException.class,
            () -> ranged.insertCreating(id("css.b"), SOURCE, Map.of("PORT", 27500)));

    assertThat(reservations())
        .containsEntry("27500/udp", "css.a")
        .containsEntry("27500/tcp", "css.a");
    assertThat(e.getMessage()).contains("reserved by server [css.a]");
    assertThat(ranged.find(id("css.b"))).as("no row left behind").isEmpty();
    assertThat(reservations()).doesNotContainValue("css.b");
  }

  @Test
  void startConflictNamesAnotherServerBeforeTheHostAndIgnoresTheServerItself() {
    repo.insertCreating(id("valheim.a"), VALHEIM);
    List<PortEntry> group0 = VALHEIM.get(0).entries();

    assertThat(repo.startConflict(id("valheim.a"), group0)).isEmpty();
    assertThat(repo.startConflict(id("valheim.b"), group0))
        .get()
        .extracting(PortConflict::holder)
        .isEqualTo("valheim.a");
    hostPorts.occupy(2457, Protocol.UDP);
    assertThat(repo.startConflict(id("valheim.a"), group0))
        .contains(new PortConflict(new PortBinding(2457, Protocol.UDP), "QUERY_PORT", null));
  }

  @Test
  void aThousandConcurrentCreatesOfOneSingleGroupPlanGetDistinctRangePorts() throws Exception {
    int servers = 1000;
    ServerRepository ranged = withRange(20000, 39999);
    hostPorts.occupy(20005, Protocol.TCP); // a foreign process in the middle of the range
    CountDownLatch go = new CountDownLatch(1);
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Future<ServerRepository.Created>> results = new ArrayList<>();

    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < servers; i++) {
        ServerId id = id("css.s" + i);
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    return ranged.insertCreating(id, SOURCE, Map.of());
                  } catch (RuntimeException e) {
                    failures.add(e);
                    throw e;
                  }
                }));
      }
      go.countDown();
    }

    assertThat(failures).isEmpty();
    List<Integer> numbers = new ArrayList<>();
    int inGroup = 0;
    for (Future<ServerRepository.Created> f : results) {
      ServerRepository.Created c = f.get();
      assertThat(c.ports().entries())
          .extracting(PortEntry::port)
          .hasSize(2)
          .containsOnly(c.ports().entries().get(0).port());
      numbers.add(c.ports().entries().get(0).port());
      inGroup += c.ports().fromRange() ? 0 : 1;
    }
    assertThat(inGroup).as("exactly one server gets the plan's own 27015").isOne();
    assertThat(numbers)
        .doesNotHaveDuplicates()
        .doesNotContain(20005)
        .allMatch(p -> p == 27015 || (p >= 20000 && p < 20000 + servers + 1));
    Map<String, String> reserved = reservations();
    assertThat(reserved).hasSize(2 * servers);
    Map<String, Integer> perServer = new HashMap<>();
    reserved.values().forEach(s -> perServer.merge(s, 1, Integer::sum));
    assertThat(perServer).hasSize(servers).allSatisfy((s, n) -> assertThat(n).isEqualTo(2));
  }

  @Test
  void serversOnDifferentNodesMayUseTheSamePortsAndAMoveChecksTheTargetNode() {
    ServerRepository.Created a = repo.insertCreating(id("css.a"), SOURCE, Map.of(), "node-1");
    ServerRepository.Created b = repo.insertCreating(id("css.b"), SOURCE, Map.of(), "node-2");
    assertThat(a.ports().entries()).extracting(PortEntry::port).containsOnly(27015);
    assertThat(b.ports().entries()).extracting(PortEntry::port).containsOnly(27015);
    assertThat(repo.find(id("css.a"))).get().extracting(ServerRecord::node).isEqualTo("node-1");
    // a third on node-1 finds the plan's only group taken there
    assertThatThrownBy(() -> repo.insertCreating(id("css.c"), SOURCE, Map.of(), "node-1"))
        .isInstanceOf(ServerException.class);

    // node-1's only plan group is held by css.a and there is no range: nothing to move to
    assertThatThrownBy(() -> repo.moveToNode(id("css.b"), "node-1", SOURCE))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("css.a");
    assertThat(repo.find(id("css.b"))).get().extracting(ServerRecord::node).isEqualTo("node-2");

    assertThat(repo.moveToNode(id("css.b"), "node-3", SOURCE)).isEmpty();
    assertThat(repo.find(id("css.b"))).get().extracting(ServerRecord::node).isEqualTo("node-3");

    // with a range, a move onto taken ports gets fresh ones there
    ServerRepository ranged = withRange(30000, 30009);
    Optional<PortAllocation> fresh = ranged.moveToNode(id("css.b"), "node-1", SOURCE);
    assertThat(fresh).get().extracting(PortAllocation::fromRange).isEqualTo(true);
    assertThat(fresh.get().entries()).extracting(PortEntry::port).containsOnly(30000);
    assertThat(ranged.find(id("css.b"))).get().extracting(ServerRecord::portGroup).isEqualTo(-1);
  }
}
