package dev.peon.orc.backup;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tar+zstd archives entry by entry, including hostile ones, for tests. */
final class CraftedArchive {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;
  private final List<Manifest.Entry> entries = new ArrayList<>();
  private final List<String> excludes = new ArrayList<>();
  private Long uid;
  private Long gid;

  CraftedArchive() {
    try {
      tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes, 3));
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The owner ids written into the headers of the entries that follow. */
  CraftedArchive owner(long uid, long gid) {
    this.uid = uid;
    this.gid = gid;
    return this;
  }

  /** Excludes the manifest of {@link #withManifest} declares. */
  CraftedArchive excludes(String... patterns) {
    excludes.addAll(List.of(patterns));
    return this;
  }

  CraftedArchive dir(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
    e.setMode(040755);
    entries.add(new Manifest.Entry(name, Manifest.Type.DIR, 0, 0755, 0, null, null));
    return put(e, null);
  }

  CraftedArchive file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  CraftedArchive file(String name, byte[] b) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(b.length);
    e.setMode(0100644);
    entries.add(
        new Manifest.Entry(
            name,
            Manifest.Type.FILE,
            b.length,
            0644,
            0,
            BackupArchive.hex(BackupArchive.sha256().digest(b)),
            null));
    return put(e, b);
  }

  CraftedArchive symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    entries.add(new Manifest.Entry(name, Manifest.Type.SYMLINK, 0, 0777, 0, null, target));
    return put(e, null);
  }

  CraftedArchive hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return put(e, null);
  }

  CraftedArchive fifo(String name) {
    return put(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), null);
  }

  /** Appends a manifest listing every entry so far, as a real backup would. */
  CraftedArchive withManifest() {
    return withManifest(0);
  }

  /** As {@link #withManifest()}, padded with {@code pad} spaces (valid JSON, just large). */
  CraftedArchive withManifest(int pad) {
    byte[] m =
        new Manifest(
                "g.s",
                "crafted",
                "test",
                "stop",
                Instant.EPOCH,
                Instant.EPOCH,
                excludes,
                null,
                entries,
                null)
            .toBytes();
    byte[] padded = new byte[m.length + pad];
    System.arraycopy(m, 0, padded, 0, m.length);
    java.util.Arrays.fill(padded, m.length, padded.length, (byte) ' ');
    TarArchiveEntry e = new TarArchiveEntry(BackupArchive.MANIFEST_ENTRY, true);
    e.setSize(padded.length);
    e.setMode(0100644);
    return put(e, padded);
  }

  private CraftedArchive put(TarArchiveEntry e, byte[] content) {
    try {
      if (uid != null) {
        e.setUserId(uid);
        e.setGroupId(gid);
      }
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
      return this;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  byte[] finish() {
    try {
      tar.close();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
