package dev.peon.orc.backup;

import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.server.ServerLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder side of a restore: swapping an extracted copy in by renames (idempotent, so a crash
 * can finish it), carrying excluded paths over, undoing, and finding what a crash left behind.
 */
final class RestoreFolders {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreFolders.class);

  private RestoreFolders() {}

  /** Replaces live paths by extracted ones; idempotent, so a crash can finish it. */
  static void swap(Path dir, RestoreJournal j) throws IOException {
    Path extracted = RestoreJournal.extracted(dir, j.backup());
    Path previous = RestoreJournal.previous(dir, j.backup());
    if (j.paths().isEmpty()) {
      if (Files.isDirectory(extracted, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          carryExcluded(dir, extracted, BackupPolicy.matcher(j.excludes()));
          FileTrees.deleteTree(previous);
          Files.move(dir, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(extracted, dir, StandardCopyOption.ATOMIC_MOVE);
      }
    } else {
      for (String p : j.paths()) {
        Path from = extracted.resolve(p);
        if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
          continue; // already swapped
        }
        Path live = FileTrees.resolveInside(dir, p);
        if (Files.exists(live, LinkOption.NOFOLLOW_LINKS)) {
          Path old = previous.resolve(p);
          Files.createDirectories(old.getParent());
          FileTrees.deleteTree(old);
          Files.move(live, old, StandardCopyOption.ATOMIC_MOVE);
        }
        // missing folders on the way belong to whoever owns the server folder (the container user)
        BackupArchive.makeDirs(dir, live.getParent(), ownerOf(dir));
        Files.move(from, live, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    FileTrees.deleteTree(previous);
    FileTrees.deleteTree(extracted);
  }

  private static BackupArchive.Owner ownerOf(Path p) {
    try {
      return new BackupArchive.Owner(
          (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS),
          (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Moves what the backup excluded (a game install) from the live folder into the new one. Each
   * destination is resolved without following a symlink of the new folder (whose links come from
   * the archive); {@link #carryProblem} checked that before the swap began, so a refusal here means
   * the folder changed since, and the swap stops with the live folder still in place.
   */
  private static void carryExcluded(Path live, Path into, Predicate<String> excluded)
      throws IOException {
    for (String rel : toCarry(live, excluded)) {
      Path to = destination(into, rel);
      if (to == null) {
        throw new BackupException(
            BackupException.Kind.UNSAFE,
            "Refused archive: the excluded path " + rel + " would be carried through a symlink.");
      }
      if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      BackupArchive.makeDirs(into, to.getParent(), null);
      Files.move(live.resolve(rel), to, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /**
   * Why the live paths {@code excluded} accepts cannot be carried into {@code into} (a symlink of
   * the new folder on the way), or null when they can.
   */
  static String carryProblem(Path live, Path into, Predicate<String> excluded) throws IOException {
    for (String rel : toCarry(live, excluded)) {
      if (destination(into, rel) == null) {
        return "the excluded path " + rel + " would be carried through a symlink of the backup";
      }
    }
    return null;
  }

  /** {@code into/rel} when no folder on the way is a symlink (the last part may be), else null. */
  private static Path destination(Path into, String rel) {
    int slash = rel.lastIndexOf('/');
    try {
      Path parent = slash < 0 ? into : FileTrees.resolveInside(into, rel.substring(0, slash));
      return parent.resolve(rel.substring(slash + 1));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<String> toCarry(Path live, Predicate<String> excluded) throws IOException {
    List<String> move = new ArrayList<>();
    Files.walkFileTree(
        live,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
            if (d.equals(live)) {
              return FileVisitResult.CONTINUE;
            }
            String rel = BackupArchive.rel(live, d);
            if (excluded.test(rel)) {
              move.add(rel);
              return FileVisitResult.SKIP_SUBTREE;
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
            String rel = BackupArchive.rel(live, f);
            if (excluded.test(rel)) {
              move.add(rel);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return move;
  }

  static void undoPreparing(Path dir, RestoreJournal j) {
    try {
      FileTrees.deleteTree(RestoreJournal.extracted(dir, j.backup()));
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("serverId", j.server()).log("could not clean up a failed restore");
    }
  }

  /** See {@link BackupService#repairInterruptedRestores}. */
  static void repair(ServerLayout layout) {
    for (Map.Entry<Path, RestoreJournal> e : journals(layout).entrySet()) {
      RestoreJournal j = e.getValue();
      if (j.phase() == RestoreJournal.Phase.DONE) {
        continue;
      }
      Path dir = e.getKey().resolveSibling(j.server().name());
      try {
        if (j.phase() == RestoreJournal.Phase.PREPARING) {
          LOG.atWarn()
              .addKeyValue("serverId", j.server())
              .log("undoing a restore interrupted by a crash");
          undoPreparing(dir, j);
        } else {
          LOG.atWarn()
              .addKeyValue("serverId", j.server())
              .log("finishing a restore interrupted by a crash");
          swap(dir, j);
        }
        j.in(RestoreJournal.Phase.DONE).write(dir);
      } catch (IOException | RuntimeException ex) {
        LOG.atError()
            .addKeyValue("serverId", j.server())
            .addKeyValue("reason", ex.getMessage())
            .log("an interrupted restore could not be repaired; an operator must look");
      }
    }
  }

  /** Every restore journal under the servers folder, by file. */
  static Map<Path, RestoreJournal> journals(ServerLayout layout) {
    Map<Path, RestoreJournal> out = new LinkedHashMap<>();
    Path root = layout.root();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> games = Files.newDirectoryStream(root)) {
      for (Path g : games) {
        if (!Files.isDirectory(g, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(g, ".restore-*.json")) {
          for (Path f : ds) {
            try {
              RestoreJournal.read(f).ifPresent(j -> out.put(f, j));
            } catch (IOException | RuntimeException ex) {
              LOG.atError().addKeyValue("file", f.getFileName()).log("unreadable restore journal");
            }
          }
        }
      }
    } catch (IOException e) {
      LOG.atWarn().log("could not look for restore journals: " + e.getMessage());
    }
    return out;
  }

  /** Extracted copies whose journal is gone (the crash came after the swap finished). */
  static void removeStray(ServerLayout layout) {
    Path root = layout.root();
    if (!Files.isDirectory(root)) {
      return;
    }
    try (DirectoryStream<Path> games = Files.newDirectoryStream(root)) {
      for (Path g : games) {
        if (!Files.isDirectory(g, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(g, ".{restore,previous}-*")) {
          for (Path p : ds) {
            String name = p.getFileName().toString();
            String server = name.replaceFirst("^\\.(restore|previous)-", "");
            int dash = server.length() > 23 ? server.length() - 23 : -1;
            if (name.endsWith(".json") || dash <= 0) {
              continue;
            }
            Path journal = g.resolve(".restore-" + server.substring(0, dash - 1) + ".json");
            if (!Files.exists(journal)) {
              FileTrees.deleteTree(p);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
