package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.peon.orc.config.PortRange;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.plan.PortEntry.PortProtocol;
import dev.peon.orc.plan.PortGroup;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.PortBinding.Protocol;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {
  private static final ServerId ID = ServerId.parse("game.new");
  private static final PlanId PLAN = new PlanId("game");

  /** The shape 160 of the 180 upstream plans have: one group, 27015 with udp and with tcp. */
  private static final List<PortGroup> SOURCE =
      List.of(
          group(entry("PORT", 27015, PortProtocol.UDP), entry("PORT", 27015, PortProtocol.TCP)));

  private static final List<PortGroup> VALHEIM =
      List.of(
          group(
              entry("PORT", 2456, PortProtocol.UDP),
              entry("QUERY_PORT", 2457, PortProtocol.UDP),
              entry("CROSSPLAY_PORT", 2458, PortProtocol.UDP)));

  private final FakeHostPorts host = new FakeHostPorts();
  private final Map<PortBinding, String> reserved = new HashMap<>();
  private final PortAllocator allocator = new PortAllocator(host, new PortRange(20000, 20009));

  private static PortEntry entry(String name, int port, PortProtocol protocol) {
    return new PortEntry(name, port, protocol, protocol.name().toLowerCase());
  }

  private static PortGroup group(PortEntry... entries) {
    return new PortGroup(List.of(entries));
  }

  private void reserve(String holder, int port, Protocol... protocols) {
    for (Protocol p : protocols) {
      reserved.put(new PortBinding(port, p), holder);
    }
  }

  private PortAllocation allocate(List<PortGroup> groups, Map<String, Integer> explicit) {
    return allocator.allocate(ID, groups, explicit, reserved);
  }

  private static Map<String, Integer> ports(Object... nameThenPort) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenPort.length; i += 2) {
      m.put((String) nameThenPort[i], (Integer) nameThenPort[i + 1]);
    }
    return m;
  }

  @Test
  void takesThePlansGroupWhileItIsFree() {
    PortAllocation a = allocate(SOURCE, Map.of());

    assertThat(a.fromRange()).isFalse();
    assertThat(a.group()).isZero();
    assertThat(a.entries()).isEqualTo(SOURCE.get(0).entries());
  }

  @Test
  void movesATakenSingleGroupToTheRangeKeepingNamesProtocolsAndSharedNumbers() {
    reserve("game.first", 27015, Protocol.UDP, Protocol.TCP);

    PortAllocation a = allocate(SOURCE, Map.of());

    assertThat(a.fromRange()).isTrue();
    assertThat(a.group()).isZero();
    assertThat(a.entries())
        .containsExactly(
            entry("PORT", 20000, PortProtocol.UDP), entry("PORT", 20000, PortProtocol.TCP));
  }

  @Test
  void keepsTheOffsetsOfANarrowGroupSoDerivedQueryPortsStillWork() {
    reserve("valheim.a", 2456, Protocol.UDP);
    reserve("other.b", 20001, Protocol.UDP);

    PortAllocation a = allocate(VALHEIM, Map.of());

    assertThat(a.entries())
        .extracting(PortEntry::port)
        .as("20000-20002 would hit 20001; the first block that fits is 20002-20004")
        .containsExactly(20002, 20003, 20004);
  }

  @Test
  void movesEachNumberOnItsOwnWhenTheGroupIsWide() {
    List<PortGroup> wide =
        List.of(
            group(
                entry("PORT", 7777, PortProtocol.UDP),
                entry("QUERY_PORT", 27015, PortProtocol.UDP),
                entry("RCON_PORT", 27020, PortProtocol.TCP)));
    reserve("wide.a", 7777, Protocol.UDP);
    host.occupy(20000, Protocol.UDP);

    PortAllocation a = allocate(wide, Map.of());

    assertThat(a.entries()).extracting(PortEntry::port).containsExactly(20001, 20002, 20000);
  }

  @Test
  void skipsRangePortsThatAForeignProcessHoldsForAnyNeededProtocol() {
    reserve("game.first", 27015, Protocol.UDP);
    host.occupy(20000, Protocol.TCP);

    assertThat(allocate(SOURCE, Map.of()).entries())
        .extracting(PortEntry::port)
        .containsOnly(20001);
  }

  @Test
  void prefersALaterFreePlanGroupOverTheRange() {
    List<PortGroup> two =
        List.of(
            group(entry("PORT", 2456, PortProtocol.UDP)),
            group(entry("PORT", 2466, PortProtocol.UDP)));
    reserve("g.a", 2456, Protocol.UDP);

    PortAllocation a = allocate(two, Map.of());

    assertThat(a.group()).isEqualTo(1);
    assertThat(a.fromRange()).isFalse();
  }

  @Test
  void saysPortsUsedNamingTheFirstGroupsHolderAndTheWayOutWhenTheRangeIsFull() {
    reserve("game.first", 27015, Protocol.UDP);
    for (int p = 20000; p <= 20009; p++) {
      reserve("game.s" + p, p, Protocol.TCP);
    }

    ServerException e =
        catchThrowableOfType(ServerException.class, () -> allocate(SOURCE, Map.of()));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.errCode()).isEqualTo("srv.portsused");
    assertThat(e.getMessage())
        .startsWith("Server [game.first] is using one or more of the ports required by [game.new]")
        .contains("ports.range 20000-20009 has no free ports left")
        .contains("widen ports.range")
        .contains("--port NAME=N");
    assertThat(e.conflict()).get().extracting(PortConflict::holder).isEqualTo("game.first");
  }

  @Test
  void putsExplicitPortsInAndAllocatesTheOthers() {
    PortAllocation a = allocate(VALHEIM, ports("PORT", 30000));

    assertThat(a.fromRange()).isFalse();
    assertThat(a.entries()).extracting(PortEntry::port).containsExactly(30000, 2457, 2458);
  }

  @Test
  void movesOnlyTheOtherPortsToTheRangeWhenTheGroupIsTaken() {
    reserve("valheim.a", 2456, Protocol.UDP);

    PortAllocation a = allocate(VALHEIM, ports("QUERY_PORT", 20001));

    assertThat(a.fromRange()).isTrue();
    assertThat(a.entries())
        .extracting(PortEntry::port)
        .as("PORT and CROSSPLAY_PORT keep their offset around the explicit 20001")
        .containsExactly(20000, 20001, 20002);
  }

  @Test
  void anExplicitPortHeldByAnotherServerNamesThatServerAndThePort() {
    reserve("valheim.a", 30000, Protocol.UDP);

    ServerException e =
        catchThrowableOfType(ServerException.class, () -> allocate(VALHEIM, ports("PORT", 30000)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.getMessage())
        .startsWith("Port 30000/udp (PORT) asked for [game.new] is reserved by server [valheim.a]")
        .contains("choose another port")
        .contains("leave PORT out");
    assertThat(e.conflict())
        .contains(new PortConflict(new PortBinding(30000, Protocol.UDP), "PORT", "valheim.a"));
  }

  @Test
  void anExplicitPortBoundOnTheHostNamesAProcessOutsidePeon() {
    host.occupy(30000, Protocol.UDP);

    ServerException e =
        catchThrowableOfType(ServerException.class, () -> allocate(VALHEIM, ports("PORT", 30000)));

    assertThat(e.getMessage())
        .startsWith(
            "Port 30000/udp (PORT) asked for [game.new] is in use on the host by a process"
                + " outside PEON");
    assertThat(e.conflict()).get().extracting(PortConflict::holder).isNull();
  }

  @Test
  void anExplicitPortOnAnotherEntryOfTheGroupMovesThatEntry() {
    PortAllocation a = allocate(VALHEIM, ports("PORT", 2457));

    assertThat(a.fromRange()).isTrue();
    assertThat(a.entries()).extracting(PortEntry::port).containsExactly(2457, 20000, 20001);
  }

  @Test
  void withoutARangeOnlyThePlanGroupsAreUsed() {
    PortAllocator groupsOnly = new PortAllocator(host, null);
    reserve("game.first", 27015, Protocol.TCP);

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> groupsOnly.allocate(ID, SOURCE, Map.of(), reserved));

    assertThat(e.getMessage())
        .startsWith("Server [game.first] is using one or more of the ports required by [game.new]")
        .contains("set ports.range");
  }

  @Test
  void aPlanWithoutPortsGetsNone() {
    assertThat(allocate(List.of(), Map.of()).entries()).isEmpty();
  }

  @Test
  void validationRefusesUnknownNamesBadNumbersAndDuplicatesListingEveryProblem() {
    ServerException unknown =
        catchThrowableOfType(
            ServerException.class,
            () -> PortAllocator.validate(PLAN, VALHEIM, ports("GAME_PORT", 1, "RCON", 2)));
    ServerException range =
        catchThrowableOfType(
            ServerException.class,
            () -> PortAllocator.validate(PLAN, VALHEIM, ports("PORT", 0, "QUERY_PORT", 70000)));
    ServerException twice =
        catchThrowableOfType(
            ServerException.class,
            () -> PortAllocator.validate(PLAN, VALHEIM, ports("PORT", 30000, "QUERY_PORT", 30000)));
    ServerException none =
        catchThrowableOfType(
            ServerException.class,
            () -> PortAllocator.validate(PLAN, List.of(), ports("PORT", 30000)));

    assertThat(unknown.kind()).isEqualTo(ServerException.Kind.INVALID);
    assertThat(unknown.getMessage())
        .contains("ports.GAME_PORT: the plan game has no port named GAME_PORT")
        .contains("ports.RCON:")
        .contains("[PORT, QUERY_PORT, CROSSPLAY_PORT]");
    assertThat(range.getMessage())
        .contains("ports.PORT: 0 must be between 1 and 65535")
        .contains("ports.QUERY_PORT: 70000");
    assertThat(twice.getMessage()).contains("ports.QUERY_PORT: 30000/udp is also asked for PORT");
    assertThat(none.getMessage()).contains("publishes no ports");
    PortAllocator.validate(PLAN, SOURCE, ports("PORT", 27016));
  }

  @Test
  void validationRefusesNamesSpreadOverTwoGroups() {
    List<PortGroup> split =
        List.of(
            group(entry("PORT", 1000, PortProtocol.UDP)),
            group(entry("QUERY_PORT", 1001, PortProtocol.UDP)));

    ServerException e =
        catchThrowableOfType(
            ServerException.class,
            () -> PortAllocator.validate(PLAN, split, ports("PORT", 2000, "QUERY_PORT", 2001)));

    assertThat(e.getMessage()).contains("not all in one port group");
  }
}
