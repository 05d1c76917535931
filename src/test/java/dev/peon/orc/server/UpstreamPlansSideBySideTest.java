package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The measured problem of issue 9: 160 of the 180 upstream plans publish 27015 in their only port
 * group, so PEON could run one of them at a time. With {@code ports.range} every plan is creatable
 * and startable side by side. Real SQLite and the real plan parser; the host is a fake whose bound
 * ports are those a test declares busy plus the ports every running container publishes (what
 * docker-proxy would hold), so a clash between two started servers would show.
 */
class UpstreamPlansSideBySideTest {
  @TempDir Path tmp;
  private Database db;
  private FakeContainerRuntime runtime;
  private FakeHostPorts foreign;
  private ServerService service;

  @BeforeEach
  void setUp() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    runtime = new FakeContainerRuntime(clock);
    runtime.addImage(UpstreamShapedPlans.IMAGE, Map.of());
    foreign = new FakeHostPorts();
    FixedPlanCatalog plans = new FixedPlanCatalog();
    UpstreamShapedPlans.write(tmp.resolve("plans")).forEach(plans::add);
    db = Database.open(tmp.resolve("data").resolve("peon.db"));
    OrchestratorConfig config =
        new ConfigLoader()
            .load(
                null,
                Map.of(),
                Map.of(
                    "data.dir", tmp.resolve("data").toString(),
                    "plans.source", tmp.resolve("plans").toString()));
    HostPorts host = b -> foreign.isFree(b) && !publishedByARunningContainer(b);
    service = new ServerService(config, db, plans, runtime, host, clock);
    service.reconcile();
  }

  @AfterEach
  void tearDown() {
    service.close();
    db.close();
  }

  private boolean publishedByARunningContainer(PortBinding b) {
    for (String name : runtime.containerNames()) {
      Optional<ContainerSpec> spec = runtime.spec(name);
      if (runtime.state(name).orElse(null) == ContainerState.RUNNING
          && spec.isPresent()
          && spec.get().ports().contains(b)) {
        return true;
      }
    }
    return false;
  }

  private void createAndStartOneOfEveryPlan(String name) {
    for (UpstreamShapedPlans.Shape s : UpstreamShapedPlans.shapes()) {
      ServerView v =
          service.create(
              new CreateRequest(new PlanId(s.gameUid()), name, Map.of(), "", false, false));
      assertThat(v.running()).as(v.id().uid()).isTrue();
    }
  }

  /** Every published binding belongs to one container, and the game is told those ports. */
  private void assertNoTwoServersShareAPortAndEachGameKnowsItsPorts(int servers) {
    Map<PortBinding, String> owner = new HashMap<>();
    assertThat(service.list()).hasSize(servers);
    for (ServerView v : service.list()) {
      ContainerSpec spec = runtime.spec(v.id().containerName()).orElseThrow();
      assertThat(runtime.state(spec.name())).contains(ContainerState.RUNNING);
      for (PortBinding b : spec.ports()) {
        String before = owner.put(b, v.id().uid());
        assertThat(before).as(b + " of " + v.id() + " is also published by " + before).isNull();
      }
      for (PortEntry e : v.definition().ports()) {
        assertThat(spec.env())
            .as(v.id() + " is told its port " + e.name())
            .contains(e.name() + "=" + e.port());
        assertThat(spec.ports()).containsAll(PortAllocator.bindings(e));
      }
    }
  }

  @Test
  void all180PlansRunSideBySideAndASecondServerOfEachToo() {
    createAndStartOneOfEveryPlan("first");

    assertNoTwoServersShareAPortAndEachGameKnowsItsPorts(UpstreamShapedPlans.TOTAL);
    long on27015 =
        service.list().stream()
            .filter(v -> v.definition().ports().stream().anyMatch(p -> p.port() == 27015))
            .count();
    assertThat(on27015).as("only one server keeps the plans' own 27015").isOne();

    assertThat(service.get(ServerId.parse("groups_02.first")).definition().ports())
        .extracting(PortEntry::port)
        .as("a plan with a free alternative group uses it before the range")
        .containsExactly(2459, 2460, 2461);
    assertThat(service.get(ServerId.parse("groups_06.first")).definition().ports())
        .extracting(PortEntry::port)
        .as("all three groups taken: a block of three in the range")
        .allMatch(p -> p >= 20000 && p <= 39999);

    createAndStartOneOfEveryPlan("second");

    assertNoTwoServersShareAPortAndEachGameKnowsItsPorts(2 * UpstreamShapedPlans.TOTAL);
  }

  @Test
  void rangeMovesKeepNamesProtocolsAndSharedNumbers() {
    createAndStartOneOfEveryPlan("first");

    ServerView shared = service.get(ServerId.parse("source_004.first"));
    List<PortEntry> ports = shared.definition().ports();
    assertThat(ports)
        .extracting(PortEntry::name)
        .containsExactly("GAME_PORT", "QUERY_PORT", "CLIENT_PORT");
    assertThat(ports.get(0).port()).isEqualTo(ports.get(1).port()).isBetween(20000, 39999);
    assertThat(ports.get(0).protocol()).isEqualTo(PortEntry.PortProtocol.UDP);
    assertThat(ports.get(1).protocol()).isEqualTo(PortEntry.PortProtocol.TCP);
    assertThat(ports.get(2).port())
        .as("27005 and 27015 keep their distance of 10")
        .isEqualTo(ports.get(0).port() - 10);
  }

  @Test
  void aSteamServerOutsidePeonOn27015SendsEveryPlanToTheRange() {
    foreign.occupy(27015, PortBinding.Protocol.UDP);
    foreign.occupy(27015, PortBinding.Protocol.TCP);

    createAndStartOneOfEveryPlan("first");

    assertNoTwoServersShareAPortAndEachGameKnowsItsPorts(UpstreamShapedPlans.TOTAL);
    assertThat(service.list())
        .allSatisfy(
            v ->
                assertThat(v.definition().ports())
                    .extracting(PortEntry::port)
                    .doesNotContain(27015));
  }
}
