package dev.peon.orc.plan;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies a local plan folder, never leaving it: {@code .git} is skipped, a symbolic link is copied
 * as the file it points to only when that file lies inside the source, otherwise skipped with a
 * warning.
 */
final class FolderPlanCopier {
  private final Path source;
  private final List<String> warnings = new ArrayList<>();

  FolderPlanCopier(Path source) {
    this.source = source.toAbsolutePath().normalize();
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** Copies the source into {@code target} (which must not exist yet); skips {@code exclude}. */
  void copyTo(Path target, Path exclude) throws IOException {
    if (!Files.isDirectory(source)) {
      throw new PlanSyncException(
          PlanSyncException.Reason.SOURCE_MISSING,
          "plan source folder " + source + " does not exist",
          null);
    }
    Path realSource = source.toRealPath();
    Path excluded = exclude.toAbsolutePath().normalize();
    Path tempTarget = target.toAbsolutePath().normalize();
    Files.walkFileTree(
        realSource,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            if (dir.equals(excluded)
                || dir.equals(tempTarget)
                || (!dir.equals(realSource) && dir.getFileName().toString().equals(".git"))) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(tempTarget.resolve(realSource.relativize(dir).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path copy = tempTarget.resolve(realSource.relativize(file).toString());
            if (attrs.isRegularFile()) {
              Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            } else if (attrs.isSymbolicLink()) {
              copyLink(realSource, file, copy);
            } else if (!attrs.isDirectory()) {
              warnings.add(realSource.relativize(file) + ": not a regular file; skipped");
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            throw e;
          }
        });
  }

  private void copyLink(Path realSource, Path link, Path copy) throws IOException {
    Path relative = realSource.relativize(link);
    Path resolved;
    try {
      resolved = link.toRealPath();
    } catch (IOException e) {
      warnings.add(relative + ": broken symbolic link; skipped");
      return;
    }
    if (!resolved.startsWith(realSource)) {
      warnings.add(relative + ": symbolic link pointing outside the source; skipped");
    } else if (!Files.isRegularFile(resolved)) {
      warnings.add(relative + ": symbolic link to a folder; skipped");
    } else {
      Files.copy(resolved, copy, StandardCopyOption.COPY_ATTRIBUTES);
    }
  }
}
