package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.fs.FileTrees;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BackupArchiveTest {
  private final BackupArchive archive = new BackupArchive(3, 2);
  private Path tmp;
  private Path server;

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("archive-test");
    server = tmp.resolve("server");
    Files.createDirectories(server.resolve("user/worlds"));
    Files.createDirectories(server.resolve("data/install/bin"));
    Files.writeString(server.resolve("config.json"), "{\"metadata\": {\"game_uid\": \"g\"}}");
    Files.writeString(server.resolve("user/worlds/world.db"), "the world");
    Files.write(server.resolve("user/big.bin"), randomBytes(3 << 20));
    Files.createFile(server.resolve("user/empty"));
    Files.writeString(server.resolve("data/install/bin/game"), "x".repeat(10_000));
    Files.setPosixFilePermissions(
        server.resolve("data/install/bin/game"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(server.resolve("user/current"), Path.of("worlds/world.db"));
    Files.createSymbolicLink(server.resolve("user/escape"), Path.of("../../../etc/passwd"));
  }

  @AfterEach
  void tearDown() throws IOException {
    FileTrees.deleteTree(tmp);
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }

  private BackupArchive.Written write(List<String> excludes, ByteArrayOutputStream out)
      throws IOException {
    return archive.write(
        server,
        BackupPolicy.matcher(excludes),
        new BackupArchive.Header(
            "g.s",
            "20261126T203000Z-abcdef",
            "test",
            "stop",
            Instant.parse("2026-11-26T20:30:00Z"),
            excludes,
            new ObjectMapper().readTree("{\"a\": 1}")),
        Clock.systemUTC(),
        out,
        (done, total) -> {});
  }

  @Test
  void roundTripRestoresEveryEntryWithItsHashModeAndLinks() throws IOException {
    var out = new ByteArrayOutputStream();
    BackupArchive.Written w = write(List.of(), out);
    assertThat(w.digest().size()).isEqualTo(out.size());
    Map<String, Manifest.Entry> byPath =
        w.manifest().entries().stream()
            .collect(Collectors.toMap(Manifest.Entry::path, Function.identity()));
    assertThat(byPath).containsKeys("config.json", "user/worlds/world.db", "user/big.bin");
    assertThat(byPath.get("user/current").type()).isEqualTo(Manifest.Type.SYMLINK);
    assertThat(byPath).doesNotContainKey("user/escape");
    assertThat(byPath.get("user/worlds/world.db").sha256())
        .isEqualTo(
            BackupArchive.hex(
                BackupArchive.sha256().digest("the world".getBytes(StandardCharsets.UTF_8))));

    Path target = tmp.resolve("restored");
    Files.createDirectories(target);
    BackupArchive.Read r =
        archive.read(new ByteArrayInputStream(out.toByteArray()), target, p -> true);
    assertThat(r.digest()).isEqualTo(w.digest());
    assertThat(r.manifest().entries()).isEqualTo(w.manifest().entries());
    assertThat(r.manifest().config().get("a").asInt()).isEqualTo(1);
    assertThat(Files.readAllBytes(target.resolve("user/big.bin")))
        .isEqualTo(Files.readAllBytes(server.resolve("user/big.bin")));
    assertThat(target.resolve("user/empty")).isEmptyFile();
    assertThat(Files.readSymbolicLink(target.resolve("user/current")))
        .isEqualTo(Path.of("worlds/world.db"));
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(target.resolve("data/install/bin/game"))))
        .isEqualTo("rwxr-x---");
  }

  @Test
  void excludedFoldersAndFilesAreLeftOut() throws IOException {
    var out = new ByteArrayOutputStream();
    BackupArchive.Written w = write(List.of("data/install", "user/*.bin"), out);
    assertThat(w.manifest().entries())
        .extracting(Manifest.Entry::path)
        .contains("data", "user/worlds/world.db")
        .doesNotContain("data/install", "data/install/bin/game", "user/big.bin");
    assertThat(w.manifest().excludes()).containsExactly("data/install", "user/*.bin");
  }

  @Test
  void partialExtractionTakesOnlyTheChosenPaths() throws IOException {
    var out = new ByteArrayOutputStream();
    write(List.of(), out);
    Path target = tmp.resolve("partial");
    Files.createDirectories(target);
    archive.read(
        new ByteArrayInputStream(out.toByteArray()),
        target,
        p -> p.equals("user/worlds") || p.startsWith("user/worlds/"));
    assertThat(target.resolve("user/worlds/world.db")).hasContent("the world");
    assertThat(target.resolve("config.json")).doesNotExist();
    assertThat(target.resolve("user/big.bin")).doesNotExist();
  }

  @Test
  void truncatedArchiveIsRefusedAsDamaged() throws IOException {
    var out = new ByteArrayOutputStream();
    write(List.of(), out);
    byte[] all = out.toByteArray();
    for (int cut : new int[] {all.length - 1, all.length / 2, 100}) {
      byte[] part = java.util.Arrays.copyOf(all, cut);
      assertThatThrownBy(() -> archive.read(new ByteArrayInputStream(part), null, p -> false))
          .as("cut at %d", cut)
          .isInstanceOfSatisfying(
              BackupException.class,
              e -> assertThat(e.kind()).isEqualTo(BackupException.Kind.CORRUPT));
    }
  }

  @Test
  void flippedByteIsRefusedAsDamaged() throws IOException {
    var out = new ByteArrayOutputStream();
    write(List.of(), out);
    byte[] all = out.toByteArray();
    for (int at = 0; at < all.length; at += Math.max(1, all.length / 300)) {
      byte[] bad = all.clone();
      bad[at] ^= 0x01;
      assertThatThrownBy(() -> archive.read(new ByteArrayInputStream(bad), null, p -> false))
          .as("flip at %d", at)
          .isInstanceOfSatisfying(
              BackupException.class,
              e -> assertThat(e.kind()).isEqualTo(BackupException.Kind.CORRUPT));
    }
  }

  @Test
  void archiveWhoseContentDiffersFromItsManifestIsRefused() throws IOException {
    var out = new ByteArrayOutputStream();
    BackupArchive.Written w = write(List.of(), out);
    CraftedArchive c = new CraftedArchive().file("config.json", "tampered");
    byte[] m =
        new Manifest(
                "g.s",
                "x",
                "t",
                "stop",
                Instant.EPOCH,
                Instant.EPOCH,
                List.of(),
                null,
                w.manifest().entries().stream()
                    .filter(e -> e.path().equals("config.json"))
                    .toList(),
                null)
            .toBytes();
    c.file(BackupArchive.MANIFEST_ENTRY, new String(m, StandardCharsets.UTF_8));
    byte[] bytes = c.finish();
    assertThatThrownBy(() -> archive.read(new ByteArrayInputStream(bytes), null, p -> false))
        .isInstanceOfSatisfying(
            BackupException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(BackupException.Kind.CORRUPT);
              assertThat(e.getMessage()).contains("config.json");
            });
  }

  @Test
  void archiveWithoutManifestIsRefused() {
    byte[] bytes = new CraftedArchive().file("a", "b").finish();
    assertThatThrownBy(() -> archive.read(new ByteArrayInputStream(bytes), null, p -> false))
        .isInstanceOfSatisfying(
            BackupException.class, e -> assertThat(e.getMessage()).contains("no manifest"));
  }

  @Test
  void tarSlipDotDotIsRefusedAndNothingIsWrittenOutside() throws IOException {
    assertRefused(new CraftedArchive().file("ok", "1").file("../outside", "x").finish());
    assertRefused(new CraftedArchive().file("a/../../outside", "x").finish());
    assertThat(tmp.resolve("outside")).doesNotExist();
  }

  @Test
  void absolutePathIsRefused() throws IOException {
    Path abs = tmp.resolve("absolute-target");
    assertRefused(new CraftedArchive().file(abs.toString(), "x").finish());
    assertThat(abs).doesNotExist();
  }

  @Test
  void symlinkPointingOutsideIsRefusedAndNotFollowed() throws IOException {
    Path outside = tmp.resolve("outside-dir");
    Files.createDirectories(outside);
    assertRefused(new CraftedArchive().symlink("link", outside.toString()).finish());
    assertRefused(new CraftedArchive().symlink("link", "../outside-dir").finish());
    assertRefused(
        new CraftedArchive().symlink("link", "sub/../..").file("link/pwned", "x").finish());
    // a link inside, then a file through it: refused because links are never followed
    assertRefused(
        new CraftedArchive()
            .file("real/keep", "1")
            .symlink("link", "real")
            .file("link/through", "x")
            .finish());
    try (var s = Files.list(outside)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void aSymlinkChainThatIsLexicallyInsideButPhysicallyOutsideIsRefused() throws IOException {
    // p/q/r/s/L is the folder itself; data -> p/q/r/s/L/../../../../outside climbs above it
    Path root = Files.createDirectories(tmp.resolve("h/servers/game/one"));
    byte[] chain =
        new CraftedArchive()
            .symlink("p/q/r/s/L", "../../../..")
            .symlink("data", "p/q/r/s/L/../../../../outside")
            .finish();
    assertThatThrownBy(() -> archive.read(new ByteArrayInputStream(chain), null, p -> false))
        .isInstanceOfSatisfying(
            BackupException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(BackupException.Kind.UNSAFE);
              assertThat(e.getMessage()).contains("data");
            });
    // the link to the folder itself is fine on its own, climbing after a name is not
    assertThat(BackupArchive.linkStaysInside("p/q/r/s/L", "../../../..")).isTrue();
    assertThat(BackupArchive.linkStaysInside("data", "p/q/r/s/L/../../../../outside")).isFalse();
    assertThat(BackupArchive.linkStaysInside("a/b", "x/../c")).isFalse();
    assertThat(BackupArchive.linkStaysInside("a/b", "../c/d")).isTrue();
    assertThat(BackupArchive.linkStaysInside("a/b", "../../c")).isFalse();
    assertThat(root.getParent().resolve("outside")).doesNotExist();
  }

  @Test
  void extractedEntriesBelongToTheContainerUserWhateverTheTarHeaderSays() throws IOException {
    Path target = Files.createDirectories(tmp.resolve("owned"));
    byte[] bytes =
        new CraftedArchive()
            .owner(0, 0)
            .file("data/deep/pwn-sec.txt", "* * * * * root echo owned\n")
            .symlink("data/link", "deep/pwn-sec.txt")
            .withManifest()
            .finish();
    archive.read(
        new ByteArrayInputStream(bytes),
        target,
        p -> true,
        new BackupArchive.Extraction(new BackupArchive.Owner(4321, 4322), Long.MAX_VALUE, n -> {}));
    try (var all = Files.walk(target)) {
      for (Path p : all.filter(p -> !p.equals(target)).toList()) {
        assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
            .as("owner of %s", target.relativize(p))
            .isEqualTo(4321);
        assertThat(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS))
            .as("group of %s", target.relativize(p))
            .isEqualTo(4322);
      }
    }
    assertThat(target.resolve("data/deep/pwn-sec.txt")).exists();
  }

  @Test
  void aManifestLargerThanItsEntriesCanNeedIsRefusedBeforeItIsRead() throws IOException {
    byte[] bytes =
        new CraftedArchive().file("data/x", "x").withManifest(3 << 20).finish(); // 3 MiB pad
    assertThatThrownBy(() -> archive.read(new ByteArrayInputStream(bytes), null, p -> false))
        .isInstanceOfSatisfying(
            BackupException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(BackupException.Kind.UNSAFE);
              assertThat(e.getMessage()).contains("manifest").contains("1 entries");
            });
    byte[] fine = new CraftedArchive().file("data/x", "x").withManifest(100_000).finish();
    assertThat(archive.read(new ByteArrayInputStream(fine), null, p -> false).manifest().entries())
        .hasSize(1);
  }

  @Test
  void extractionPastItsBoundIsRefusedBeforeTheEntryIsWritten() throws IOException {
    Path target = Files.createDirectories(tmp.resolve("bounded"));
    byte[] bytes =
        new CraftedArchive()
            .file("data/small", "12345")
            .file("data/bomb", "x".repeat(10_000))
            .withManifest()
            .finish();
    assertThatThrownBy(
            () ->
                archive.read(
                    new ByteArrayInputStream(bytes),
                    target,
                    p -> true,
                    new BackupArchive.Extraction(null, 5_000, n -> {})))
        .isInstanceOfSatisfying(
            BackupException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(BackupException.Kind.UNSAFE);
              assertThat(e.getMessage()).contains("data/bomb").contains("5000");
            });
    assertThat(target.resolve("data/bomb")).doesNotExist();
  }

  @Test
  void hardLinkOutsideIsRefused() throws IOException {
    assertRefused(new CraftedArchive().hardlink("h", "/etc/passwd").finish());
    assertRefused(new CraftedArchive().hardlink("h", "../outside").finish());
    assertRefused(new CraftedArchive().hardlink("h", "not-in-archive").finish());
  }

  @Test
  void devicesAndFifosAreRefused() throws IOException {
    assertRefused(new CraftedArchive().fifo("pipe").finish());
  }

  @Test
  void duplicateEntriesAreRefused() throws IOException {
    assertRefused(new CraftedArchive().file("a", "1").file("a", "2").finish());
  }

  private void assertRefused(byte[] bytes) throws IOException {
    Path target = Files.createTempDirectory(tmp, "target");
    assertThatThrownBy(() -> archive.read(new ByteArrayInputStream(bytes), target, p -> true))
        .isInstanceOfSatisfying(
            BackupException.class,
            e -> assertThat(e.kind()).isEqualTo(BackupException.Kind.UNSAFE));
    assertThat(Files.exists(tmp.resolve("outside"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }
}
