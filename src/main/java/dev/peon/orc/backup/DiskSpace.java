package dev.peon.orc.backup;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Free and total bytes of the disk holding a path; faked in tests. */
@FunctionalInterface
interface DiskSpace {
  DiskSpace REAL =
      p -> {
        FileStore s = Files.getFileStore(p);
        return new Space(s.getUsableSpace(), s.getTotalSpace());
      };

  /** Bytes usable by us and the disk's size. */
  record Space(long usable, long total) {
    static final Space UNKNOWN = new Space(Long.MAX_VALUE, Long.MAX_VALUE);
  }

  Space of(Path p) throws IOException;

  /** The space of {@code p}, or {@link Space#UNKNOWN} when it cannot be read. */
  default Space orUnknown(Path p) {
    try {
      return of(p);
    } catch (IOException | RuntimeException e) {
      return Space.UNKNOWN;
    }
  }
}
