package dev.peon.orc.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Streams a server folder as a zip, skipping the top-level {@code data/} and symlinks. Entry names
 * never climb out of the archive: a backslash (an ordinary character on Linux, a separator to many
 * unzippers) is written as {@code %5C}, and a name with a {@code .} or {@code ..} segment is left
 * out.
 */
final class ServerZip {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServerZip.class);

  private ServerZip() {}

  /** The entry name of {@code rel}, or null when it cannot be written safely. */
  static String entryName(Path rel) {
    StringBuilder name = new StringBuilder();
    for (Path part : rel) {
      String p = part.toString();
      if (p.isEmpty() || p.equals(".") || p.equals("..")) {
        return null;
      }
      if (!name.isEmpty()) {
        name.append('/');
      }
      name.append(p.replace("\\", "%5C"));
    }
    return name.toString();
  }

  static void write(Path dir, OutputStream out) throws IOException {
    ZipOutputStream zip = new ZipOutputStream(out);
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            Path rel = dir.relativize(d);
            if (rel.toString().equals("data")) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            if (!rel.toString().isEmpty()) {
              String name = entryName(rel);
              if (name == null) {
                LOG.atWarn().log("save zip: a folder with an unsafe name was left out");
                return FileVisitResult.SKIP_SUBTREE;
              }
              zip.putNextEntry(new ZipEntry(name + "/"));
              zip.closeEntry();
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            if (!attrs.isRegularFile() || attrs.isSymbolicLink()) {
              return FileVisitResult.CONTINUE;
            }
            Path rel = dir.relativize(f);
            if (rel.getFileName().toString().startsWith(".peon-")) {
              return FileVisitResult.CONTINUE;
            }
            String name = entryName(rel);
            if (name == null) {
              LOG.atWarn().log("save zip: a file with an unsafe name was left out");
              return FileVisitResult.CONTINUE;
            }
            ZipEntry ze = new ZipEntry(name);
            ze.setLastModifiedTime(attrs.lastModifiedTime());
            zip.putNextEntry(ze);
            Files.copy(f, zip);
            zip.closeEntry();
            return FileVisitResult.CONTINUE;
          }
        });
    zip.finish();
    zip.flush();
  }
}
