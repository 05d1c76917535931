package dev.peon.orc.server;

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
 * Where servers live on disk ({@code <data>/servers/<game_uid>/<servername>}) and the only place
 * that touches their folders. Every path derived from outside input is resolved against its root;
 * {@code ..}, absolute paths and symlinks leaving the root are refused.
 */
public final class ServerLayout {
  private static final Logger LOG = LoggerFactory.getLogger(ServerLayout.class);
  static final String CREATING_MARKER = ".peon-creating";

  private final Path root;
  private final Path hostRoot;

  /**
   * @param dataDir the data folder as this process sees it
   * @param bindSourceRoot the data folder as the Docker host sees it
   */
  public ServerLayout(Path dataDir, Path bindSourceRoot) {
    this.root = dataDir.resolve("servers").toAbsolutePath().normalize();
    this.hostRoot = bindSourceRoot.resolve("servers").toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  public Path dir(ServerId id) {
    Path p = root.resolve(id.game().value()).resolve(id.name()).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new ServerException(ServerException.Kind.INVALID, "invalid server path");
    }
    return p;
  }

  /** The server folder as the Docker host sees it (bind-mount sources). */
  public Path hostDir(ServerId id) {
    return hostRoot.resolve(id.game().value()).resolve(id.name()).normalize();
  }

  public Path configJson(ServerId id) {
    return dir(id).resolve("config.json");
  }

  public boolean exists(ServerId id) {
    return Files.isDirectory(dir(id), LinkOption.NOFOLLOW_LINKS);
  }

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
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(content));
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

  /**
   * Whether a folder of an unfinished create may be deleted: it carries the create marker, or it is
   * empty (a crash between making the folder and writing the marker). Anything else may hold
   * someone's files and is kept.
   */
  static boolean isHalfCreated(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    if (Files.exists(dir.resolve(CREATING_MARKER), LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      return !ds.iterator().hasNext();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Deletes a half-created folder with its create marker last, so a crash during the deletion
   * leaves a folder that {@link #isHalfCreated} still recognises.
   */
  static void deleteHalfCreated(Path dir) throws IOException {
    Path marker = dir.resolve(CREATING_MARKER);
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(children::add);
    }
    for (Path c : children) {
      if (!c.equals(marker)) {
        deleteTree(c);
      }
    }
    Files.deleteIfExists(marker);
    Files.delete(dir);
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

  /** Every {@code <game>/<name>} folder holding a config.json, with a valid id. */
  public List<ServerId> scan() {
    List<ServerId> found = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return found;
    }
    try (DirectoryStream<Path> games = Files.newDirectoryStream(root)) {
      for (Path g : games) {
        if (!Files.isDirectory(g, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (DirectoryStream<Path> names = Files.newDirectoryStream(g)) {
          for (Path n : names) {
            String uid = g.getFileName() + "." + n.getFileName();
            if (Files.isDirectory(n, LinkOption.NOFOLLOW_LINKS)
                && Files.isRegularFile(n.resolve("config.json"), LinkOption.NOFOLLOW_LINKS)) {
              try {
                found.add(ServerId.parse(uid));
              } catch (IllegalArgumentException e) {
                LOG.atWarn()
                    .addKeyValue("folder", uid)
                    .log("ignored server folder with invalid id");
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot scan server folders", e);
    }
    found.sort(null);
    return found;
  }
}
