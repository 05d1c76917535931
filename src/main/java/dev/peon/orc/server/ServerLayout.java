package dev.peon.orc.server;

import dev.peon.orc.fs.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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

  /** The servers folder as the Docker host sees it. */
  public Path hostRoot() {
    return hostRoot;
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
        FileTrees.deleteTree(c);
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
      FileTrees.deleteTree(c);
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
                && Files.isRegularFile(n.resolve("config.json"), LinkOption.NOFOLLOW_LINKS)
                && !Files.exists(n.resolve(CREATING_MARKER), LinkOption.NOFOLLOW_LINKS)) {
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
