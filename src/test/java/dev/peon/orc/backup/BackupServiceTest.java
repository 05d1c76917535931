package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.config.ConfigLoader;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PlanParser;
import dev.peon.orc.plan.RegistryEntry;
import dev.peon.orc.runtime.FakeContainerRuntime;
import dev.peon.orc.server.CreateRequest;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup service on a real server service, real SQLite and real folders, with a fake container
 * runtime and fake disks: hostile uploads and restores, permissions of a restore, free space,
 * pruning.
 */
class BackupServiceTest {
  private static final String IMAGE = "peon-test/secgame:1";
  private static final ServerId ID = ServerId.parse("secgame.one");
  private static final int UID = 4321;
  private static final String PLAN =
      """
      {"metadata": {"game_uid": "secgame", "warcamp": "default", "version": "1.0.0",
                    "description": "backup security", "mode": "steamcmd",
                    "hostname": "peon.warcamp.secgame", "image": "%s"},
       "ports": [[{"PORT": ["27015", "udp"]}]],
       "environment": {"SERVER_NAME": null, "PASSWORD": null},
       "volumes": {"~!/actions": "/actions", "~!/data": "/data", "~!/config": "/config",
                   "~!/user": "/user"}}
      """
          .formatted(IMAGE);

  /** An operator: backup.* on the server, neither server.settings nor server.secrets. */
  private static final BackupService.RestoreOptions OPERATOR =
      new BackupService.RestoreOptions(false, false, false);

  @TempDir Path tmp;
  private final ObjectMapper json = new ObjectMapper();
  private MutableClock clock;
  private Database db;
  private ServerService servers;
  private BackupService backups;
  private Path dir;
  private Path backupRoot;
  private final FakeDisk serverDisk = new FakeDisk();
  private final FakeDisk backupDisk = new FakeDisk();
  private final Set<BackupId> undeletable = new HashSet<>();

  /** A disk of {@code capacity} bytes, of which what lies under {@code measured} is used. */
  static final class FakeDisk implements DiskSpace {
    final AtomicLong capacity = new AtomicLong(Long.MAX_VALUE / 2);
    final AtomicLong total = new AtomicLong(100L << 30);
    Path measured;

    @Override
    public Space of(Path p) throws IOException {
      long used = 0;
      if (measured != null && Files.exists(measured)) {
        try (Stream<Path> s = Files.walk(measured)) {
          for (Path f : s.filter(Files::isRegularFile).toList()) {
            used += Files.size(f);
          }
        }
      }
      return new Space(capacity.get() - used, total.get());
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    Path data = tmp.resolve("data");
    Path plans = Files.createDirectories(tmp.resolve("plans/secgame"));
    Files.writeString(plans.resolve("plan.json"), PLAN);
    Files.createDirectories(plans.resolve("actions"));
    Files.writeString(plans.resolve("actions/server_start"), "#!/bin/sh\n");
    Plan plan = new PlanParser().parse(plans);
    PlanCatalog catalog =
        new PlanCatalog() {
          @Override
          public Optional<Plan> find(PlanId id) {
            return id.equals(plan.id()) ? Optional.of(plan) : Optional.empty();
          }

          @Override
          public List<RegistryEntry> registry() {
            return List.of();
          }

          @Override
          public Map<String, String> rejected() {
            return Map.of();
          }

          @Override
          public List<RegistryEntry> sync() {
            return List.of();
          }
        };
    Map<String, String> flags = new HashMap<>();
    flags.put("data.dir", data.toString());
    flags.put("plans.source", tmp.resolve("plans").toString());
    flags.put("container.user", UID + ":" + UID);
    OrchestratorConfig config = new ConfigLoader().load(null, Map.of(), flags);
    db = Database.open(data.resolve("peon.db"));
    FakeContainerRuntime runtime = new FakeContainerRuntime(clock);
    runtime.addImage(IMAGE, Map.of());
    EventBus events = new EventBus(clock);
    servers = new ServerService(config, db, catalog, runtime, b -> true, clock, events);
    servers.reconcile();
    backupRoot = tmp.resolve("backups");
    backupDisk.measured = backupRoot;
    LocalFolderDestination local = new LocalFolderDestination(backupRoot, backupDisk);
    BackupDestination destination =
        new BackupDestination() {
          @Override
          public Pending begin(ServerId server, BackupId id) throws IOException {
            return local.begin(server, id);
          }

          @Override
          public java.io.InputStream open(ServerId server, BackupId id) throws IOException {
            return local.open(server, id);
          }

          @Override
          public byte[] manifest(ServerId server, BackupId id) throws IOException {
            return local.manifest(server, id);
          }

          @Override
          public boolean exists(ServerId server, BackupId id) {
            return local.exists(server, id);
          }

          @Override
          public void delete(ServerId server, BackupId id) throws IOException {
            if (undeletable.contains(id)) {
              throw new java.nio.file.AccessDeniedException(id.value());
            }
            local.delete(server, id);
          }

          @Override
          public int removePartials() throws IOException {
            return local.removePartials();
          }

          @Override
          public long usableSpace() {
            return local.usableSpace();
          }

          @Override
          public long totalSpace() {
            return local.totalSpace();
          }
        };
    backups =
        new BackupService(
            servers,
            new OperationService(events, clock, t -> null),
            events,
            db,
            destination,
            clock,
            "test",
            new BackupArchive(1, 0),
            new BackupSettings(UID + ":" + UID, 1L << 30, 5, Duration.ofDays(7)),
            serverDisk);
    servers.create(
        new CreateRequest(
            plan.id(),
            "one",
            Map.of("SERVER_NAME", "one", "PASSWORD", "S3cretPW"),
            "",
            true,
            false));
    dir = servers.layout().dir(ID);
    Files.createDirectories(dir.resolve("user"));
    Files.writeString(dir.resolve("user/world.db"), "the world");
    Files.createDirectories(dir.resolve("config"));
    Files.writeString(dir.resolve("config/password"), "S3cretPW-canary1");
  }

