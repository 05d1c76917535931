package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.plan.PortGroup;
import dev.peon.orc.runtime.BindMount;
import dev.peon.orc.runtime.ContainerSpec;
import dev.peon.orc.runtime.ContainerState;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.runtime.NetworkSpec;
import dev.peon.orc.runtime.PortBinding;
import dev.peon.orc.runtime.PortBinding.Protocol;
import dev.peon.orc.runtime.RuntimeFailure;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.Await;
import dev.peon.orc.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerServiceTest {
  private static final String IMAGE = "umlatt/steamcmd";
  private static final PlanId VALHEIM = new PlanId("valheim");
  private static final ServerId CAMP = ServerId.parse("valheim.camp1");
  private static final Map<String, String> REQUIRED =
      Map.of("SERVER_NAME", "My Server", "WORLD_NAME", "Midgard");
  private static final String VALHEIM_PLAN =
      """
      {
        'metadata': {
          'game_uid': 'valheim', 'warcamp': 'default', 'version': '1.0.0',
          'description': 'A Valheim game server for PEON.', 'mode': 'steamcmd',
          'hostname': 'peon.warcamp.valheim', 'image': 'umlatt/steamcmd'
        },
        'ports': [
          [ { 'PORT': ['2456', 'udp'] }, { 'QUERY_PORT': ['2457', 'udp'] } ],
          [ { 'PORT': ['2466', 'udp'] }, { 'QUERY_PORT': ['2467', 'udp'] } ]
        ],
        'environment': { 'STEAM_ID': '896660', 'SERVER_NAME': null, 'WORLD_NAME': null,
                         'MAX_PLAYERS': '10' },
        'volumes': { '~!/actions': '/actions', '~!/data': '/home/steam/steamcmd/data',
                     '~!/config': '/home/steam/config',
                     '~!/user': '/home/steam/.config/unity3d/IronGate/Valheim',
                     '/var/run/docker.sock': '/var/run/docker.sock' },
        'files': { '~!/server.cfg': '/home/steam/data/game/server.cfg' }
      }
      """
          .replace('\'', '"');

  @TempDir Path tmp;
  private Path dataDir;
  private Database db;
  private MutableClock clock;
  private FakeContainerRuntime runtime;
  private FakeHostPorts hostPorts;
  private FixedPlanCatalog plans;
  private final List<ServerService> services = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void setUp() throws IOException {
    dataDir = tmp.resolve("data");
    clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    runtime = new FakeContainerRuntime(clock);
    runtime.addImage(IMAGE, Map.of("CONTAINER_TYPE", "umlatt/steamcmd", "VERSION", "2.1"));
    hostPorts = new FakeHostPorts();
    plans = new FixedPlanCatalog();
    Path planDir = Files.createDirectories(tmp.resolve("plans").resolve("valheim"));
    Files.writeString(planDir.resolve("plan.json"), VALHEIM_PLAN);
    Files.createDirectories(planDir.resolve("actions"));
    Files.writeString(planDir.resolve("actions").resolve("server_start"), "#!/bin/sh\n");
    Files.createDirectories(planDir.resolve("data"));
    Files.writeString(planDir.resolve("data").resolve("seed.txt"), "seed\n");
    plans.add(planDir);
    db = Database.open(dataDir.resolve("peon.db"));
  }

  @AfterEach
  void tearDown() {
    services.forEach(ServerService::close);
    db.close();
  }

  private OrchestratorConfig config(Map<String, String> extra) {
    Map<String, String> flags = new HashMap<>(extra);
    flags.put("data.dir", dataDir.toString());
    flags.put("plans.source", tmp.resolve("plans").toString());
    return new ConfigLoader().load(null, Map.of(), flags);
  }

  private ServerService service() {
    return service(Map.of());
  }

  private ServerService service(Map<String, String> configFlags) {
    ServerService s = new ServerService(config(configFlags), db, plans, runtime, hostPorts, clock);
    services.add(s);
    s.reconcile();
    return s;
  }

  private static CreateRequest request(String name, Map<String, String> settings) {
    return new CreateRequest(VALHEIM, name, settings, "", false, false);
  }

  private static CreateRequest startLater(String name) {
    return new CreateRequest(VALHEIM, name, REQUIRED, "", true, false);
  }

  private Path serverDir(ServerId id) {
    return dataDir.resolve("servers").resolve(id.game().value()).resolve(id.name());
  }

  private JsonNode configJson(ServerId id) throws IOException {
    return json.readTree(serverDir(id).resolve("config.json").toFile());
  }

  private int rowCount() {
    return db.inTransaction(
        c -> {
          try (ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM servers")) {
            rs.next();
            return rs.getInt(1);
          }
        });
  }

  private void assertNothingLeftBehind() {
    assertThat(dataDir.resolve("servers").resolve("valheim")).doesNotExist();
    assertThat(rowCount()).isZero();
    assertThat(runtime.containerNames()).isEmpty();
    assertThat(runtime.networkNames()).isEmpty();
  }

  // ---------------------------------------------------------------- create

  @Test
  void createWritesTheServerFolderLayout() {
    service().create(request("camp1", REQUIRED));

    Path dir = serverDir(CAMP);
    assertThat(dir.resolve("plan.json")).isRegularFile();
    assertThat(dir.resolve("config.json")).isRegularFile();
    assertThat(dir.resolve("docker-compose.yml")).isRegularFile();
    assertThat(dir.resolve("actions")).isDirectory();
    assertThat(dir.resolve("actions").resolve("server_start")).hasContent("#!/bin/sh");
    assertThat(dir.resolve("config")).isDirectory();
    assertThat(dir.resolve("data").resolve("seed.txt")).hasContent("seed");
    assertThat(dir.resolve("user")).isDirectory();
    assertThat(dir.resolve(ServerLayout.CREATING_MARKER)).doesNotExist();
  }

  @Test
  void createWritesConfigJsonWithFourSpacesAndTheServersOwnValues() throws IOException {
    service()
        .create(
            new CreateRequest(
                VALHEIM,
                "camp1",
                Map.of("SERVER_NAME", "My Server", "WORLD_NAME", "Midgard", "MAX_PLAYERS", "4"),
                "Friday game night",
                true,
                false));

    String text = Files.readString(serverDir(CAMP).resolve("config.json"));
    assertThat(text).startsWith("{\n    \"metadata\" : {\n        \"game_uid\"");
    JsonNode cfg = configJson(CAMP);
    JsonNode meta = cfg.get("metadata");
    assertThat(meta.get("warcamp").asText()).isEqualTo("camp1");
    assertThat(meta.get("hostname").asText()).isEqualTo("peon.warcamp.valheim.camp1");
    assertThat(meta.get("container_name").asText()).isEqualTo("peon.warcamp.valheim.camp1");
    assertThat(meta.get("description").asText()).isEqualTo("Friday game night");
    assertThat(meta.get("image").asText()).isEqualTo(IMAGE);
    assertThat(cfg.get("ports"))
        .isEqualTo(
            json.readTree(
                "[{\"PORT\": [\"2456\", \"udp\"]}, {\"QUERY_PORT\": [\"2457\", \"udp\"]}]"));
    assertThat(cfg.get("environment"))
        .isEqualTo(
            json.readTree(
                "{\"STEAM_ID\": \"896660\", \"SERVER_NAME\": \"My Server\","
                    + " \"WORLD_NAME\": \"Midgard\", \"MAX_PLAYERS\": \"4\"}"));
    List<String> order = new ArrayList<>();
    cfg.get("environment").fieldNames().forEachRemaining(order::add);
    assertThat(order).containsExactly("STEAM_ID", "SERVER_NAME", "WORLD_NAME", "MAX_PLAYERS");
    assertThat(json.readTree(serverDir(CAMP).resolve("plan.json").toFile()))
        .isEqualTo(json.readTree(VALHEIM_PLAN));
  }

  @Test
  void createUsesThePlanDescriptionWhenNoneIsGiven() throws IOException {
    service().create(startLater("camp1"));

    assertThat(configJson(CAMP).at("/metadata/description").asText())
        .isEqualTo("A Valheim game server for PEON.");
  }

  @Test
  void createBuildsTheContainerSpecFromThePlan() {
    service().create(request("camp1", REQUIRED));

    assertThat(runtime.createdSpecs()).hasSize(1);
    ContainerSpec spec = runtime.createdSpecs().get(0);
    Path dir = serverDir(CAMP);
    assertThat(spec.name()).isEqualTo("peon.warcamp.valheim.camp1");
    assertThat(spec.hostname()).isEqualTo("peon.warcamp.valheim.camp1");
    assertThat(spec.image()).isEqualTo(IMAGE);
    assertThat(spec.env())
        .containsExactly(
            "PORT=2456",
            "QUERY_PORT=2457",
            "STEAM_ID=896660",
            "SERVER_NAME=My Server",
            "WORLD_NAME=Midgard",
            "MAX_PLAYERS=10");
    assertThat(spec.ports())
        .containsExactly(new PortBinding(2456, Protocol.UDP), new PortBinding(2457, Protocol.UDP));
    assertThat(spec.mounts())
        .containsExactly(
            new BindMount(dir.resolve("actions").toString(), "/actions", false),
            new BindMount(dir.resolve("data").toString(), "/home/steam/steamcmd/data", false),
            new BindMount(dir.resolve("config").toString(), "/home/steam/config", false),
            new BindMount(
                dir.resolve("user").toString(),
                "/home/steam/.config/unity3d/IronGate/Valheim",
                false));
    assertThat(spec.user()).isEqualTo("1000:1000");
    assertThat(spec.labels())
        .containsEntry(ServerService.LABEL_MANAGED, "true")
        .containsEntry(ServerService.LABEL_SERVER, "valheim.camp1");
    assertThat(spec.network()).isEqualTo("valheim_camp1");
    assertThat(spec.openStdin()).isTrue();
    assertThat(runtime.network("valheim_camp1"))
        .get()
        .extracting(NetworkSpec::subnet, NetworkSpec::gateway)
        .containsExactly("10.213.0.0/28", "10.213.0.1");
  }

  @Test
  void createMountsAFileOfThePlanOnlyWhenItExistsInTheServerFolder() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    Files.writeString(serverDir(CAMP).resolve("server.cfg"), "x=1\n");

    service.update(CAMP, UpdateMode.IMAGE);

    assertThat(runtime.createdSpecs().get(0).mounts())
        .noneMatch(m -> m.containerPath().endsWith("server.cfg"));
    assertThat(runtime.createdSpecs().get(1).mounts())
        .contains(
            new BindMount(
                serverDir(CAMP).resolve("server.cfg").toString(),
                "/home/steam/data/game/server.cfg",
                false));
  }

  @Test
  void createUsesTheHostDataFolderForMountSources() {
    service(Map.of("host.data.dir", "/srv/peon")).create(startLater("camp1"));

    assertThat(runtime.createdSpecs().get(0).mounts())
        .extracting(BindMount::hostPath)
        .containsExactly(
            "/srv/peon/servers/valheim/camp1/actions",
            "/srv/peon/servers/valheim/camp1/data",
            "/srv/peon/servers/valheim/camp1/config",
            "/srv/peon/servers/valheim/camp1/user");
  }

  @Test
  void createRunsAsTheConfiguredUser() {
    service(Map.of("container.user", "4242:4243")).create(startLater("camp1"));

    assertThat(runtime.createdSpecs().get(0).user()).isEqualTo("4242:4243");
  }

  @Test
  void createIgnoresSteamIdAndUnknownSettings() {
    Map<String, String> settings = new HashMap<>(REQUIRED);
    settings.put("STEAM_ID", "1");
    settings.put("EVIL", "$(touch /tmp/pwned)");

    service().create(request("camp1", settings));

    assertThat(runtime.createdSpecs().get(0).env())
        .contains("STEAM_ID=896660")
        .noneMatch(e -> e.startsWith("EVIL"));
  }

  @Test
  void createStartsTheServerUnlessAskedToStartLater() {
    ServerService service = service();

    ServerView started = service.create(request("camp1", REQUIRED));
    ServerView later = service.create(startLater("camp2"));

    assertThat(started.containerState()).isEqualTo(ContainerState.RUNNING);
    assertThat(started.containerType()).isEqualTo("umlatt/steamcmd");
    assertThat(started.buildVersion()).isEqualTo("2.1");
    assertThat(later.containerState()).isEqualTo(ContainerState.CREATED);
    assertThat(service.list())
        .extracting(v -> v.id().uid())
        .containsExactly("valheim.camp1", "valheim.camp2");
  }

  @Test
  void aSecondServerOfThePlanGetsTheNextPortGroup() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    service.create(startLater("camp2"));

    assertThat(configJson(ServerId.parse("valheim.camp2")).get("ports").toString())
        .isEqualTo("[{\"PORT\":[\"2466\",\"udp\"]},{\"QUERY_PORT\":[\"2467\",\"udp\"]}]");
    assertThat(runtime.createdSpecs().get(1).env()).startsWith("PORT=2466", "QUERY_PORT=2467");
  }

  @Test
  void createGeneratesANameWhenNoneIsGiven() {
    ServerView v = service().create(new CreateRequest(VALHEIM, null, REQUIRED, "", true, false));

    assertThat(ServerId.isValidName(v.id().name())).isTrue();
    assertThat(serverDir(v.id())).isDirectory();
  }

  @Test
  void rejectsMissingRequiredSettingsAndLeavesNothingBehind() {
    ServerService service = service();

    ServerException e =
        catchThrowableOfType(
            ServerException.class,
            () -> service.create(request("camp1", Map.of("SERVER_NAME", "x"))));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.MISSING_SETTINGS);
    assertThat(e.getMessage())
        .isEqualTo("Not all required server settings were provided. Namely: [WORLD_NAME]");
    assertNothingLeftBehind();
    assertThat(runtime.createdSpecs()).isEmpty();
    assertThat(service.list()).isEmpty();
  }

  @Test
  void listsEveryMissingSetting() {
    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service().create(request("camp1", Map.of())));

    assertThat(e.getMessage()).endsWith("Namely: [SERVER_NAME, WORLD_NAME]");
  }

  @Test
  void rejectsSecondCreateOfSameServer() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service.create(request("camp1", REQUIRED)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.ALREADY_EXISTS);
    assertThat(e.getMessage()).contains("already exists");
    assertThat(runtime.createdSpecs()).hasSize(1);
    assertThat(runtime.state(CAMP.containerName())).contains(ContainerState.RUNNING);
  }

  @Test
  void rejectsCreateOverAnUnknownFolderOnDisk() throws IOException {
    Files.createDirectories(serverDir(CAMP).resolve("user"));
    Files.writeString(serverDir(CAMP).resolve("user").resolve("world.db"), "precious");

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service().create(request("camp1", REQUIRED)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.ALREADY_EXISTS);
    assertThat(e.getMessage()).contains("import");
    assertThat(serverDir(CAMP).resolve("user").resolve("world.db")).hasContent("precious");
  }

  @Test
  void rejectsAnUnknownPlan() {
    ServerException e =
        catchThrowableOfType(
            ServerException.class,
            () ->
                service()
                    .create(
                        new CreateRequest(new PlanId("nope"), "a", Map.of(), "", false, false)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PLAN_NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("There is no local default plan for nope.");
  }

  @Test
  void createPullsAnImageThatIsNotPresentLocally() {
    runtime.removeLocalImage(IMAGE);

    service().create(request("camp1", REQUIRED));

    assertThat(runtime.pulls()).containsExactly(IMAGE);
    assertThat(runtime.state(CAMP.containerName())).contains(ContainerState.RUNNING);
  }

  @Test
  void createWithAnUnpullableImageSaysWhyAndLeavesNothingBehind() {
    runtime.removeLocalImage(IMAGE);
    runtime.failPull(IMAGE, RuntimeFailure.Kind.REGISTRY_UNREACHABLE);

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service().create(request("camp1", REQUIRED)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.IMAGE_UNAVAILABLE);
    assertThat(e.getMessage()).contains("unreachable");
    assertNothingLeftBehind();
  }

  @Test
  void createWithNoFreePortGroupSaysPortsUsedAndLeavesNothingBehindWhenTheRangeIsOff() {
    hostPorts.occupy(2456, Protocol.UDP);
    hostPorts.occupy(2467, Protocol.UDP);
    ServerService service = service(Map.of("ports.range", ""));

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service.create(request("camp1", REQUIRED)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.errCode()).isEqualTo("srv.portsused");
    assertNothingLeftBehind();
  }

  @Test
  void createNamesTheServerHoldingThePortsWhenTheRangeIsOff() {
    ServerService service = service(Map.of("ports.range", ""));
    service.create(startLater("camp1"));
    service.create(startLater("camp2"));

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service.create(request("camp3", REQUIRED)));

    assertThat(e.getMessage())
        .startsWith(
            "Server [valheim.camp1] is using one or more of the ports required by"
                + " [valheim.camp3]");
  }

  @Test
  void aThirdServerOfATwoGroupPlanGetsRangePortsPublishedAndPassedToTheGame() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    service.create(startLater("camp2"));

    ServerView third = service.create(request("camp3", REQUIRED));

    assertThat(third.running()).isTrue();
    assertThat(configJson(ServerId.parse("valheim.camp3")).get("ports").toString())
        .isEqualTo("[{\"PORT\":[\"20000\",\"udp\"]},{\"QUERY_PORT\":[\"20001\",\"udp\"]}]");
    ContainerSpec spec = runtime.createdSpecs().get(2);
    assertThat(spec.env()).startsWith("PORT=20000", "QUERY_PORT=20001");
    assertThat(spec.ports())
        .containsExactly(
            new PortBinding(20000, Protocol.UDP), new PortBinding(20001, Protocol.UDP));
    assertThat(third.definition().ports())
        .extracting(PortEntry::port)
        .containsExactly(20000, 20001);
  }

  @Test
  void aFullRangeSaysPortsUsedNamingTheHolderAndTheWayOutAndLeavesNothingBehind() {
    ServerService service = service(Map.of("ports.range", "30000-30001"));
    service.create(startLater("camp1"));
    service.create(startLater("camp2"));
    service.create(startLater("camp3"));

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service.create(request("camp4", REQUIRED)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.errCode()).isEqualTo("srv.portsused");
    assertThat(e.getMessage())
        .startsWith(
            "Server [valheim.camp1] is using one or more of the ports required by [valheim.camp4]")
        .contains("widen ports.range");
    assertThat(serverDir(ServerId.parse("valheim.camp4"))).doesNotExist();
    assertThat(rowCount()).isEqualTo(3);
  }

  @Test
  void explicitPortsAreReservedPublishedAndPassedToTheGame() throws IOException {
    ServerService service = service();

    service.create(
        new CreateRequest(
            VALHEIM,
            "camp1",
            REQUIRED,
            "",
            true,
            false,
            Map.of("PORT", 27016, "QUERY_PORT", 27017)));

    assertThat(configJson(CAMP).get("ports").toString())
        .isEqualTo("[{\"PORT\":[\"27016\",\"udp\"]},{\"QUERY_PORT\":[\"27017\",\"udp\"]}]");
    assertThat(runtime.createdSpecs().get(0).env()).startsWith("PORT=27016", "QUERY_PORT=27017");
    assertThat(runtime.createdSpecs().get(0).ports())
        .containsExactly(
            new PortBinding(27016, Protocol.UDP), new PortBinding(27017, Protocol.UDP));
    service.create(startLater("camp2"));
    assertThat(runtime.createdSpecs().get(1).env())
        .as("the plan's first group is still free")
        .startsWith("PORT=2456", "QUERY_PORT=2457");
  }

  @Test
  void anExplicitPortAnotherServerHoldsIs409NamingThatServerAndChangesNothing() {
    ServerService service = service();
    service.create(startLater("camp1"));
    int created = runtime.createdSpecs().size();

    ServerException e =
        catchThrowableOfType(
            ServerException.class,
            () ->
                service.create(
                    new CreateRequest(
                        VALHEIM, "camp2", REQUIRED, "", false, false, Map.of("PORT", 2456))));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.kind().status()).isEqualTo(409);
    assertThat(e.getMessage())
        .startsWith(
            "Port 2456/udp (PORT) asked for [valheim.camp2] is reserved by server [valheim.camp1]")
        .contains("choose another port");
    assertThat(e.conflict()).get().extracting(PortConflict::holder).isEqualTo("valheim.camp1");
    assertThat(serverDir(ServerId.parse("valheim.camp2"))).doesNotExist();
    assertThat(rowCount()).isOne();
    assertThat(runtime.createdSpecs()).hasSize(created);
    assertThat(service.list()).extracting(v -> v.id().uid()).containsExactly("valheim.camp1");
  }

  @Test
  void anExplicitPortAForeignProcessHoldsIs409() {
    hostPorts.occupy(27016, Protocol.UDP);

    ServerException e =
        catchThrowableOfType(
            ServerException.class,
            () ->
                service()
                    .create(
                        new CreateRequest(
                            VALHEIM, "camp1", REQUIRED, "", false, false, Map.of("PORT", 27016))));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.getMessage()).contains("27016/udp (PORT)").contains("a process outside PEON");
    assertNothingLeftBehind();
  }

  @Test
  void anUnknownPortNameIsInvalidAndChangesNothing() {
    ServerException e =
        catchThrowableOfType(
            ServerException.class,
            () ->
                service()
                    .create(
                        new CreateRequest(
                            VALHEIM, "camp1", REQUIRED, "", false, false, Map.of("RCON", 27016))));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.INVALID);
    assertThat(e.getMessage()).contains("ports.RCON").contains("[PORT, QUERY_PORT]");
    assertNothingLeftBehind();
    assertThat(runtime.pulls()).isEmpty();
  }

  @Test
  void aFailedContainerCreateLeavesNothingBehind() {
    runtime.failNextCreate(RuntimeFailure.Kind.OTHER);

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service().create(request("camp1", REQUIRED)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.RUNTIME);
    assertNothingLeftBehind();
  }

  @Test
  void aFailedStartAfterCreateRemovesTheServer() {
    ServerService service = service();
    runtime.failNextStart(RuntimeFailure.Kind.PORT_IN_USE);

    ServerException e =
        catchThrowableOfType(
            ServerException.class, () -> service.create(request("camp1", REQUIRED)));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertNothingLeftBehind();
    assertThat(service.list()).isEmpty();
    assertThat(service.create(request("camp1", REQUIRED)).running())
        .as("the same create can be retried")
        .isTrue();
  }

  @Test
  void aFailedStartAfterCreateKeepsTheServerWithNoclean() {
    ServerService service = service();
    runtime.failNextStart(RuntimeFailure.Kind.OTHER);

    catchThrowableOfType(
        ServerException.class,
        () -> service.create(new CreateRequest(VALHEIM, "camp1", REQUIRED, "", false, true)));

    assertThat(service.get(CAMP).containerState()).isEqualTo(ContainerState.CREATED);
    assertThat(serverDir(CAMP).resolve("config.json")).isRegularFile();
    assertThat(serverDir(CAMP).resolve(ServerLayout.CREATING_MARKER)).doesNotExist();
    assertThat(rowCount()).isOne();
  }

  // ---------------------------------------------------------------- reconcile

  @Test
  void reconcileUndoesACreateInterruptedByACrash() throws IOException {
    ServerRepository repo =
        new ServerRepository(db, hostPorts, new SubnetPool("10.213.0.0/16", 28));
    repo.insertCreating(
        CAMP,
        List.of(
            new PortGroup(
                List.of(new PortEntry("PORT", 2456, PortEntry.PortProtocol.UDP, "udp")))));
    Files.createDirectories(serverDir(CAMP).resolve("data"));
    Files.writeString(
        serverDir(CAMP).resolve(ServerLayout.CREATING_MARKER), "create in progress\n");
    Files.writeString(serverDir(CAMP).resolve("plan.json"), VALHEIM_PLAN);

    ServerService service = service();

    assertThat(service.list()).isEmpty();
    assertNothingLeftBehind();
    assertThat(service.create(startLater("camp1")).containerState())
        .isEqualTo(ContainerState.CREATED);
  }

  @Test
  void reconcileAdoptsARunningContainerWithoutStoppingIt() {
    ServerService first = service();
    first.create(request("camp1", REQUIRED));
    first.close();
    String id = runtime.inspect(CAMP.containerName()).orElseThrow().id();
    runtime.clearCalls();

    ServerService second = service();

    assertThat(second.get(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
    assertThat(runtime.inspect(CAMP.containerName()).orElseThrow().id()).isEqualTo(id);
    assertThat(runtime.calls())
        .noneMatch(c -> c.startsWith("stop") || c.startsWith("kill") || c.startsWith("remove"))
        .noneMatch(c -> c.startsWith("create") || c.startsWith("start"));
  }

  @Test
  void reconcileRecreatesAMissingContainerWithoutStartingIt() {
    ServerService first = service();
    first.create(request("camp1", REQUIRED));
    first.close();
    runtime.vanish(CAMP.containerName());

    ServerService second = service();

    assertThat(runtime.state(CAMP.containerName())).contains(ContainerState.CREATED);
    assertThat(second.get(CAMP).containerState()).isEqualTo(ContainerState.CREATED);
  }

  @Test
  void reconcileLeavesAForeignLabelledContainerAlone() {
    runtime.ensureNetwork(new NetworkSpec("n", null, null, Map.of()));
    runtime.create(
        new ContainerSpec(
            "peon.warcamp.lonely",
            "x",
            IMAGE,
            List.of(),
            List.of(),
            List.of(),
            "1000",
            Map.of(ServerService.LABEL_MANAGED, "true", ServerService.LABEL_SERVER, "lonely.x"),
            "n",
            false));

    ServerService service = service();

    assertThat(service.list()).isEmpty();
    assertThat(runtime.containerNames()).contains("peon.warcamp.lonely");
  }

  // ---------------------------------------------------------------- power

  @Test
  void stopStartRestartAndKillChangeTheState() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    Instant firstStart = service.get(CAMP).startedAt();

    assertThat(service.stop(CAMP).containerState()).isEqualTo(ContainerState.EXITED);
    assertThat(service.start(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
    clock.advance(Duration.ofMinutes(1));
    ServerView restarted = service.restart(CAMP);
    assertThat(restarted.containerState()).isEqualTo(ContainerState.RUNNING);
    assertThat(restarted.startedAt()).isAfter(firstStart);
    assertThat(service.kill(CAMP).containerState()).isEqualTo(ContainerState.EXITED);
    assertThat(service.restart(CAMP).containerState())
        .as("restart starts a stopped server")
        .isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void startingARunningServerDoesNothing() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    runtime.clearCalls();

    service.start(CAMP);

    assertThat(runtime.calls()).noneMatch(c -> c.startsWith("start"));
  }

  @Test
  void startDecidesFromTheEngineWhenTheEventOfAnExitWasLost() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    runtime.deliverEventsOn(r -> {}); // the die event never arrives
    runtime.simulateExit(CAMP.containerName(), 1, false);
    runtime.deliverEventsOn(Runnable::run);
    assertThat(service.get(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
    runtime.clearCalls();

    assertThat(service.start(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);

    assertThat(runtime.calls()).contains("start " + CAMP.containerName());
  }

  @Test
  void startRechecksThePortsOfAStoppedServer() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    service.stop(CAMP);
    hostPorts.occupy(2457, Protocol.UDP);

    ServerException e = catchThrowableOfType(ServerException.class, () -> service.start(CAMP));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.PORTS_USED);
    assertThat(e.getMessage())
        .startsWith(
            "Port 2457/udp (QUERY_PORT) of [valheim.camp1] is in use on the host by a process"
                + " outside PEON")
        .contains("--port NAME=N");
    assertThat(service.get(CAMP).containerState()).isEqualTo(ContainerState.EXITED);
  }

  @Test
  void startRecreatesAContainerThatVanished() {
    ServerService service = service();
    service.create(startLater("camp1"));
    runtime.vanish(CAMP.containerName());
    // the tracker learns about the vanished container from the event stream, asynchronously;
    // a stop refreshes it synchronously
    service.stop(CAMP);

    assertThat(service.start(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void killBypassesAStopThatIsStuck() throws Exception {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    java.util.concurrent.CountDownLatch release = runtime.holdNextStop();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      var stopping = pool.submit(() -> service.stop(CAMP));

      ServerView killed = service.kill(CAMP);

      assertThat(killed.containerState()).isEqualTo(ContainerState.EXITED);
      assertThat(stopping).isNotDone();
      release.countDown();
      assertThat(stopping.get().containerState()).isEqualTo(ContainerState.EXITED);
    }
  }

  @Test
  void powerActionsOnAnUnknownServerSayNotFound() {
    ServerService service = service();

    for (Runnable action :
        List.<Runnable>of(
            () -> service.start(CAMP),
            () -> service.stop(CAMP),
            () -> service.restart(CAMP),
            () -> service.kill(CAMP))) {
      ServerException e = catchThrowableOfType(ServerException.class, action::run);
      assertThat(e.kind()).isEqualTo(ServerException.Kind.NOT_FOUND);
    }
  }

  @Test
  void aRuntimeFailureOnStopIsReportedAsRuntime() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    runtime.failNext(FakeContainerRuntime.Operation.STOP, RuntimeFailure.Kind.ENGINE_UNREACHABLE);

    ServerException e = catchThrowableOfType(ServerException.class, () -> service.stop(CAMP));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.RUNTIME);
  }

  // ---------------------------------------------------------------- update

  private ServiceAndDir runningServerWithUpdateFlag() throws IOException {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    Path dir = serverDir(CAMP);
    Files.writeString(dir.resolve("actions").resolve(".update"), "");
    runtime.clearCalls();
    return new ServiceAndDir(service, dir);
  }

  private record ServiceAndDir(ServerService service, Path dir) {}

  @Test
  void fullUpdatePullsDeletesTheUpdateFlagAndRecreates() throws IOException {
    ServiceAndDir s = runningServerWithUpdateFlag();
    String oldId = runtime.inspect(CAMP.containerName()).orElseThrow().id();

    String done = s.service().update(CAMP, UpdateMode.FULL);

    assertThat(runtime.pulls()).containsExactly(IMAGE);
    assertThat(s.dir().resolve("actions").resolve(".update")).doesNotExist();
    assertThat(runtime.createdSpecs()).hasSize(1);
    assertThat(runtime.inspect(CAMP.containerName()).orElseThrow().id()).isNotEqualTo(oldId);
    assertThat(s.service().get(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
    assertThat(done).contains("Pulled image " + IMAGE).contains("Recreated").contains("Started");
  }

  @Test
  void serverUpdateOnlyDeletesTheUpdateFlagAndStarts() throws IOException {
    ServiceAndDir s = runningServerWithUpdateFlag();

    s.service().update(CAMP, UpdateMode.SERVER);

    assertThat(s.dir().resolve("actions").resolve(".update")).doesNotExist();
    assertThat(runtime.pulls()).isEmpty();
    assertThat(runtime.createdSpecs()).isEmpty();
    assertThat(runtime.calls())
        .contains("stop " + CAMP.containerName(), "start " + CAMP.containerName());
    assertThat(s.service().get(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void imageUpdateKeepsTheUpdateFlag() throws IOException {
    ServiceAndDir s = runningServerWithUpdateFlag();

    s.service().update(CAMP, UpdateMode.IMAGE);

    assertThat(s.dir().resolve("actions").resolve(".update")).exists();
    assertThat(runtime.pulls()).containsExactly(IMAGE);
    assertThat(runtime.createdSpecs()).hasSize(1);
  }

  @Test
  void reinitEmptiesDataIncludingHiddenFilesButKeepsUserAndConfig() throws IOException {
    ServiceAndDir s = runningServerWithUpdateFlag();
    Path data = s.dir().resolve("data");
    Files.writeString(data.resolve(".hidden"), "h");
    Files.createDirectories(data.resolve("game").resolve(".steam"));
    Files.writeString(data.resolve("game").resolve(".steam").resolve("x"), "x");
    Files.writeString(s.dir().resolve("user").resolve("world.db"), "precious");
    Files.writeString(s.dir().resolve("config").resolve("port"), "2456");

    s.service().update(CAMP, UpdateMode.REINIT);

    assertThat(data).isEmptyDirectory();
    assertThat(s.dir().resolve("user").resolve("world.db")).hasContent("precious");
    assertThat(s.dir().resolve("config").resolve("port")).hasContent("2456");
    assertThat(s.dir().resolve("actions").resolve(".update")).doesNotExist();
    assertThat(runtime.pulls()).containsExactly(IMAGE);
    assertThat(s.service().get(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void aReinitThatCannotEmptyDataStillLeavesTheGameToReinstallAndNamesTheFile() throws Exception {
    ServiceAndDir s = runningServerWithUpdateFlag();
    Path locked = s.dir().resolve("data").resolve("game").resolve("locked.pak");
    Files.createDirectories(locked.getParent());
    Files.writeString(locked, "x");
    // immutable: even root cannot delete it, like a file a broken mount or an attribute pins
    assertThat(new ProcessBuilder("chattr", "+i", locked.toString()).start().waitFor()).isZero();
    try {
      ServerException e =
          catchThrowableOfType(
              ServerException.class, () -> s.service().update(CAMP, UpdateMode.REINIT));

      assertThat(e.getMessage()).contains("game/locked.pak").doesNotContain(tmp.toString());
      // the flag went first: the next start reinstalls instead of booting a half-deleted game
      assertThat(s.dir().resolve("actions").resolve(".update")).doesNotExist();
    } finally {
      new ProcessBuilder("chattr", "-i", locked.toString()).start().waitFor();
    }
  }

  @Test
  void aSlowImageDownloadNeverBlocksTheServersPowerActions() throws Exception {
    ServerService service = service(Map.of("stop.timeout", "1s"));
    service.create(request("camp1", REQUIRED));
    runtime.addRegistryImage(IMAGE, Map.of("CONTAINER_TYPE", "umlatt/steamcmd", "VERSION", "2.2"));
    java.util.concurrent.CountDownLatch pull = runtime.holdNextPull();
    var update =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> service.update(CAMP, UpdateMode.IMAGE));
    Await.until(runtime::pullHeld);

    // the download is still running: stop and start go through at once
    assertThat(service.stop(CAMP).containerState()).isEqualTo(ContainerState.EXITED);
    assertThat(service.start(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
    pull.countDown();
    assertThat(update.get(30, java.util.concurrent.TimeUnit.SECONDS)).contains("Recreated");
  }

  @Test
  void aMountSourceSwappedForASymlinkWhileStoppedIsNeverStarted() throws IOException {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    service.stop(CAMP);
    Path user = serverDir(CAMP).resolve("user");
    Path outside = Files.createDirectories(tmp.resolve("host-secrets"));
    FileTrees.deleteTree(user);
    Files.createSymbolicLink(user, outside);

    ServerException e = catchThrowableOfType(ServerException.class, () -> service.start(CAMP));

    assertThat(e.kind()).isEqualTo(ServerException.Kind.INVALID);
    assertThat(e.getMessage()).contains("[user]").contains("symbolic link");
    assertThat(service.get(CAMP).containerState()).isEqualTo(ContainerState.EXITED);
  }

  @Test
  void aServerWithAnUnreadableConfigCanBeFixedAndImportedAgainOrDeleted() throws IOException {
    ServerService first = service();
    first.create(startLater("camp1"));
    first.create(startLater("camp2"));
    first.close();
    services.remove(first);
    Path cfg = serverDir(CAMP).resolve("config.json");
    String good = Files.readString(cfg);
    Files.writeString(cfg, good.replaceFirst("}", "},")); // a hand edit with a trailing comma
    ServerId camp2 = ServerId.parse("valheim.camp2");
    Files.writeString(serverDir(camp2).resolve("config.json"), "{ nope");

    ServerService s = service();

    assertThat(s.find(CAMP)).isEmpty();
    ServerException e = catchThrowableOfType(ServerException.class, () -> s.get(CAMP));
    assertThat(e.kind()).isEqualTo(ServerException.Kind.BROKEN);
    assertThat(e.getMessage()).contains("cannot be read").doesNotContain(tmp.toString());
    // fixed by hand, then imported again: the same record, listed again
    Files.writeString(cfg, good);
    assertThat(s.importAll()).extracting(ServerView::id).containsExactly(CAMP);
    assertThat(s.get(CAMP).definition().environment()).containsEntry("SERVER_NAME", "My Server");
    // the other one is deleted: its name and ports are free again
    assertThat(s.exists(camp2)).isTrue();
    s.destroy(camp2, false);
    assertThat(s.exists(camp2)).isFalse();
    assertThat(rowCount()).isEqualTo(1);
  }

  @Test
  void theComposeFileFollowsASettingsChangeAndKeepsLineBreaksEscaped() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));

    service.changeSettings(CAMP, null, Map.of("SERVER_NAME", "New\nName: \"quoted\""));

    String compose = Files.readString(serverDir(CAMP).resolve("docker-compose.yml"));
    assertThat(compose).contains("SERVER_NAME=New\\nName: \\\"quoted\\\"");
    assertThat(compose).doesNotContain("SERVER_NAME=My Server");
    assertThat(compose.lines()).noneMatch(l -> l.startsWith("Name:"));
  }

  @Test
  void restartModeOnlyRestarts() throws IOException {
    ServiceAndDir s = runningServerWithUpdateFlag();

    s.service().update(CAMP, UpdateMode.parse("validate"));

    assertThat(s.dir().resolve("actions").resolve(".update")).exists();
    assertThat(runtime.pulls()).isEmpty();
    assertThat(runtime.createdSpecs()).isEmpty();
    assertThat(s.service().get(CAMP).containerState()).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void aFailedPullLeavesTheServerUntouchedAndSaysWhy() throws IOException {
    for (UpdateMode mode : List.of(UpdateMode.FULL, UpdateMode.IMAGE, UpdateMode.REINIT)) {
      for (RuntimeFailure.Kind kind :
          List.of(RuntimeFailure.Kind.REGISTRY_UNREACHABLE, RuntimeFailure.Kind.IMAGE_NOT_FOUND)) {
        services.forEach(ServerService::close);
        services.clear();
        db.close();
        FileTrees.deleteTree(dataDir);
        db = Database.open(dataDir.resolve("peon.db"));
        runtime = new FakeContainerRuntime(clock);
        runtime.addImage(IMAGE, Map.of());
        ServiceAndDir s = runningServerWithUpdateFlag();
        Files.writeString(s.dir().resolve("data").resolve("game.bin"), "installed");
        String oldId = runtime.inspect(CAMP.containerName()).orElseThrow().id();
        runtime.failPull(IMAGE, kind);

        ServerException e =
            catchThrowableOfType(ServerException.class, () -> s.service().update(CAMP, mode));

        String what = mode + "/" + kind;
        assertThat(e.kind()).as(what).isEqualTo(ServerException.Kind.IMAGE_UNAVAILABLE);
        assertThat(e.getMessage())
            .as(what)
            .contains(kind == RuntimeFailure.Kind.IMAGE_NOT_FOUND ? "unknown" : "unreachable");
        assertThat(s.dir().resolve("actions").resolve(".update")).as(what).exists();
        assertThat(s.dir().resolve("data").resolve("game.bin")).as(what).exists();
        assertThat(runtime.inspect(CAMP.containerName()).orElseThrow().id())
            .as(what)
            .isEqualTo(oldId);
        assertThat(runtime.state(CAMP.containerName())).as(what).contains(ContainerState.RUNNING);
        assertThat(s.service().get(CAMP).running()).as(what).isTrue();
      }
    }
  }

  @Test
  void parsesUpdateModeWords() {
    assertThat(UpdateMode.parse(null)).isEqualTo(UpdateMode.FULL);
    assertThat(UpdateMode.parse("ALL")).isEqualTo(UpdateMode.FULL);
    assertThat(UpdateMode.parse("container")).isEqualTo(UpdateMode.IMAGE);
    assertThat(UpdateMode.parse("Game")).isEqualTo(UpdateMode.SERVER);
    assertThat(UpdateMode.parse("reinit")).isEqualTo(UpdateMode.REINIT);
    assertThat(UpdateMode.parse("quick")).isEqualTo(UpdateMode.RESTART);
  }

  // ---------------------------------------------------------------- delete

  @Test
  void destroyRemovesContainerNetworkAndRecordButKeepsFiles() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));

    service.destroy(CAMP, false);

    assertThat(service.find(CAMP)).isEmpty();
    assertThat(runtime.containerNames()).isEmpty();
    assertThat(runtime.networkNames()).isEmpty();
    assertThat(rowCount()).isZero();
    assertThat(serverDir(CAMP).resolve("config.json")).isRegularFile();
    service.destroy(CAMP, false); // repeating is fine
  }

  @Test
  void destroyFreesThePortsForTheNextServer() {
    ServerService service = service();
    service.create(startLater("camp1"));
    service.destroy(CAMP, true);

    service.create(startLater("camp2"));

    assertThat(runtime.createdSpecs().get(1).env()).startsWith("PORT=2456");
  }

  @Test
  void eradicateRemovesOnlyThatServersFolder() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    service.create(startLater("camp2"));
    Path other = Files.createDirectories(dataDir.resolve("servers").resolve("ark").resolve("x"));

    service.destroy(CAMP, true);

    assertThat(serverDir(CAMP)).doesNotExist();
    assertThat(serverDir(ServerId.parse("valheim.camp2")).resolve("config.json")).isRegularFile();
    assertThat(other).isDirectory();
    assertThat(dataDir.resolve("peon.db")).isRegularFile();

    service.destroy(ServerId.parse("valheim.camp2"), true);

    assertThat(dataDir.resolve("servers").resolve("valheim")).doesNotExist();
    assertThat(other).isDirectory();
  }

  @Test
  void eradicateDoesNotFollowSymlinksOutOfTheServerFolder() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("keep.txt"), "keep");
    Files.createSymbolicLink(serverDir(CAMP).resolve("user").resolve("link"), outside);

    service.destroy(CAMP, true);

    assertThat(serverDir(CAMP)).doesNotExist();
    assertThat(outside.resolve("keep.txt")).hasContent("keep");
  }

  @Test
  void eradicateFolderRemovesAnUnmanagedServerFolder() throws IOException {
    ServerService service = service();
    Files.createDirectories(serverDir(CAMP).resolve("data"));

    service.eradicateFolder(CAMP);

    assertThat(serverDir(CAMP)).doesNotExist();
  }

  // ---------------------------------------------------------------- import

  private static final String PYTHON_CONFIG =
      """
      {
          "metadata": {
              "game_uid": "valheim",
              "warcamp": "old",
              "version": "1.0.0",
              "description": "Made by the Python orchestrator",
              "mode": "steamcmd",
              "hostname": "peon.warcamp.valheim.old",
              "image": "umlatt/steamcmd",
              "container_name": "peon.warcamp.valheim.old"
          },
          "ports": [
              {"PORT": ["2466", "udp"]},
              {"QUERY_PORT": ["2467", "udp"]}
          ],
          "environment": {
              "STEAM_ID": "896660",
              "SERVER_NAME": "Old Server",
              "WORLD_NAME": "Old",
              "MAX_PLAYERS": "10"
          },
          "volumes": {
              "~!/actions": "/actions",
              "~!/data": "/home/steam/steamcmd/data",
              "~!/config": "/home/steam/config",
              "~!/user": "/home/steam/.config/unity3d/IronGate/Valheim"
          },
          "files": {}
      }
      """;

  @Test
  void importAdoptsAFolderWrittenByHandAndSkipsKnownOnes() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    ServerId old = ServerId.parse("valheim.old");
    Path dir = Files.createDirectories(serverDir(old));
    Files.writeString(dir.resolve("config.json"), PYTHON_CONFIG);
    Files.createDirectories(dir.resolve("user"));
    Files.writeString(dir.resolve("user").resolve("world.db"), "precious");

    List<ServerView> adopted = service.importAll();

    assertThat(adopted).extracting(v -> v.id().uid()).containsExactly("valheim.old");
    ServerView v = service.get(old);
    assertThat(v.containerState()).isEqualTo(ContainerState.CREATED);
    assertThat(v.definition().description()).isEqualTo("Made by the Python orchestrator");
    ContainerSpec spec = runtime.spec(old.containerName()).orElseThrow();
    assertThat(spec.env())
        .containsExactly(
            "PORT=2466",
            "QUERY_PORT=2467",
            "STEAM_ID=896660",
            "SERVER_NAME=Old Server",
            "WORLD_NAME=Old",
            "MAX_PLAYERS=10");
    assertThat(dir.resolve("user").resolve("world.db")).hasContent("precious");
    assertThat(service.importAll()).isEmpty();
    assertThat(service.list()).hasSize(2);
  }

  @Test
  void importRefusesAFolderWhosePortsAnotherServerHolds() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    service.create(startLater("camp2")); // holds 2466/2467
    ServerId old = ServerId.parse("valheim.old");
    Files.createDirectories(serverDir(old));
    Files.writeString(serverDir(old).resolve("config.json"), PYTHON_CONFIG);

    assertThat(service.importAll()).isEmpty();
    assertThat(service.find(old)).isEmpty();
    assertThat(serverDir(old).resolve("config.json")).isRegularFile();
  }

  @Test
  void importBringsBackADestroyedServer() {
    ServerService service = service();
    service.create(startLater("camp1"));
    service.destroy(CAMP, false);

    assertThat(service.importAll()).extracting(v -> v.id().uid()).containsExactly("valheim.camp1");
    assertThat(service.get(CAMP).containerState()).isEqualTo(ContainerState.CREATED);
  }

  // ---------------------------------------------------------------- settings and reads

  @Test
  void describeRewritesConfigJson() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));

    ServerView v = service.describe(CAMP, "New words");

    assertThat(v.definition().description()).isEqualTo("New words");
    assertThat(configJson(CAMP).at("/metadata/description").asText()).isEqualTo("New words");
    assertThat(configJson(CAMP).at("/metadata/warcamp").asText()).isEqualTo("camp1");
    assertThat(Files.readString(serverDir(CAMP).resolve("config.json")))
        .contains("\n    \"metadata\"");
  }

  @Test
  void masksSecretLookingConfigFilesWhileRunning() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    Path config = serverDir(CAMP).resolve("config");
    Files.writeString(config.resolve("port"), " 2456\n");
    Files.writeString(config.resolve("server_name"), "My Server\n");
    Files.writeString(config.resolve("password"), "hunter2\n");
    Files.writeString(config.resolve("RCON_PASSWORD"), "rc\n");
    Files.writeString(config.resolve("gslt"), "tok\n");
    Files.writeString(config.resolve(".hidden"), "no\n");
    Files.createDirectories(config.resolve("subdir"));

    assertThat(service.get(CAMP).serverConfig()).as("empty while not running").isEmpty();
    Map<String, String> shown = service.start(CAMP).serverConfig();

    assertThat(shown)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "port", "2456",
                "server_name", "My Server",
                "password", SecretNames.MASK,
                "RCON_PASSWORD", SecretNames.MASK,
                "gslt", SecretNames.MASK));
    assertThat(service.rawServerConfig(CAMP)).containsEntry("password", "hunter2");
  }

  @Test
  void exposesSecretsWhenConfiguredTo() throws IOException {
    ServerService service = service(Map.of("expose.secrets", "true"));
    service.create(startLater("camp1"));
    Files.writeString(serverDir(CAMP).resolve("config").resolve("password"), "hunter2\n");

    assertThat(service.start(CAMP).serverConfig()).containsEntry("password", "hunter2");
  }

  @Test
  void theConfigZipHasNoDataEntries() throws IOException {
    ServerService service = service();
    service.create(startLater("camp1"));
    Files.writeString(serverDir(CAMP).resolve("data").resolve("big.bin"), "x");
    Files.writeString(serverDir(CAMP).resolve("user").resolve("world.db"), "w");
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    service.writeConfigZip(CAMP, out);

    List<String> names = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        names.add(e.getName());
      }
    }
    assertThat(names)
        .contains("config.json", "plan.json", "docker-compose.yml", "user/world.db")
        .contains("actions/server_start")
        .noneMatch(n -> n.startsWith("data/") || n.equals("data"))
        .noneMatch(n -> n.contains(".peon-"));
  }

  @Test
  void statsComeFromTheRuntimeWithUptime() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    runtime.setStats(
        CAMP.containerName(),
        new dev.peon.orc.runtime.StatsSample(
            Map.of("read", "now"), 12.5, 3.0, 1024, 10, 20, clock.instant()));
    clock.advance(Duration.ofSeconds(90));

    ServerStats stats = service.stats(CAMP);

    assertThat(stats.cpuPercent()).isEqualTo(12.5);
    assertThat(stats.memoryBytes()).isEqualTo(1024);
    assertThat(stats.raw()).containsEntry("read", "now");
    assertThat(stats.uptimeSeconds()).isEqualTo(90);
  }

  @Test
  void aStoppedServerHasEmptyStats() {
    ServerService service = service();
    service.create(startLater("camp1"));

    assertThat(service.stats(CAMP).raw()).isEmpty();
    assertThat(service.stats(CAMP).uptimeSeconds()).isZero();
  }

  @Test
  void runQuiescedStopsARunningServerAndStartsItAgainEvenWhenTheWorkFails() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    List<Boolean> told = new ArrayList<>();

    String seen =
        service.runQuiesced(
            CAMP,
            ServerService.Quiescing.STOP,
            told::add,
            running -> runtime.state(CAMP.containerName()).orElseThrow().wire());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                service.runQuiesced(
                    CAMP,
                    ServerService.Quiescing.STOP,
                    r -> {},
                    running -> {
                      throw new IllegalStateException("disk full");
                    }))
        .hasMessage("disk full");

    assertThat(told).containsExactly(true);
    assertThat(seen).isEqualTo("exited");
    assertThat(runtime.state(CAMP.containerName())).contains(ContainerState.RUNNING);
  }

  @Test
  void runQuiescedPausesAndUnpausesAndLeavesAStoppedServerStopped() {
    ServerService service = service();
    service.create(request("camp1", REQUIRED));
    String seen =
        service.runQuiesced(
            CAMP,
            ServerService.Quiescing.PAUSE,
            r -> {},
            running -> runtime.state(CAMP.containerName()).orElseThrow().wire());
    assertThat(seen).isEqualTo("paused");
    assertThat(runtime.state(CAMP.containerName())).contains(ContainerState.RUNNING);

    service.stop(CAMP);
    List<Boolean> told = new ArrayList<>();
    service.runQuiesced(CAMP, ServerService.Quiescing.STOP, told::add, running -> running);
    assertThat(told).containsExactly(false);
    assertThat(runtime.state(CAMP.containerName())).contains(ContainerState.EXITED);
  }

  // ---------------------------------------------------------------- events for notifications

  private ServerService serviceOn(dev.peon.orc.event.EventBus bus) {
    ServerService s =
        new ServerService(config(Map.of()), db, plans, runtime, hostPorts, clock, bus);
    services.add(s);
    s.reconcile();
    return s;
  }

  private static List<String> seen(List<dev.peon.orc.event.Event> events, String... types) {
    return events.stream()
        .filter(e -> List.of(types).contains(e.type()))
        .map(e -> e.type() + " " + e.data().get("reason") + e.data().get("mode"))
        .toList();
  }

  @Test
  void publishesStartedAndStoppedOnlyWhenAPowerActionReallyChangedSomething() {
    var bus = new dev.peon.orc.event.EventBus(clock);
    List<dev.peon.orc.event.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    bus.subscribe(0, events::add);
    ServerService service = serviceOn(bus);
    service.create(startLater("camp1"));

    service.start(CAMP);
    service.start(CAMP); // already running: nothing
    service.restart(CAMP);
    service.runQuiesced(CAMP, ServerService.Quiescing.STOP, was -> {}, running -> running);
    service.stop(CAMP);
    service.stop(CAMP); // already stopped: nothing
    service.kill(CAMP);

    assertThat(seen(events, "server.started", "server.stopped"))
        .containsExactly(
            "server.started startnull", "server.started restartnull", "server.stopped stopnull");
  }

  @Test
  void publishesTheOutcomeOfEveryUpdate() {
    var bus = new dev.peon.orc.event.EventBus(clock);
    List<dev.peon.orc.event.Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    bus.subscribe(0, events::add);
    ServerService service = serviceOn(bus);
    service.create(startLater("camp1"));

    service.update(CAMP, UpdateMode.SERVER);
    runtime.failPull(IMAGE, RuntimeFailure.Kind.REGISTRY_UNREACHABLE);
    catchThrowableOfType(ServerException.class, () -> service.update(CAMP, UpdateMode.IMAGE));

    assertThat(seen(events, "update.succeeded", "update.failed"))
        .containsExactly("update.succeeded nullserver", "update.failed nullimage");
    assertThat(events.get(events.size() - 1).data().get("error").toString())
        .startsWith("Pull failed: the registry of umlatt/steamcmd is unreachable");
  }
}
