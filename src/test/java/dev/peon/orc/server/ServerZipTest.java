package dev.peon.orc.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerZipTest {
  @TempDir Path dir;

  @Test
  void noEntryNameClimbsOutOfTheArchiveWhateverTheGameNamedItsFiles() throws Exception {
    Files.createDirectories(dir.resolve("user"));
    Files.writeString(dir.resolve("user/..\\..\\..\\..\\tmp\\zipslip.txt"), "x");
    Files.createDirectories(dir.resolve("user/..\\evil"));
    Files.writeString(dir.resolve("user/..\\evil/inner.txt"), "y");
    Files.writeString(dir.resolve("user/plain.txt"), "z");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/world.db"), "w");

    List<String> names = entries();

    assertThat(names)
        .contains(
            "user/",
            "user/plain.txt",
            "user/..%5C..%5C..%5C..%5Ctmp%5Czipslip.txt",
            "user/..%5Cevil/inner.txt")
        .noneMatch(n -> n.contains("\\"))
        .noneMatch(n -> List.of(n.split("/")).contains(".."))
        .noneMatch(n -> n.startsWith("data"));
  }

  @Test
  void leavesOutNamesWithDotSegments() {
    assertThat(ServerZip.entryName(Path.of("user", "..", "x"))).isNull();
    assertThat(ServerZip.entryName(Path.of("user", ".", "x"))).isNull();
    assertThat(ServerZip.entryName(Path.of("user", "a\\b"))).isEqualTo("user/a%5Cb");
  }

  private List<String> entries() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ServerZip.write(dir, out);
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName());
      }
    }
    return names;
  }
}
