package dev.peon.orc.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File-tree operations that never follow a symlink out of their root: resolve a relative path
 * inside a folder, copy, delete, empty, and write a file atomically.
 */
public final class FileTrees {
  private static final Logger LOG = LoggerFactory.getLogger(FileTrees.class);

  private FileTrees() {}

  /**
   * Resolves {@code relative} inside {@code base}: refuses absolute paths, {@code ..} segments and
   * any existing symlink on the way.
   */
  public static Path resolveInside(Path base, String relative) {
    if (relative == null || relative.isEmpty()) {
      throw new IllegalArgumentException("empty path");
    }
    Path rel = Path.of(relative);
    if (rel.isAbsolute() || relative.startsWith("/") || relative.startsWith("\\")) {
      throw new IllegalArgumentException("absolute paths are not allowed");
    }
    for (Path part : rel) {
      if (part.toString().equals("..")) {
        throw new IllegalArgumentException("'..' is not allowed in paths");
      }
    }
    Path resolved = base.resolve(rel).normalize();
    if (!resolved.startsWith(base)) {
      throw new IllegalArgumentException("path leaves its folder");
    }
    Path cur = base;
    for (Path part : base.relativize(resolved)) {
      cur = cur.resolve(part);
      if (Files.isSymbolicLink(cur)) {
        throw new IllegalArgumentException("symlinks are not followed");
      }
    }
    return resolved;
  }

  /** Writes a file atomically: temp file in the same folder, fsync, rename. */
  public static void writeAtomically(Path target, byte[] content) {
    try {
      // a temp name of its own per write: two writers never write into the same temp file
      Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
      try {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          ch.force(true);
        }
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        dir.force(true); // the rename itself survives a crash
      } catch (IOException e) {
        // some file systems cannot sync a folder; the file itself is synced
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target.getFileName(), e);
    }
  }

  /** Copies a tree; symlinks are skipped (never followed), each reported in the log. */
  public static void copyTree(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            Files.createDirectories(to.resolve(from.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isSymbolicLink() || !attrs.isRegularFile()) {
              LOG.atWarn()
                  .addKeyValue("file", from.relativize(file))
                  .log("skipped non-regular file");
              return FileVisitResult.CONTINUE;
            }
            Files.copy(
                file,
                to.resolve(from.relativize(file).toString()),
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.COPY_ATTRIBUTES,
                LinkOption.NOFOLLOW_LINKS);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Deletes a tree without following symlinks (a link is removed, never its target). */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isSymbolicLink(dir)) {
      Files.delete(dir);
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Empties a folder, hidden files included, keeping the folder itself. */
  public static void emptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(children::add);
    }
    for (Path c : children) {
      deleteTree(c);
    }
  }
}