  @AfterEach
  void tearDown() {
    servers.close();
    db.close();
  }

  private BackupRecord upload(byte[] archive) {
    return backups.upload(ID, new ByteArrayInputStream(archive), 1L << 30, archive.length);
  }

  private Map<String, Object> restore(
      BackupRecord r, List<String> paths, BackupService.RestoreOptions options) {
    return backups.restore(ID, r.id(), paths, options, (pct, msg) -> {});
  }

  private static BackupException.Kind kindOf(Runnable r) {
    return catchThrowableOfType(BackupException.class, r::run).kind();
  }

  private List<Path> filesUnder(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      return s.toList();
    }
  }

  // ------------------------------------------------------------------ C1

  @Test
  void anUploadedSymlinkChainCannotPlaceARootOwnedFileOutsideTheServerFolder() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("../../../../outside").normalize());
    // 1) stage a file whose tar header says root
    BackupRecord a =
        upload(
            new CraftedArchive()
                .owner(0, 0)
                .dir("data")
                .file("data/pwn-sec.txt", "* * * * * root echo owned-by-operator\n")
                .file("data/new/deeper/x.txt", "x")
                .withManifest()
                .finish());
    restore(a, List.of("data/pwn-sec.txt", "data/new/deeper/x.txt"), OPERATOR);
    Path staged = dir.resolve("data/pwn-sec.txt");
    assertThat(dir.resolve("data/new/deeper/x.txt")).exists();
    assertThat(staged).exists();
    assertThat(Files.getAttribute(staged, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(UID);
    assertThat(Files.getAttribute(staged, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(UID);
    // 2) the escaping chain, with excludes naming the staged file: refused at upload
    int before = backups.list(ID).size();
    byte[] chain =
        new CraftedArchive()
            .excludes("data/pwn-sec.txt")
            .dir("p")
            .dir("p/q")
            .dir("p/q/r")
            .dir("p/q/r/s")
            .symlink("p/q/r/s/L", "../../../..")
            .symlink("data", "p/q/r/s/L/../../../../outside")
            .withManifest()
            .finish();
    assertThat(kindOf(() -> upload(chain))).isEqualTo(BackupException.Kind.UNSAFE);
    assertThat(backups.list(ID)).hasSize(before);
    try (Stream<Path> s = Files.list(outside)) {
      assertThat(s).isEmpty();
    }
    // no file the restore made belongs to root or anyone but the container user
    for (Path p : filesUnder(dir.resolve("data"))) {
      assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
          .as("owner of %s", dir.relativize(p))
          .isEqualTo(UID);
    }
  }

  @Test
  void excludedLivePathsAreNeverCarriedThroughASymlinkOfTheRestoredBackup() throws IOException {
    backups.setPolicy(
        ID, new BackupPolicy(Consistency.STOP, List.of("data/pwn-sec.txt"), Retention.KEEP_ALL));
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/pwn-sec.txt"), "live");
    // an upload whose data is a link (inside, so accepted) and whose own excludes say nothing
    BackupRecord c =
        upload(
            new CraftedArchive()
                .dir("elsewhere")
                .symlink("data", "elsewhere")
                .withManifest()
                .finish());
    assertThat(kindOf(() -> restore(c, List.of(), OPERATOR)))
        .isEqualTo(BackupException.Kind.UNSAFE);
    assertThat(dir.resolve("data/pwn-sec.txt")).hasContent("live");
    assertThat(Files.isSymbolicLink(dir.resolve("data"))).isFalse();
    assertThat(dir.resolve("elsewhere")).doesNotExist();
    // refused while preparing: no journal or half-swapped copy is left for the next start
    try (Stream<Path> s = Files.list(dir.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("one");
    }
  }

  // ------------------------------------------------------------------ H1

  private byte[] archiveWithConfig(ObjectNode config) throws IOException {
    return new CraftedArchive()
        .file("config.json", json.writeValueAsString(config))
        .file("plan.json", "{\"rewritten\": true}")
        .dir("user")
        .file("user/world.db", "restored world")
        .withManifest()
        .finish();
  }

  private ObjectNode rewrittenConfig() throws IOException {
    ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
    ((ObjectNode) cfg.path("environment")).put("PASSWORD", "operator-chosen");
    ((ObjectNode) cfg.path("environment")).put("OPERATOR_ADDED", "1");
    return cfg;
  }

  @Test
  void aRestoreKeepsTheLiveDefinitionForACallerWithoutServerSettings() throws IOException {
    byte[] live = Files.readAllBytes(dir.resolve("config.json"));
    BackupRecord up = upload(archiveWithConfig(rewrittenConfig()));
    Map<String, Object> result = restore(up, List.of(), OPERATOR);
    assertThat(result.get("definition")).isEqualTo(false);
    assertThat(dir.resolve("user/world.db")).hasContent("restored world");
    assertThat(Files.readAllBytes(dir.resolve("config.json"))).isEqualTo(live);
    assertThat(dir.resolve("plan.json")).content().doesNotContain("rewritten");
    assertThat(servers.get(ID).toString()).doesNotContain("OPERATOR_ADDED");
    // naming it, or asking for it, is refused without server.settings; nothing changes
    assertThat(kindOf(() -> restore(up, List.of("config.json"), OPERATOR)))
        .isEqualTo(BackupException.Kind.FORBIDDEN);
    assertThat(
            kindOf(
                () ->
                    backups.submitRestore(
                        ID,
                        up.id(),
                        List.of(),
                        new BackupService.RestoreOptions(true, false, false))))
        .isEqualTo(BackupException.Kind.FORBIDDEN);
    assertThat(Files.readAllBytes(dir.resolve("config.json"))).isEqualTo(live);
  }

  @Test
  void aCallerWithServerSettingsGetsTheBackupsSettingsButNeverItsImagePortsOrMounts()
      throws IOException {
    ObjectNode live = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
    ObjectNode cfg = rewrittenConfig();
    cfg.with("metadata").put("image", "evil/image:latest").put("description", "from the backup");
    cfg.with("volumes").put("~!", "/srv");
    cfg.putArray("ports").addObject().putArray("EXTRA_PORT").add("45399").add("tcp");
    BackupRecord up = upload(archiveWithConfig(cfg));
    BackupService.RestoreOptions admin = new BackupService.RestoreOptions(true, true, true);
    Map<String, Object> result = restore(up, List.of(), admin);
    assertThat(result.get("definition")).isEqualTo(true);
    ObjectNode now = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
    assertThat(now.path("environment").path("PASSWORD").asText()).isEqualTo("operator-chosen");
    assertThat(now.path("environment").has("OPERATOR_ADDED")).isFalse();
    assertThat(now.path("metadata").path("description").asText()).isEqualTo("from the backup");
    assertThat(now.path("metadata").path("image")).isEqualTo(live.path("metadata").path("image"));
    assertThat(now.path("volumes")).isEqualTo(live.path("volumes"));
    assertThat(now.path("ports")).isEqualTo(live.path("ports"));
    assertThat(dir.resolve("plan.json")).content().doesNotContain("rewritten");
    // plan.json follows the plan: never restored, not even when named
    assertThat(
            catchThrowableOfType(
                    BackupException.class, () -> restore(up, List.of("plan.json"), admin))
                .getMessage())
        .contains("never restored");
  }

  @Test
  void aDryRunWithoutTheDefinitionDoesNotListIt() throws IOException {
    BackupRecord up = upload(archiveWithConfig(rewrittenConfig()));
    assertThat(backups.dryRun(ID, up.id(), List.of(), OPERATOR))
        .extracting(BackupService.Change::path)
        .doesNotContain("config.json")
        .contains("user/world.db");
  }

  // ------------------------------------------------------------------ M7

  private List<BackupService.Change> dryRunOfGuess(
      String guess, BackupService.RestoreOptions options) {
    BackupRecord up =
        upload(
            new CraftedArchive()
                .dir("config")
                .file("config/password", guess)
                .withManifest()
                .finish());
    return backups.dryRun(ID, up.id(), List.of("config/password"), options);
  }

  @Test
  void aDryRunDoesNotTellACallerWithoutServerSecretsWhetherASecretGuessIsRight() {
    List<BackupService.Change> wrong = dryRunOfGuess("hunter2", OPERATOR);
    List<BackupService.Change> right = dryRunOfGuess("S3cretPW-canary1", OPERATOR);
    assertThat(wrong).isEqualTo(right);
    assertThat(right).containsExactly(new BackupService.Change("config/password", "unchecked"));
    // with server.secrets the comparison is made
    BackupService.RestoreOptions admin = new BackupService.RestoreOptions(false, true, true);
    assertThat(dryRunOfGuess("hunter2", admin))
        .containsExactly(new BackupService.Change("config/password", "modified"));
    assertThat(dryRunOfGuess("S3cretPW-canary1", admin)).isEmpty();
  }

  // ------------------------------------------------------------------ H7

  @Test
  void aPruneFailureKeepsTheBackupJustMade() {
    backups.setPolicy(
        ID,
        new BackupPolicy(Consistency.STOP, List.of(), new Retention(1, null, null, null, null)));
    BackupRecord first = backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {});
    undeletable.add(first.id());
    clock.advance(Duration.ofMinutes(1));
    BackupRecord second = backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {});
    assertThat(backups.list(ID))
        .extracting(BackupRecord::id)
        .containsExactlyInAnyOrder(first.id(), second.id());
    assertThat(backupRoot.resolve("secgame/one/" + second.id().value() + ".tar.zst")).exists();
    undeletable.clear();
    clock.advance(Duration.ofMinutes(1));
    BackupRecord third = backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {});
    assertThat(backups.list(ID)).extracting(BackupRecord::id).containsExactly(third.id());
    assertThat(backupRoot.resolve("secgame/one/" + first.id().value() + ".tar.zst")).doesNotExist();
  }

  @Test
  void aBackupIsRefusedBeforeItStartsUnlessTheDestinationKeepsItsReserve() {
    // 100 GiB disk: reserve max(1 GiB, 5 %) = 5 GiB; 5 GiB + 16 bytes free is too little
    backupDisk.capacity.set((5L << 30) + 16);
    assertThat(kindOf(() -> backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {})))
        .isEqualTo(BackupException.Kind.NO_SPACE);
    assertThat(backups.list(ID)).isEmpty();
    assertThat(kindOf(() -> upload(new CraftedArchive().dir("x").withManifest().finish())))
        .isEqualTo(BackupException.Kind.NO_SPACE);
    assertThat(backups.list(ID)).isEmpty();
  }

  @Test
  void aBackupGrowingPastTheEstimateStopsBeforeEatingIntoTheReserve() throws IOException {
    backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {}); // small: the next estimate
    byte[] noise = new byte[8 << 20];
    new java.util.Random(3).nextBytes(noise);
    Files.write(dir.resolve("user/big.bin"), noise);
    backupDisk.capacity.set((5L << 30) + (2L << 20) + usedBackupBytes());
    clock.advance(Duration.ofMinutes(1));
    assertThat(kindOf(() -> backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {})))
        .isEqualTo(BackupException.Kind.NO_SPACE);
    assertThat(backups.list(ID)).hasSize(1);
    try (Stream<Path> s = Files.walk(backupRoot)) {
      assertThat(s.map(Path::toString)).noneMatch(p -> p.endsWith(".partial"));
    }
    assertThat(backupDisk.orUnknown(backupRoot).usable()).isGreaterThanOrEqualTo(5L << 30);
  }

  private long usedBackupBytes() throws IOException {
    long used = 0;
    for (Path f : filesUnder(backupRoot)) {
      used += Files.isRegularFile(f) ? Files.size(f) : 0;
    }
    return used;
  }

  // ------------------------------------------------------------------ M3

  @Test
  void aRestoreLargerThanTheServerDiskCanSpareIsRefusedBeforeAnythingIsWritten()
      throws IOException {
    BackupRecord bomb =
        upload(
            new CraftedArchive()
                .dir("data")
                .file("data/bomb", new byte[16 << 20]) // 16 MiB of zeros: a few KiB compressed
                .withManifest()
                .finish());
    assertThat(bomb.size()).isLessThan(1 << 20);
    serverDisk.capacity.set((5L << 30) + (8L << 20)); // room for 8 MiB beyond the reserve
    int before = backups.list(ID).size();
    assertThat(kindOf(() -> backups.submitRestore(ID, bomb.id(), List.of("data/bomb"), OPERATOR)))
        .isEqualTo(BackupException.Kind.NO_SPACE);
    assertThat(kindOf(() -> restore(bomb, List.of(), OPERATOR)))
        .isEqualTo(BackupException.Kind.NO_SPACE);
    assertThat(dir.resolve("data/bomb")).doesNotExist();
    assertThat(backups.list(ID)).hasSize(before); // not even a pre-restore backup
    try (Stream<Path> s = Files.list(dir.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("one");
    }
  }

  @Test
  void anUploadWhoseManifestIsLargerThanItsEntriesCanNeedIsRefusedAndNothingIsKept()
      throws IOException {
    byte[] padded =
        new CraftedArchive().dir("data").withManifest(4 << 20).finish(); // 4 MiB of spaces
    assertThat(padded.length).isLessThan(64 << 10);
    BackupException e = catchThrowableOfType(BackupException.class, () -> upload(padded));
    assertThat(e.kind()).isEqualTo(BackupException.Kind.UNSAFE);
    assertThat(BackupRoutes.problem(e).status()).isEqualTo(422);
    assertThat(e.getMessage()).contains("the manifest is").contains("1 entries may have");
    assertThat(backups.list(ID)).isEmpty();
    try (Stream<Path> s = Files.walk(backupRoot)) {
      assertThat(s.filter(Files::isRegularFile)).isEmpty();
    }
  }

  // ------------------------------------------------------------------ L15

  @Test
  void aPreRestoreBackupIsExemptFromRetentionForTheConfiguredDays() {
    BackupRecord first = backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {});
    clock.advance(Duration.ofMinutes(1));
    Map<String, Object> r = restore(first, List.of("user"), OPERATOR);
    BackupId pre = new BackupId((String) r.get("preRestoreBackup"));
    backups.setPolicy(
        ID,
        new BackupPolicy(Consistency.STOP, List.of(), new Retention(1, null, null, null, null)));
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofHours(1));
      backups.backupNow(ID, BackupRecord.Origin.SCHEDULE, (p, m) -> {});
    }
    assertThat(backups.list(ID)).extracting(BackupRecord::id).contains(pre).hasSize(2);
    clock.advance(Duration.ofDays(8));
    backups.backupNow(ID, BackupRecord.Origin.SCHEDULE, (p, m) -> {});
    assertThat(backups.list(ID)).extracting(BackupRecord::id).doesNotContain(pre).hasSize(1);
  }

  // ------------------------------------------------------------------ M5

  @Test
  void archivesManifestsAndTheirFoldersAreOwnerOnly() throws IOException {
    BackupRecord b = backups.backupNow(ID, BackupRecord.Origin.MANUAL, (p, m) -> {});
    Path folder = backupRoot.resolve("secgame/one");
    for (Path d : List.of(backupRoot, backupRoot.resolve("secgame"), folder)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d)))
          .as("mode of %s", d)
          .isEqualTo("rwx------");
    }
    for (String name : List.of(b.id().value() + ".tar.zst", b.id().value() + ".manifest.json")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve(name))))
          .as("mode of %s", name)
          .isEqualTo("rw-------");
    }
    try (BackupDestination.Pending p =
        new LocalFolderDestination(backupRoot).begin(ID, new BackupId("20261201T100000Z-abcdef"))) {
      Path partial = folder.resolve("20261201T100000Z-abcdef.tar.zst.partial");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(partial)))
          .isEqualTo("rw-------");
    }
    // archives made before: made owner-only at start-up
    Path old = folder.resolve("20200101T000000Z-aaaaaa.tar.zst");
    Files.writeString(old, "old", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
    new LocalFolderDestination(backupRoot).restrictAccess();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(old)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)))
        .isEqualTo("rwx------");
  }
}
