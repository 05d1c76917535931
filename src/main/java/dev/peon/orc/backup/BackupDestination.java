package dev.peon.orc.backup;

import dev.peon.orc.server.ServerId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Where archives live. A backup is written through a {@link Pending} under a temporary name and
 * becomes visible only on {@link Pending#commit}; implementations keep that promise with their own
 * means (local: fsync and rename; S3: a multipart upload completed last; SFTP: rename).
 */
public interface BackupDestination {

  /** An archive being written. Closing without commit discards it. */
  interface Pending extends AutoCloseable {
    OutputStream out();

    /** Reads back what was written (after {@link #out()} is closed), to verify it. */
    InputStream readBack() throws IOException;

    /** Makes the archive durable and visible, with its sidecar manifest. */
    void commit(byte[] manifest) throws IOException;

    @Override
    void close();
  }

  Pending begin(ServerId server, BackupId id) throws IOException;

  InputStream open(ServerId server, BackupId id) throws IOException;

  byte[] manifest(ServerId server, BackupId id) throws IOException;

  boolean exists(ServerId server, BackupId id);

  /** Deletes the archive and its manifest; no-op when absent. */
  void delete(ServerId server, BackupId id) throws IOException;

  /** Removes what interrupted writes left behind; returns how many files went. */
  int removePartials() throws IOException;

  /** Bytes still free, or {@link Long#MAX_VALUE} when unknown. */
  long usableSpace();

  /** The size of the storage, or {@link Long#MAX_VALUE} when unknown. */
  default long totalSpace() {
    return Long.MAX_VALUE;
  }

  /** Makes every archive and manifest readable by the orchestrator's user only (at start-up). */
  default void restrictAccess() throws IOException {}
}
