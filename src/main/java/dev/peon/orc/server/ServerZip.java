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

/** Streams a server folder as a zip, skipping the top-level {@code data/} and symlinks. */
final class ServerZip {
  private ServerZip() {}

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
              zip.putNextEntry(new ZipEntry(rel.toString().replace('\\', '/') + "/"));
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
            ZipEntry ze = new ZipEntry(rel.toString().replace('\\', '/'));
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
