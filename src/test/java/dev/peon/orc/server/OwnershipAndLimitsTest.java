package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.runtime.Hardening;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.ResourceLimits;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only its own containers and networks; limits and hardening of game containers. */
class OwnershipAndLimitsTest {
  private static final String IMAGE = "peon/game";
  private static final PlanId GAME = new PlanId("owngame");
  private static final ServerId ONE = ServerId.parse("owngame.one");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path dataDir;
  private Database db;
  private FakeContainerRuntime runtime;
  private FixedPlanCatalog plans;
  private MutableClock clock;
  private final List<ServerService> services = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    dataDir = tmp.resolve("data");
    clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    runtime = new FakeContainerRuntime(clock);
    runtime.addImage(IMAGE, Map.of());
    plans = new FixedPlanCatalog();
    plan("owngame", "");
    plan("hinted", ", \"limits\": {\"memory\": \"3g\", \"pids\": 300}");
    plan("badhint", ", \"limits\": {\"memory\": \"lots\"}");
    db = Database.open(dataDir.resolve("peon.db"));
  }

  private void plan(String game, String extra) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("plans").resolve(game));
    Files.writeString(
        dir.resolve("plan.json"),
        """
        {"metadata": {"game_uid": "%s", "image": "%s"},
         "ports": [[{"PORT": ["%d", "udp"]}]],
         "environment": {"SERVER_NAME": "x"},
         "volumes": {"~!/data": "/data"}%s}
        """
            .formatted(game, IMAGE, 27000 + Math.abs(game.hashCode() % 1000), extra));
    plans.add(dir);
  }

  @AfterEach
  void tearDown() {
    services.forEach(ServerService::close);
    db.close();
  }

  private ServerService service(Map<String, String> flags) {
    Map<String, String> all = new HashMap<>(flags);
    all.putIfAbsent("data.dir", dataDir.toString());
    all.put("plans.source", tmp.resolve("plans").toString());
    all.putIfAbsent("limits.memory", "2g");
    ServerService s =
        new ServerService(
            new ConfigLoader().load(null, Map.of(), all),
            db,
            plans,
            runtime,
            new FakeHostPorts(),
            clock);
    services.add(s);
    s.reconcile();
    return s;
  }

  private ServerService service() {
    return service(Map.of());
  }

  private static CreateRequest create(PlanId game, String name, boolean startLater) {
    return new CreateRequest(game, name, Map.of(), "", startLater, false);
  }

  private ContainerSpec foreignContainer(String name) {
    ContainerSpec spec =
        new ContainerSpec(
            name, name, IMAGE, List.of(), List.of(), List.of(), null, Map.of(), null, false);
    runtime.create(spec);
    runtime.start(name);
    return spec;
  }

  @Test
  void refusesACreateWhoseContainerNameAForeignContainerHoldsAndChangesNothing() {
    ServerService s = service();
    foreignContainer(ONE.containerName());
    runtime.clearCalls();

    ServerException e =
        catchThrowableOfType(ServerException.class, () -> s.create(create(GAME, "one", false)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.NAME_TAKEN);
    assertThat(e.kind().status()).isEqualTo(409);
    assertThat(e.getMessage()).contains(ONE.containerName()).contains("left untouched");
    assertThat(runtime.state(ONE.containerName())).contains(ContainerState.RUNNING);
    assertThat(runtime.calls()).noneMatch(c -> c.startsWith("remove") || c.startsWith("stop"));
    assertThat(dataDir.resolve("servers/owngame/one")).doesNotExist();
    assertThat(s.find(ONE)).isEmpty();
  }

  @Test
  void refusesACreateWhoseNetworkNameIsForeign() {
    ServerService s = service();
    runtime.ensureNetwork(new NetworkSpec(ONE.networkName(), null, null, Map.of("team", "b")));

    ServerException e =
        catchThrowableOfType(ServerException.class, () -> s.create(create(GAME, "one", false)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.NAME_TAKEN);
    assertThat(runtime.network(ONE.networkName())).isPresent();
    assertThat(s.find(ONE)).isEmpty();
  }

  @Test
  void anotherInstancesServerIsNeitherAdoptedNorTouched() {
    ServerService other = service(Map.of("instance.id", "other-orc"));
    other.create(create(GAME, "one", false));
    other.close();
    services.remove(other);
    // the same database file is not shared between instances in real life; a fresh one here
    db.close();
    db = Database.open(tmp.resolve("second.db"));

    ServerService mine =
        service(Map.of("instance.id", "mine", "data.dir", tmp.resolve("d2").toString()));

    assertThat(mine.list()).isEmpty();
    ServerException e =
        catchThrowableOfType(ServerException.class, () -> mine.create(create(GAME, "one", true)));
    assertThat(e.kind()).isEqualTo(ServerException.Kind.NAME_TAKEN);
    assertThat(runtime.state(ONE.containerName())).contains(ContainerState.RUNNING);
    assertThat(runtime.spec(ONE.containerName()).orElseThrow().labels())
        .containsEntry(Ownership.LABEL_INSTANCE, "other-orc");
  }

  @Test
  void labelsContainersAndNetworksWithTheInstanceIdStoredInTheDataFolder() throws IOException {
    ServerService s = service();
    s.create(create(GAME, "one", true));

    String stored = Files.readString(dataDir.resolve(Ownership.FILE)).trim();
    assertThat(stored).isEqualTo(s.instanceId()).matches("[0-9a-f]{16}");
    assertThat(runtime.spec(ONE.containerName()).orElseThrow().labels())
        .containsEntry(Ownership.LABEL_INSTANCE, stored);
    assertThat(runtime.network(ONE.networkName()).orElseThrow().labels())
        .containsEntry(Ownership.LABEL_INSTANCE, stored);
    // the next start keeps the id
    assertThat(service().instanceId()).isEqualTo(stored);
  }

  @Test
  void deleteStopsTheGameGracefullyBeforeRemovingItAndKeepsVolumesUnlessEradicating() {
    ServerService s = service();
    s.create(create(GAME, "one", false));
    s.create(create(new PlanId("hinted"), "two", true));
    runtime.clearCalls();

    s.destroy(ONE, false);

    List<String> calls = runtime.calls();
    int stop = calls.indexOf("stop " + ONE.containerName());
    int remove = calls.indexOf("remove " + ONE.containerName());
    assertThat(stop).isNotNegative();
    assertThat(remove).isGreaterThan(stop);
    assertThat(runtime.removedWithVolumes()).isEmpty();

    ServerId two = ServerId.parse("hinted.two");
    s.destroy(two, true);
    assertThat(runtime.removedWithVolumes()).containsExactly(two.containerName());
  }

  @Test
  void importNeverReplacesAForeignContainerAndAdoptsItsOwnRunningOne() throws IOException {
    ServerService s = service();
    s.create(create(GAME, "one", false));
    String ownId =
        runtime.spec(ONE.containerName()).orElseThrow().labels().get(Ownership.LABEL_INSTANCE);
    // forget the record but keep the folder and the running container (a lost database)
    s.close();
    services.remove(s);
    db.close();
    db = Database.open(tmp.resolve("fresh.db"));
    ServerService fresh = service();
    assertThat(fresh.instanceId()).isEqualTo(ownId);
    runtime.clearCalls();

    List<ServerView> adopted = fresh.importAll();

    assertThat(adopted).extracting(ServerView::id).containsExactly(ONE);
    assertThat(runtime.calls()).noneMatch(c -> c.startsWith("remove") || c.startsWith("stop"));
    assertThat(runtime.state(ONE.containerName())).contains(ContainerState.RUNNING);

    // a folder whose container name is held by someone else's container is not imported
    Path folder = dataDir.resolve("servers/owngame/other");
    Files.createDirectories(folder);
    Files.copy(dataDir.resolve("servers/owngame/one/config.json"), folder.resolve("config.json"));
    ServerId other = ServerId.parse("owngame.other");
    foreignContainer(other.containerName());
    runtime.clearCalls();

    assertThat(fresh.importAll()).isEmpty();
    assertThat(runtime.state(other.containerName())).contains(ContainerState.RUNNING);
    assertThat(runtime.calls()).noneMatch(c -> c.startsWith("remove") || c.startsWith("create"));
  }

  @Test
  void eradicatingAFolderLeavesAForeignContainerAlone() {
    ServerService s = service();
    ServerId stray = ServerId.parse("owngame.stray");
    foreignContainer(stray.containerName());

    ServerException e = catchThrowableOfType(ServerException.class, () -> s.eradicateFolder(stray));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.NAME_TAKEN);
    assertThat(runtime.state(stray.containerName())).contains(ContainerState.RUNNING);
  }

  @Test
  void reconcileRemovesItsOwnNetworkLeftByAFailedCleanupButNoOneElses() {
    ServerService first = service(Map.of("instance.id", "me"));
    first.close();
    services.remove(first);
    runtime.ensureNetwork(
        new NetworkSpec(
            "owngame_ghost",
            "10.213.0.16/28",
            null,
            new Ownership("me").labels(ServerId.parse("owngame.ghost"))));
    runtime.ensureNetwork(
        new NetworkSpec(
            "owngame_theirs",
            null,
            null,
            new Ownership("them").labels(ServerId.parse("owngame.theirs"))));

    service(Map.of("instance.id", "me"));

    assertThat(runtime.network("owngame_ghost")).isEmpty();
    assertThat(runtime.network("owngame_theirs")).isPresent();
  }

  @Test
  void aSubnetTheEngineRefusesIsSkippedInsteadOfFailingEveryLaterCreate() {
    ServerService s = service();
    // a network outside our records overlaps the first subnet of the pool
    runtime.failNext(FakeContainerRuntime.Operation.ENSURE_NETWORK, RuntimeFailure.Kind.CONFLICT);

    s.create(create(GAME, "one", true));

    NetworkSpec net = runtime.network(ONE.networkName()).orElseThrow();
    assertThat(net.subnet()).isNotEqualTo("10.213.0.0/28");
    s.create(create(new PlanId("hinted"), "two", true));
    assertThat(runtime.network("hinted_two").orElseThrow().subnet())
        .isNotEqualTo("10.213.0.0/28")
        .isNotEqualTo(net.subnet());
  }

  @Test
  void aFailedContainerCleanupStillRemovesTheNetwork() {
    ServerService s = service();
    runtime.failNextCreate(RuntimeFailure.Kind.OTHER);
    runtime.failNext(FakeContainerRuntime.Operation.REMOVE, RuntimeFailure.Kind.ENGINE_UNREACHABLE);

    catchThrowableOfType(ServerException.class, () -> s.create(create(GAME, "one", true)));

    assertThat(runtime.network(ONE.networkName())).isEmpty();
    assertThat(s.find(ONE)).isEmpty();
  }

  @Test
  void gameContainersRunHardenedWithTheDefaultLimits() {
    ServerService s = service(Map.of("limits.cpus", "1.5", "limits.pids", "512"));
    s.create(create(GAME, "one", true));

    ContainerSpec spec = runtime.spec(ONE.containerName()).orElseThrow();

    assertThat(spec.limits()).isEqualTo(new ResourceLimits(2L << 30, 1_500_000_000L, 512));
    assertThat(spec.hardening().init()).isTrue();
    assertThat(spec.hardening().noNewPrivileges()).isTrue();
    assertThat(spec.hardening().capAdd()).containsExactlyElementsOf(Hardening.GAME_CAPABILITIES);
  }

  @Test
  void hardeningCanBeTurnedOffAndCapabilitiesChosen() {
    ServerService off = service(Map.of("container.hardening", "false"));
    off.create(create(GAME, "one", true));
    assertThat(runtime.spec(ONE.containerName()).orElseThrow().hardening())
        .isEqualTo(Hardening.NONE);
  }

  @Test
  void aPlansLimitsHintIsUsedAndABadHintIgnored() {
    ServerService s = service();
    s.create(create(new PlanId("hinted"), "h", true));
    s.create(create(new PlanId("badhint"), "b", true));

    assertThat(runtime.spec(ServerId.parse("hinted.h").containerName()).orElseThrow().limits())
        .isEqualTo(new ResourceLimits(3L << 30, 0, 300));
    assertThat(runtime.spec(ServerId.parse("badhint.b").containerName()).orElseThrow().limits())
        .isEqualTo(new ResourceLimits(2L << 30, 0, 2048));
  }

  @Test
  void changedLimitsRecreateTheContainerAtTheNextStartAndNullReturnsToTheDefault()
      throws IOException {
    ServerService s = service();
    s.create(create(GAME, "one", true));

    ServerView v = s.changeLimits(ONE, JSON.readTree("{\"memory\": \"512m\", \"cpus\": 0.5}"));

    assertThat(v.pendingRecreate()).isTrue();
    assertThat(v.definition().limits()).isEqualTo(new ResourceSettings(512L << 20, 0.5, null));
    s.start(ONE);
    assertThat(runtime.spec(ONE.containerName()).orElseThrow().limits())
        .isEqualTo(new ResourceLimits(512L << 20, 500_000_000L, 2048));
    assertThat(
            JSON.readTree(dataDir.resolve("servers/owngame/one/config.json").toFile())
                .path("limits")
                .path("memory")
                .asLong())
        .isEqualTo(512L << 20);

    v = s.changeLimits(ONE, JSON.readTree("{\"memory\": null}"));
    assertThat(v.definition().limits()).isEqualTo(new ResourceSettings(null, 0.5, null));
  }

  @Test
  void badLimitsAreRefusedNamingTheFieldAndChangeNothing() throws IOException {
    ServerService s = service();
    s.create(create(GAME, "one", true));
    byte[] before = Files.readAllBytes(dataDir.resolve("servers/owngame/one/config.json"));

    for (String bad :
        List.of(
            "{\"memory\": \"1k\"}",
            "{\"memory\": \"lots\"}",
            "{\"cpus\": -1}",
            "{\"pids\": 3}",
            "{\"disk\": 5}")) {
      IllegalArgumentException e =
          catchThrowableOfType(
              IllegalArgumentException.class, () -> s.changeLimits(ONE, JSON.readTree(bad)));
      assertThat(e).as(bad).isNotNull();
      assertThat(e.getMessage()).as(bad).startsWith("limits.");
    }
    assertThat(Files.readAllBytes(dataDir.resolve("servers/owngame/one/config.json")))
        .isEqualTo(before);
    assertThat(s.get(ONE).pendingRecreate()).isFalse();
  }

  @Test
  void parsesMemorySizes() {
    assertThat(ResourceSettings.parseMemory("2g")).isEqualTo(2L << 30);
    assertThat(ResourceSettings.parseMemory("512M")).isEqualTo(512L << 20);
    assertThat(ResourceSettings.parseMemory("1536MiB")).isEqualTo(1536L << 20);
    assertThat(ResourceSettings.parseMemory("1048576")).isEqualTo(1L << 20);
  }
}
