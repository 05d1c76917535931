package dev.peon.orc.plan;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/** Temporary sibling folders of the plans folder, swapped into place by renames. */
final class DirectorySwap {
  private DirectorySwap() {}

  /** A fresh, not yet existing sibling path of {@code target} (same file system, so renames). */
  static Path temporarySibling(Path target, String purpose) {
    String name = "." + target.getFileName() + "." + purpose + "-" + UUID.randomUUID();
    return target.resolveSibling(name);
  }

  /**
   * Puts {@code replacement} at {@code target}: the old folder is renamed away, the new one renamed
   * in, the old one deleted. If the second rename fails the old folder is put back.
   */
  static void replace(Path target, Path replacement) throws IOException {
    Path old = null;
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      old = temporarySibling(target, "old");
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
    }
    try {
      Files.move(replacement, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (old != null) {
        Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
      }
      throw e;
    }
    if (old != null) {
      deleteTree(old);
    }
  }

  /** Deletes a tree without following symbolic links; a missing path is fine. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** Best-effort cleanup of a temporary folder after a failure. */
  static void deleteQuietly(Path root) {
    try {
      deleteTree(root);
    } catch (IOException ignored) {
      // a leftover hidden temporary folder is harmless; the next sync uses a new name
    }
  }
}
