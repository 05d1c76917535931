package dev.peon.orc.backup;

import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.server.ServerId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives in a local folder ({@code backup.dir}): {@code <dir>/<game>/<name>/<id>.tar.zst} with
 * {@code <id>.manifest.json} beside it. Written as {@code <id>.tar.zst.partial}, fsynced, then
 * renamed; the folder is fsynced after the rename. Archives, manifests and partials are {@code
 * 0600} and the folders {@code 0700}: a backup holds the server's secrets (config.json, config/).
 */
public final class LocalFolderDestination implements BackupDestination {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFolderDestination.class);
  static final String ARCHIVE = ".tar.zst";
  static final String MANIFEST = ".manifest.json";
  static final String PARTIAL = ".partial";

  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");

  private final Path root;
  private final DiskSpace disk;

  public LocalFolderDestination(Path root) {
    this(root, DiskSpace.REAL);
  }

  LocalFolderDestination(Path root, DiskSpace disk) {
    this.root = root.toAbsolutePath().normalize();
    this.disk = disk;
  }

  public Path root() {
    return root;
  }

  Path folder(ServerId server) {
    return root.resolve(server.game().value()).resolve(server.name());
  }

  Path archive(ServerId server, BackupId id) {
    return folder(server).resolve(id.value() + ARCHIVE);
  }

  private Path manifestFile(ServerId server, BackupId id) {
    return folder(server).resolve(id.value() + MANIFEST);
  }

  @Override
  public Pending begin(ServerId server, BackupId id) throws IOException {
    Path dir = folder(server);
    ownerOnlyDirs(dir);
    Path partial = dir.resolve(id.value() + ARCHIVE + PARTIAL);
    FileChannel ch =
        FileChannel.open(
            partial,
            Set.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(FILE_MODE));
    return new Pending() {
      // closing the stream only flushes: the channel stays open to be synced by commit()
      private final OutputStream out =
          new java.io.FilterOutputStream(
              new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
              out.flush();
            }
          };
      private boolean committed;

      @Override
      public OutputStream out() {
        return out;
      }

      @Override
      public InputStream readBack() throws IOException {
        out.flush();
        return new java.io.BufferedInputStream(Files.newInputStream(partial), 1 << 20);
      }

      @Override
      public void commit(byte[] manifest) throws IOException {
        out.flush();
        ch.force(true);
        ch.close();
        FileTrees.writeAtomically(manifestFile(server, id), manifest);
        Files.move(partial, archive(server, id), StandardCopyOption.ATOMIC_MOVE);
        syncFolder(dir);
        committed = true;
      }

      @Override
      public void close() {
        try {
          ch.close();
        } catch (IOException e) {
          LOG.atWarn().addKeyValue("backup", id).log("closing a partial archive failed");
        }
        if (!committed) {
          try {
            Files.deleteIfExists(partial);
          } catch (IOException e) {
            LOG.atWarn().addKeyValue("backup", id).log("could not remove a partial archive");
          }
        }
      }
    };
  }

  /** Creates the backup root and {@code dir} below it, each folder owner-only. */
  private void ownerOnlyDirs(Path dir) throws IOException {
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, DIR_MODE);
    Path cur = root;
    for (Path part : root.relativize(dir)) {
      cur = cur.resolve(part);
      if (!Files.isDirectory(cur, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(cur, PosixFilePermissions.asFileAttribute(DIR_MODE));
      }
      Files.setPosixFilePermissions(cur, DIR_MODE);
    }
  }

  @Override
  public void restrictAccess() throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
              throws IOException {
            Files.setPosixFilePermissions(d, DIR_MODE);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isRegularFile()) {
              Files.setPosixFilePermissions(file, FILE_MODE);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private static void syncFolder(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      LOG.atDebug().log("folder fsync not supported here");
    }
  }

  @Override
  public InputStream open(ServerId server, BackupId id) throws IOException {
    return Files.newInputStream(archive(server, id), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public byte[] manifest(ServerId server, BackupId id) throws IOException {
    return Files.readAllBytes(manifestFile(server, id));
  }

  @Override
  public boolean exists(ServerId server, BackupId id) {
    return Files.isRegularFile(archive(server, id), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void delete(ServerId server, BackupId id) throws IOException {
    Files.deleteIfExists(archive(server, id));
    Files.deleteIfExists(manifestFile(server, id));
    Files.deleteIfExists(folder(server).resolve(id.value() + ARCHIVE + PARTIAL));
  }

  @Override
  public int removePartials() throws IOException {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    AtomicInteger n = new AtomicInteger();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String name = file.getFileName().toString();
            if (name.endsWith(PARTIAL) || name.endsWith(".tmp")) {
              Files.delete(file);
              n.incrementAndGet();
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return n.get();
  }

  @Override
  public long usableSpace() {
    return space().usable();
  }

  @Override
  public long totalSpace() {
    return space().total();
  }

  private DiskSpace.Space space() {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      return DiskSpace.Space.UNKNOWN;
    }
    return disk.orUnknown(root);
  }
}
