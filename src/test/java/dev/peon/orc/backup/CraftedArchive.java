package dev.peon.orc.backup;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tar+zstd archives entry by entry, including hostile ones, for tests. */
final class CraftedArchive {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  CraftedArchive() {
    try {
      tar = new TarArchiveOutputStream(new ZstdOutputStream(bytes, 3));
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  CraftedArchive file(String name, String content) {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(b.length);
    e.setMode(0100644);
    return put(e, b);
  }

  CraftedArchive symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
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

  private CraftedArchive put(TarArchiveEntry e, byte[] content) {
    try {
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
