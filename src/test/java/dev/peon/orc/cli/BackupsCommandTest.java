package dev.peon.orc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peon backups ...} against a scripted fake API. */
class BackupsCommandTest {
  private static final String KEY = "test-key-123456";
  private static final String BASE = "/api/v2/servers/fakegame.one/backups";
  private static final String B1 = "20261126T203000Z-3fa19c";
  private static final String B2 = "20261125T203000Z-0b12aa";

  private FakeApi api;
  @TempDir Path dir;

  @BeforeEach
  void start() throws IOException {
    api = new FakeApi();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", api.url(), "--api-key", KEY, "--utc"));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static String backup(String id, boolean locked, String origin) {
    return ("{\"id\":\"%s\",\"server\":\"fakegame.one\",\"createdAt\":\"2026-11-26T20:30:00Z\","
            + "\"finishedAt\":\"2026-11-26T20:31:00Z\",\"size\":1572864,\"contentSize\":4194304,"
            + "\"files\":12,\"sha256\":\"%s\",\"locked\":%s,\"consistency\":\"stop\","
            + "\"origin\":\"%s\"}")
        .formatted(id, "ab".repeat(32), locked, origin);
  }

  private void listed() {
    api.on(
        "GET " + BASE,
        200,
        "{\"items\":[" + backup(B1, false, "manual") + "," + backup(B2, true, "schedule") + "]}");
  }

  private static String op(String kind, String status, Integer pct, String msg, String result) {
    return ("{\"id\":\"op_0123456789abcdef\",\"kind\":\"%s\",\"server\":\"fakegame.one\","
            + "\"status\":\"%s\",\"progress\":{\"percent\":%s,\"message\":%s},\"error\":null,"
            + "\"result\":%s,\"createdAt\":\"2026-11-26T20:30:00Z\",\"startedAt\":null,"
            + "\"finishedAt\":null}")
        .formatted(kind, status, pct, msg == null ? "null" : "\"" + msg + "\"", result);
  }

