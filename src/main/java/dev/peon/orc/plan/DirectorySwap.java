package dev.peon.orc.plan;

import dev.peon.orc.fs.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
      FileTrees.deleteTree(old);
    }
  }

  /** Best-effort cleanup of a temporary folder after a failure. */
  static void deleteQuietly(Path root) {
    try {
      FileTrees.deleteTree(root);
    } catch (IOException ignored) {
      // a leftover hidden temporary folder is harmless; the next sync uses a new name
    }
  }
}
