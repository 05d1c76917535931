package dev.peon.orc.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** What a restore would change in a server folder, computed without changing anything. */
final class DryRun {
  private DryRun() {}

  /**
   * Changes within the entries {@code in} accepts; paths the backup excluded are ignored. Files
   * {@code compared} refuses are never read: present on both sides, they are {@code unchecked}.
   */
  static List<BackupService.Change> changes(
      Path dir, Manifest m, Predicate<String> in, Predicate<String> compared) {
    Map<String, Manifest.Entry> backup = new LinkedHashMap<>();
    for (Manifest.Entry e : m.entries()) {
      if (in.test(e.path())) {
        backup.put(e.path(), e);
      }
    }
    Predicate<String> excluded = BackupPolicy.matcher(m.excludes());
    Map<String, BasicFileAttributes> live = new LinkedHashMap<>();
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
              if (d.equals(dir)) {
                return FileVisitResult.CONTINUE;
              }
              String rel = BackupArchive.rel(dir, d);
              if (excluded.test(rel)) {
                return FileVisitResult.SKIP_SUBTREE;
              }
              if (in.test(rel)) {
                live.put(rel, a);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
              String rel = BackupArchive.rel(dir, f);
              if (!excluded.test(rel) && in.test(rel)) {
                live.put(rel, a);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new BackupException(
          BackupException.Kind.FAILED, "The server folder cannot be read.", e);
    }
    List<BackupService.Change> out = new ArrayList<>();
    for (Manifest.Entry e : backup.values()) {
      BasicFileAttributes a = live.remove(e.path());
      if (a == null) {
        out.add(new BackupService.Change(e.path(), "added"));
      } else if (!compared.test(e.path())
          && (e.type() == Manifest.Type.FILE || e.type() == Manifest.Type.HARDLINK)
          && a.isRegularFile()) {
        // neither size nor digest: either would tell a guess from the real value
        out.add(new BackupService.Change(e.path(), "unchecked"));
      } else if (differs(dir.resolve(e.path()), a, e)) {
        out.add(new BackupService.Change(e.path(), "modified"));
      }
    }
    live.keySet().forEach(p -> out.add(new BackupService.Change(p, "removed")));
    out.sort(java.util.Comparator.comparing(BackupService.Change::path));
    return out;
  }

  private static boolean differs(Path p, BasicFileAttributes a, Manifest.Entry e) {
    return switch (e.type()) {
      case DIR -> !a.isDirectory();
      case SYMLINK -> {
        try {
          yield !a.isSymbolicLink() || !Files.readSymbolicLink(p).toString().equals(e.target());
        } catch (IOException ex) {
          yield true;
        }
      }
      case FILE, HARDLINK -> {
        if (!a.isRegularFile() || (e.type() == Manifest.Type.FILE && a.size() != e.size())) {
          yield true;
        }
        yield e.type() == Manifest.Type.FILE && !e.sha256().equals(sha256(p));
      }
    };
  }

  private static String sha256(Path p) {
    MessageDigest md = BackupArchive.sha256();
    try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return BackupArchive.hex(md.digest());
    } catch (IOException e) {
      return "";
    }
  }
}