  @Test
  void listsBackupsAsATableWithLockedMarked() {
    listed();
    CliRun r = run("backups", "list", "fakegame.one");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            ID                       CREATED                  SIZE     FILES  MODE  ORIGIN    LOCKED
            20261126T203000Z-3fa19c  2026-11-26 20:30:00 UTC  1.5 MiB  12     stop  manual    -
            20261125T203000Z-0b12aa  2026-11-26 20:30:00 UTC  1.5 MiB  12     stop  schedule  *
            """);
    assertThat(api.requests.get(0).header("X-Api-Key")).isEqualTo(KEY);
  }

  @Test
  void createWaitsForTheOperationShowingProgressAndPrintsTheBackup() {
    api.on("POST " + BASE, 202, op("backup.create", "queued", null, "queued", "null"));
    api.on(
            "GET /api/v2/operations/op_0123456789abcdef",
            200,
            op("backup.create", "running", 40, "archiving: 1 of 4 MiB", "null"))
        .on(
            "GET /api/v2/operations/op_0123456789abcdef",
            200,
            op("backup.create", "succeeded", 100, "done", backup(B1, false, "manual")));
    CliRun r = run("backups", "create", "fakegame.one");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo("fakegame.one: backup " + B1 + " (1.5 MiB, 12 files, mode stop)\n");
    assertThat(r.err()).contains("40% archiving: 1 of 4 MiB");
    assertThat(r.err()).contains("disconnects its players").contains("--mode pause");
    assertThat(api.requests.get(0).body()).isEqualTo("{}");
  }

  @Test
  void createWithNoWaitPrintsTheOperationIdAndAFailedBackupExits1() {
    api.on("POST " + BASE, 202, op("backup.create", "queued", null, "queued", "null"));
    CliRun r = run("backups", "create", "fakegame.one", "--no-wait");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("op_0123456789abcdef\n");

    api.on(
        "GET /api/v2/operations/op_0123456789abcdef",
        200,
        op("backup.create", "failed", null, null, "null")
            .replace(
                "\"error\":null",
                "\"error\":{\"type\":\"insufficient-storage\",\"title\":\"Insufficient storage\","
                    + "\"detail\":\"The disk is full.\"}"));
    CliRun failed = run("backups", "create", "fakegame.one");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).contains("Insufficient storage: The disk is full.");
  }

  @Test
  void showResolvesLatestAndUniquePrefixes() {
    listed();
    api.on("GET " + BASE + "/" + B1, 200, backup(B1, false, "manual"));
    api.on("GET " + BASE + "/" + B2, 200, backup(B2, true, "schedule"));
    CliRun latest = run("backups", "show", "fakegame.one", "latest");
    assertThat(latest.code()).as(latest.toString()).isZero();
    assertThat(latest.out()).contains("id        " + B1).contains("locked    no");
    CliRun prefix = run("backups", "show", "fakegame.one", "20261125");
    assertThat(prefix.code()).as(prefix.toString()).isZero();
    assertThat(prefix.out()).contains(B2).contains("origin    schedule");
    CliRun ambiguous = run("backups", "show", "fakegame.one", "2026112");
    assertThat(ambiguous.code()).isEqualTo(2);
    assertThat(ambiguous.err()).contains("matches 2 backups").contains(B1).contains(B2);
    CliRun none = run("backups", "show", "fakegame.one", "2027");
    assertThat(none.code()).isEqualTo(3);
  }

  @Test
  void showManifestListsTheFiles() {
    api.on(
        "GET " + BASE + "/" + B1 + "/manifest",
        200,
        "{\"format\":\"peon-backup/1\",\"entries\":[{\"path\":\"user\",\"type\":\"dir\",\"mode\":493,"
            + "\"mtime\":\"2026-11-26T20:00:00Z\"},{\"path\":\"user/world.db\",\"type\":\"file\","
            + "\"size\":1234,\"sha256\":\"cd\",\"mode\":420,\"mtime\":\"2026-11-26T20:00:00Z\"}]}");
    CliRun r = run("backups", "show", "fakegame.one", B1, "--manifest");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            TYPE  SIZE  SHA-256  PATH
            dir   -     -        user
            file  1234  cd       user/world.db
            """);
  }

  @Test
  void deleteRefusesWithoutYesWhenNotInteractiveAndExplainsALockedBackup() {
    CliRun refused = run("backups", "delete", "fakegame.one", B1);
    assertThat(refused.code()).isEqualTo(2);
    assertThat(api.requests).isEmpty();

    api.on(
        "DELETE " + BASE + "/" + B2,
        409,
        FakeApi.problem("conflict", 409, "Conflict", "Backup " + B2 + " is locked."));
    CliRun locked = run("backups", "delete", "fakegame.one", B2, "--yes");
    assertThat(locked.code()).isEqualTo(4);
    assertThat(locked.err()).contains("is locked").contains("peon backups unlock fakegame.one");

    api.on("DELETE " + BASE + "/" + B1, 204, "");
    CliRun ok = run("backups", "delete", "fakegame.one", B1, "--yes");
    assertThat(ok.code()).as(ok.toString()).isZero();
    assertThat(ok.out()).isEqualTo("deleted backup " + B1 + " of fakegame.one\n");
  }

  @Test
  void lockAndUnlockPostToTheirPaths() {
    api.on("POST " + BASE + "/" + B1 + "/lock", 200, backup(B1, true, "manual"));
    api.on("POST " + BASE + "/" + B1 + "/unlock", 200, backup(B1, false, "manual"));
    assertThat(run("backups", "lock", "fakegame.one", B1).out())
        .isEqualTo("locked backup " + B1 + " of fakegame.one\n");
    CliRun json = run("backups", "unlock", "fakegame.one", B1, "--json");
    assertThat(json.out()).isEqualTo(backup(B1, false, "manual") + "\n");
  }

  @Test
  void downloadStreamsToAFileAndChecksTheSha256() throws Exception {
    byte[] archive = "not really zstd, but bytes".repeat(1000).getBytes(StandardCharsets.UTF_8);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
    api.onBytes(
        "GET " + BASE + "/" + B1 + "/download",
        "application/zstd",
        archive,
        Map.of("X-Archive-Sha256", sha));
    Path file = dir.resolve("a.tar.zst");
    CliRun r = run("backups", "download", "fakegame.one", B1, "-o", file.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(Files.readAllBytes(file)).isEqualTo(archive);
    assertThat(r.out()).contains("sha256 " + sha);
    assertThat(dir.resolve("a.tar.zst.part")).doesNotExist();
    // the archive holds the server's secrets: readable by the user only
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void downloadRemovesTheFileWhenTheSha256DoesNotMatch() {
    api.onBytes(
        "GET " + BASE + "/" + B1 + "/download",
        "application/zstd",
        new byte[] {1, 2, 3},
        Map.of("X-Archive-Sha256", "00".repeat(32)));
    Path file = dir.resolve("b.tar.zst");
    CliRun r = run("backups", "download", "fakegame.one", B1, "-o", file.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("SHA-256 mismatch");
    assertThat(file).doesNotExist();
    assertThat(dir.resolve("b.tar.zst.part")).doesNotExist();
  }

  @Test
  void uploadStreamsTheFileAsZstd() throws IOException {
    Path file = dir.resolve("c.tar.zst");
    Files.write(file, new byte[] {40, 41, 42});
    api.on("POST " + BASE + "/upload", 201, backup(B1, false, "upload"));
    CliRun r = run("backups", "upload", "fakegame.one", file.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("origin    upload");
    assertThat(api.requests.get(0).header("Content-Type")).isEqualTo("application/zstd");
    assertThat(api.requests.get(0).body()).isEqualTo("()*");
  }

  @Test
  void restoreDryRunPrintsTheChangesAndSendsThePaths() {
    api.on(
        "POST " + BASE + "/" + B1 + "/restore",
        200,
        "{\"backup\":\""
            + B1
            + "\",\"dryRun\":true,\"changes\":[{\"path\":\"user/a\",\"change\":\"added\"},"
            + "{\"path\":\"user/b\",\"change\":\"removed\"},"
            + "{\"path\":\"user/c\",\"change\":\"modified\"}]}");
    CliRun r =
        run("backups", "restore", "fakegame.one", B1, "--path", "user", "--path", "x", "--dry-run");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("+ user/a\n- user/b\n~ user/c\n");
    assertThat(r.err()).contains("3 changes");
    assertThat(api.requests.get(0).body())
        .isEqualTo("{\"paths\":[\"user\",\"x\"],\"dryRun\":true}");
  }

  @Test
  void restoreDryRunWithTheDefinitionSendsItAndMarksUncheckedSecrets() {
    api.on(
        "POST " + BASE + "/" + B1 + "/restore",
        200,
        "{\"backup\":\""
            + B1
            + "\",\"dryRun\":true,\"changes\":[{\"path\":\"config/password\","
            + "\"change\":\"unchecked\"}]}");
    CliRun r = run("backups", "restore", "fakegame.one", B1, "--definition", "--dry-run");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("? config/password\n");
    assertThat(api.requests.get(0).body()).isEqualTo("{\"definition\":true,\"dryRun\":true}");
  }

  @Test
  void restoreAsksUnlessYesThenWaitsAndNamesThePreRestoreBackup() {
    CliRun refused = run("backups", "restore", "fakegame.one", B1);
    assertThat(refused.code()).isEqualTo(2);
    assertThat(api.requests).isEmpty();

    api.on(
        "POST " + BASE + "/" + B1 + "/restore",
        202,
        op("backup.restore", "queued", null, "queued", "null"));
    api.on(
        "GET /api/v2/operations/op_0123456789abcdef",
        200,
        op(
            "backup.restore",
            "succeeded",
            100,
            "done",
            "{\"backup\":\"" + B1 + "\",\"preRestoreBackup\":\"" + B2 + "\"}"));
    CliRun r = run("backups", "restore", "fakegame.one", B1, "--yes");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo("fakegame.one: restored " + B1 + "; the state before is backup " + B2 + "\n");
    assertThat(api.requests.get(0).body()).isEqualTo("{}");
  }

  @Test
  void policyWithoutOptionsReadsAndWithOptionsPutsTheMergedPolicy() {
    String current =
        "{\"mode\":\"stop\",\"excludes\":[\"data/steamapps\"],\"retention\":{\"keepLast\":5,"
            + "\"keepDaily\":7,\"keepWeekly\":null,\"keepMonthly\":null,\"maxTotalBytes\":null}}";
    api.on("GET /api/v2/servers/fakegame.one/backup-policy", 200, current);
    api.on("PUT /api/v2/servers/fakegame.one/backup-policy", 200, current);
    CliRun read = run("backups", "policy", "fakegame.one");
    assertThat(read.code()).as(read.toString()).isZero();
    assertThat(read.out()).contains("mode          stop").contains("excludes      data/steamapps");
    assertThat(api.requests).hasSize(1);

    CliRun put =
        run(
            "backups",
            "policy",
            "fakegame.one",
            "--mode",
            "pause",
            "--exclude",
            "**/*.log",
            "--keep-daily",
            "0",
            "--keep-weekly",
            "4",
            "--max-total",
            "20G");
    assertThat(put.code()).as(put.toString()).isZero();
    assertThat(api.requests.get(2).method()).isEqualTo("PUT");
    assertThat(api.requests.get(2).body())
        .isEqualTo(
            "{\"mode\":\"pause\",\"excludes\":[\"data/steamapps\",\"**/*.log\"],"
                + "\"retention\":{\"keepLast\":5,\"keepWeekly\":4,\"maxTotalBytes\":21474836480}}");
  }

  @Test
  void sizesParseWithUnits() {
    assertThat(BackupsCommand.parseSize("20G")).isEqualTo(20L << 30);
    assertThat(BackupsCommand.parseSize("512M")).isEqualTo(512L << 20);
    assertThat(BackupsCommand.parseSize("1.5GiB")).isEqualTo(3L << 29);
    assertThat(BackupsCommand.parseSize("1048576")).isEqualTo(1048576);
    assertThat(BackupsCommand.size(1536)).isEqualTo("1.5 KiB");
  }
}
