package dev.peon.orc.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.peon.orc.fs.FileTrees;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The backup format: a POSIX tar stream compressed with zstd (frame checksums on), holding the
 * server folder's entries (paths relative to the folder) followed by {@value #MANIFEST_ENTRY}. The
 * manifest comes last because it carries the SHA-256 of every file, known only once each file has
 * been streamed; files are read once. Reading refuses any entry that would leave the target folder
 * ({@code ..}, absolute paths, symlinks or hard links pointing outside) and any device or fifo, and
 * checks every entry against the manifest.
 */
final class BackupArchive {
  static final String MANIFEST_ENTRY = ".peon-backup/manifest.json";
  private static final String RESERVED = ".peon-backup";
  private static final int BUFFER = 1 << 20;
  // The manifest is read into memory: it may be as large as a fixed allowance (the embedded
  // config.json, the excludes) plus a few KiB per entry already read (each entry's path and link
  // target JSON-escaped, the digests, the pretty-printing); a manifest is never larger than that.
  static final long MANIFEST_BASE = 1L << 20;
  static final long MANIFEST_PER_ENTRY = 1L << 10;
  private static final long MAX_MANIFEST = 256L << 20;
  private static final long SPACE_CHECK_EVERY = 64L << 20;

  private final int level;
  private final int workers;

  /**
   * @param level zstd level (1 fastest; 3 is zstd's default)
   * @param workers zstd worker threads (0 = compress on the calling thread)
   */
  BackupArchive(int level, int workers) {
    this.level = level;
    this.workers = workers;
  }

  /** Bytes of file content done out of the total, for progress. */
  @FunctionalInterface
  interface Progress {
    void bytes(long done, long total);
  }

  /** What the manifest says besides the entries. */
  record Header(
      String server,
      String backupId,
      String orchestratorVersion,
      String consistency,
      Instant startedAt,
      List<String> excludes,
      JsonNode config) {}

  /** The outcome of {@link #write}. */
  record Written(Manifest manifest, Manifest.ArchiveDigest digest) {}

  /** The outcome of {@link #read}: the archive's own manifest and the digest of what was read. */
  record Read(Manifest manifest, Manifest.ArchiveDigest digest, int extracted) {}

  /** Who owns extracted entries: the container user, never the ids a tar header carries. */
  record Owner(int uid, int gid) {
    /** {@code UID} or {@code UID:GID}. */
    static Owner parse(String user) {
      String[] ug = user.split(":");
      int uid = Integer.parseInt(ug[0]);
      return new Owner(uid, ug.length > 1 ? Integer.parseInt(ug[1]) : uid);
    }
  }

  /** Checked while extracting; throws (a {@link BackupException}) to stop. */
  @FunctionalInterface
  interface SpaceGuard {
    void check(long extractedBytes);
  }

  /**
   * How an extraction is bounded.
   *
   * @param owner who owns every extracted entry, or null to leave the extracting user
   * @param maxBytes the most file content written; an entry going past it is refused before a byte
   *     of it is written
   * @param space asked every 64 MiB written whether the disk still has room
   */
  record Extraction(Owner owner, long maxBytes, SpaceGuard space) {
    static final Extraction UNBOUNDED = new Extraction(null, Long.MAX_VALUE, n -> {});
  }

  // ------------------------------------------------------------------ writing

  /**
   * Streams {@code root} (without the paths {@code excluded} accepts) into {@code sink} and returns
   * the manifest with the archive's digest. Symlinks are stored as links when they stay inside the
   * folder and skipped otherwise; sockets and devices are skipped. A file that vanishes before it
   * is opened is skipped; one that shrinks while read is padded with zeros (the manifest hashes
   * what was stored), which only a live backup can meet.
   */
  Written write(
      Path root,
      Predicate<String> excluded,
      Header header,
      Clock clock,
      OutputStream sink,
      Progress progress)
      throws IOException {
    List<Found> found = list(root, excluded);
    long total = found.stream().mapToLong(f -> f.attrs.isRegularFile() ? f.attrs.size() : 0).sum();
    DigestingOutput digesting = new DigestingOutput(sink);
    List<Manifest.Entry> entries = new ArrayList<>();
    byte[] buf = new byte[BUFFER];
    long done = 0;
    ZstdOutputStream z = new ZstdOutputStream(digesting, level);
    z.setChecksum(true);
    if (workers > 0) {
      z.setWorkers(workers);
    }
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(z, BUFFER)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      for (Found f : found) {
        Path p = root.resolve(f.rel);
        int mode = mode(p);
        long mtime = f.attrs.lastModifiedTime().toMillis();
        if (f.attrs.isDirectory()) {
          TarArchiveEntry e = new TarArchiveEntry(f.rel + "/", TarConstants.LF_DIR);
          e.setMode(040000 | mode);
          e.setModTime(mtime);
          owner(p, e);
          tar.putArchiveEntry(e);
          tar.closeArchiveEntry();
          entries.add(new Manifest.Entry(f.rel, Manifest.Type.DIR, 0, mode, mtime, null, null));
        } else if (f.attrs.isSymbolicLink()) {
          String target = Files.readSymbolicLink(p).toString();
          if (!linkStaysInside(f.rel, target)) {
            continue; // a restore would refuse it: the backup leaves it out
          }
          TarArchiveEntry e = new TarArchiveEntry(f.rel, TarConstants.LF_SYMLINK);
          e.setLinkName(target);
          e.setMode(0120777);
          e.setModTime(mtime);
          tar.putArchiveEntry(e);
          tar.closeArchiveEntry();
          entries.add(
              new Manifest.Entry(f.rel, Manifest.Type.SYMLINK, 0, 0777, mtime, null, target));
        } else if (f.attrs.isRegularFile()) {
          FileChannel ch;
          try {
            ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
          } catch (NoSuchFileException gone) {
            continue;
          }
          try (ch) {
            long size = ch.size();
            TarArchiveEntry e = new TarArchiveEntry(f.rel, TarConstants.LF_NORMAL);
            e.setSize(size);
            e.setMode(0100000 | mode);
            e.setModTime(mtime);
            owner(p, e);
            tar.putArchiveEntry(e);
            MessageDigest md = sha256();
            ByteBuffer bb = ByteBuffer.wrap(buf);
            long left = size;
            while (left > 0) {
              bb.clear();
              bb.limit((int) Math.min(buf.length, left));
              int n = ch.read(bb);
              if (n < 0) {
                // shrank while read (live backups only): pad, and hash what is stored
                n = (int) Math.min(buf.length, left);
                java.util.Arrays.fill(buf, 0, n, (byte) 0);
              }
              md.update(buf, 0, n);
              tar.write(buf, 0, n);
              left -= n;
              done += n;
              progress.bytes(done, total);
            }
            tar.closeArchiveEntry();
            entries.add(
                new Manifest.Entry(
                    f.rel, Manifest.Type.FILE, size, mode, mtime, hex(md.digest()), null));
          }
        }
      }
      Instant finished = clock.instant();
      Manifest m =
          new Manifest(
              header.server(),
              header.backupId(),
              header.orchestratorVersion(),
              header.consistency(),
              header.startedAt(),
              finished,
              header.excludes(),
              header.config(),
              entries,
              null);
      byte[] mb = m.toBytes();
      TarArchiveEntry me = new TarArchiveEntry(MANIFEST_ENTRY, TarConstants.LF_NORMAL);
      me.setSize(mb.length);
      me.setMode(0100644);
      me.setModTime(finished.toEpochMilli());
      tar.putArchiveEntry(me);
      tar.write(mb);
      tar.closeArchiveEntry();
      tar.finish();
      z.flush();
      z.close();
      Manifest.ArchiveDigest d =
          new Manifest.ArchiveDigest(hex(digesting.md.digest()), digesting.count);
      return new Written(m.withArchive(d), d);
    }
  }

  private record Found(String rel, BasicFileAttributes attrs) {}

  private static List<Found> list(Path root, Predicate<String> excluded) throws IOException {
    List<Found> out = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (dir.equals(root)) {
              return FileVisitResult.CONTINUE;
            }
            String rel = rel(root, dir);
            if (rel.equals(RESERVED) || excluded.test(rel)) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            out.add(new Found(rel, attrs));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String rel = rel(root, file);
            if (!excluded.test(rel)) {
              out.add(new Found(rel, attrs));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
            if (exc instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE; // vanished while listed: a live world moving
            }
            throw exc;
          }
        });
    return out;
  }

  static String rel(Path root, Path p) {
    return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
  }

  private static int mode(Path p) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      int m = 0;
      for (PosixFilePermission x : perms) {
        m |= 1 << (8 - x.ordinal());
      }
      return m;
    } catch (IOException | UnsupportedOperationException e) {
      return 0644;
    }
  }

  private static void owner(Path p, TarArchiveEntry e) {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
      e.setUserId(((Number) a.get("uid")).longValue());
      e.setGroupId(((Number) a.get("gid")).longValue());
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
      // ownership is a nicety; the content is what counts
    }
  }

  // ------------------------------------------------------------------ reading

  /**
   * Reads an archive to its end, checking it against its own manifest, and returns that manifest
   * with the digest of the bytes read. With a {@code target} folder (which must exist and be
   * empty), extracts the entries {@code selected} accepts into it; without, only verifies. Throws
   * {@code UNSAFE} for an entry that would leave the folder and {@code CORRUPT} for a damaged or
   * mismatching archive; the caller removes the target folder then.
   */
  Read read(InputStream in, Path target, Predicate<String> selected) throws IOException {
    return read(in, target, selected, Extraction.UNBOUNDED);
  }

  /**
   * As {@link #read(InputStream, Path, Predicate)}, extracting within {@code bounds}: every entry
   * is given to the bound's owner, and file content past {@code maxBytes} is refused ({@code
   * UNSAFE}) before it is written.
   */
  Read read(InputStream in, Path target, Predicate<String> selected, Extraction bounds)
      throws IOException {
    DigestingInput raw = new DigestingInput(in);
    long manifestLimit = MANIFEST_BASE;
    long written = 0;
    long nextSpaceCheck = SPACE_CHECK_EVERY;
    Map<String, Manifest.Entry> seen = new LinkedHashMap<>();
    Map<Path, Integer> dirModes = new HashMap<>();
    Manifest manifest = null;
    int extracted = 0;
    byte[] buf = new byte[BUFFER];
    try (ZstdInputStream z = new ZstdInputStream(raw);
        TarArchiveInputStream tar = new TarArchiveInputStream(z, BUFFER)) {
      TarArchiveEntry e;
      while ((e = nextEntry(tar)) != null) {
        if (manifest != null) {
          throw corrupt("an entry follows the manifest: " + printable(e.getName()));
        }
        String name = safeName(e.getName());
        if (seen.containsKey(name)) {
          throw unsafe("the archive holds " + name + " twice");
        }
        if (name.equals(MANIFEST_ENTRY)) {
          long limit = Math.min(manifestLimit, MAX_MANIFEST);
          if (!e.isFile()) {
            throw corrupt("the manifest entry is not a plain file");
          }
          if (e.getSize() > limit) {
            throw unsafe(
                "the manifest is "
                    + e.getSize()
                    + " bytes, more than the "
                    + limit
                    + " bytes a manifest of "
                    + seen.size()
                    + " entries may have");
          }
          try {
            manifest = Manifest.parse(readAll(tar));
          } catch (BackupException bad) {
            throw corrupt(bad.getMessage());
          }
          continue;
        }
        manifestLimit += MANIFEST_PER_ENTRY + 6L * name.length();
        if (e.isSymbolicLink() && e.getLinkName() != null) {
          manifestLimit += 6L * e.getLinkName().length();
        }
        if (name.equals(RESERVED) || name.startsWith(RESERVED + "/")) {
          throw unsafe("unexpected reserved entry " + name);
        }
        if (e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice() || e.isSparse()) {
          throw unsafe("the entry " + name + " is a device, fifo or other special file");
        }
        boolean take = target != null && selected.test(name);
        int mode = e.getMode() & 07777;
        long mtime = e.getLastModifiedDate().getTime();
        if (e.isDirectory()) {
          seen.put(name, new Manifest.Entry(name, Manifest.Type.DIR, 0, mode, mtime, null, null));
          if (take) {
            Path p = FileTrees.resolveInside(target, name);
            makeDirs(target, p, bounds.owner());
            dirModes.put(p, mode);
          }
        } else if (e.isSymbolicLink()) {
          String link = e.getLinkName();
          if (!linkStaysInside(name, link)) {
            throw unsafe("the symlink " + name + " points outside the folder");
          }
          seen.put(
              name, new Manifest.Entry(name, Manifest.Type.SYMLINK, 0, 0777, mtime, null, link));
          if (take) {
            Path p = inside(target, name);
            makeDirs(target, p.getParent(), bounds.owner());
            Files.createSymbolicLink(p, Path.of(link));
            chown(p, bounds.owner());
            extracted++;
          }
        } else if (e.isLink()) {
          String link = safeName(e.getLinkName());
          Manifest.Entry to = seen.get(link);
          if (to == null || to.type() != Manifest.Type.FILE) {
            throw unsafe("the hard link " + name + " does not point to a file of the archive");
          }
          seen.put(
              name, new Manifest.Entry(name, Manifest.Type.HARDLINK, 0, mode, mtime, null, link));
          if (take) {
            Path p = inside(target, name);
            Path from = inside(target, link);
            makeDirs(target, p.getParent(), bounds.owner());
            if (Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)) {
              Files.createLink(p, from);
              extracted++;
            }
          }
        } else if (e.isFile()) {
          MessageDigest md = sha256();
          long size = 0;
          if (take) {
            if (e.getSize() > bounds.maxBytes() - written) {
              throw unsafe(
                  "the entry "
                      + name
                      + " would take the restore past "
                      + bounds.maxBytes()
                      + " bytes, the size its manifest declares or the space the disk can spare;"
                      + " nothing of it was written");
            }
            Path p = inside(target, name);
            makeDirs(target, p.getParent(), bounds.owner());
            try (FileChannel out =
                FileChannel.open(
                    p,
                    StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
              int n;
              while ((n = readSome(tar, buf)) > 0) {
                md.update(buf, 0, n);
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                  out.write(bb);
                }
                size += n;
                written += n;
                if (written >= nextSpaceCheck) {
                  nextSpaceCheck = written + SPACE_CHECK_EVERY;
                  bounds.space().check(written);
                }
              }
              out.force(false);
            }
            Files.setPosixFilePermissions(p, perms(mode));
            Files.setLastModifiedTime(p, FileTime.fromMillis(mtime));
            chown(p, bounds.owner());
            extracted++;
          } else {
            int n;
            while ((n = readSome(tar, buf)) > 0) {
              md.update(buf, 0, n);
              size += n;
            }
          }
          if (size != e.getSize()) {
            throw corrupt("the archive ends inside " + name);
          }
          seen.put(
              name,
              new Manifest.Entry(
                  name, Manifest.Type.FILE, size, mode, mtime, hex(md.digest()), null));
        } else {
          throw unsafe("the entry " + name + " is a device, fifo or other special file");
        }
      }
      drain(z);
      drain(raw);
    } catch (IllegalArgumentException e) {
      throw unsafe(e.getMessage());
    }
    if (manifest == null) {
      throw corrupt("the archive has no manifest (truncated, or not a PEON backup)");
    }
    compare(manifest, seen);
    for (Map.Entry<Path, Integer> d : dirModes.entrySet()) {
      Files.setPosixFilePermissions(d.getKey(), perms(d.getValue() | 0700));
    }
    return new Read(
        manifest, new Manifest.ArchiveDigest(hex(raw.md.digest()), raw.count), extracted);
  }

  // Every read of the archive goes through these: a failure there means the archive is damaged
  // or cut short (zstd checksum, tar structure, early end), while failures writing the target
  // folder stay IOExceptions (a full disk). No message text is inspected.

  private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw damaged(e);
    }
  }

  private static int readSome(InputStream in, byte[] buf) {
    try {
      return in.read(buf);
    } catch (IOException e) {
      throw damaged(e);
    }
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw damaged(e);
    }
  }

  private static void drain(InputStream in) {
    try {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw damaged(e);
    }
  }

  private static BackupException damaged(Exception e) {
    return new BackupException(
        BackupException.Kind.CORRUPT,
        "Damaged archive: it is truncated or corrupted (" + e.getMessage() + ").",
        e);
  }

  /** Every entry of the archive is in the manifest and the other way round, equal in content. */
  private static void compare(Manifest m, Map<String, Manifest.Entry> seen) {
    Map<String, Manifest.Entry> listed = new HashMap<>();
    for (Manifest.Entry e : m.entries()) {
      listed.put(e.path(), e);
    }
    for (Manifest.Entry s : seen.values()) {
      Manifest.Entry l = listed.remove(s.path());
      if (l == null) {
        throw corrupt("the entry " + s.path() + " is not in the manifest");
      }
      if (l.type() != s.type()
          || (s.type() == Manifest.Type.FILE
              && (l.size() != s.size() || !s.sha256().equals(l.sha256())))
          || (s.target() != null && !s.target().equals(l.target()))) {
        throw corrupt("the content of " + s.path() + " does not match the manifest");
      }
    }
    if (!listed.isEmpty()) {
      throw corrupt(
          "the manifest lists "
              + listed.size()
              + " entries missing from the archive, such as "
              + listed.keySet().iterator().next());
    }
  }

  private static Path inside(Path target, String name) {
    Path p = FileTrees.resolveInside(target, name);
    if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      throw unsafe("the archive writes " + name + " twice");
    }
    return p;
  }

  /**
   * A tar name made relative and checked: no absolute path, no {@code ..}, no NUL; {@code .}
   * segments and a trailing slash dropped.
   */
  static String safeName(String raw) {
    if (raw == null || raw.isEmpty() || raw.indexOf('\0') >= 0) {
      throw unsafe("an entry has an empty or invalid name");
    }
    if (raw.startsWith("/")) {
      throw unsafe("the entry " + printable(raw) + " has an absolute path");
    }
    List<String> parts = new ArrayList<>();
    for (String s : raw.split("/")) {
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        throw unsafe("the entry " + printable(raw) + " leaves the folder ('..')");
      }
      parts.add(s);
    }
    if (parts.isEmpty()) {
      throw unsafe("an entry names the folder itself");
    }
    return String.join("/", parts);
  }

  /**
   * A relative link target that, resolved from the link's folder, stays inside the root, whatever
   * the links it passes through. Its {@code ..} segments must all come first ({@code ../../a/b},
   * not {@code a/../b}): a name followed by {@code ..} could be a symlink, and {@code L/..} is then
   * not the folder holding {@code L} (a lexical check would be fooled by {@code p/q/L -> ../..} and
   * {@code data -> p/q/L/../../outside}). With the {@code ..} first, the link climbs only through
   * the real folders holding it (extraction never creates anything through a symlink) and then
   * descends by names, each of which is a real folder or a link checked by this same rule.
   */
  static boolean linkStaysInside(String linkPath, String target) {
    if (target == null || target.isEmpty() || target.startsWith("/") || target.indexOf('\0') >= 0) {
      return false;
    }
    int depth = linkPath.split("/").length - 1;
    boolean named = false;
    for (String s : target.split("/")) {
      if (s.isEmpty() || s.equals(".")) {
        continue;
      }
      if (s.equals("..")) {
        if (named || depth == 0) {
          return false;
        }
        depth--;
      } else {
        named = true;
      }
    }
    return true;
  }

  /**
   * Creates {@code dir} and its missing parents under {@code root} (never through a symlink), each
   * owned by {@code owner}.
   */
  static void makeDirs(Path root, Path dir, Owner owner) throws IOException {
    if (dir.equals(root) || Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path cur = root;
    for (Path part : root.relativize(dir)) {
      cur = cur.resolve(part);
      if (Files.isSymbolicLink(cur)) {
        throw unsafe("the path " + rel(root, cur) + " goes through a symlink");
      }
      if (!Files.isDirectory(cur, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(cur);
        chown(cur, owner);
      }
    }
  }

  private static String printable(String s) {
    String t = s.length() > 200 ? s.substring(0, 200) + "…" : s;
    return t.replaceAll("[\\p{Cntrl}]", "?");
  }

  /**
   * Gives an extracted entry (a symlink itself, never its target) to {@code owner}. The ids in a
   * tar header are never used: an uploaded archive could otherwise plant root-owned files.
   */
  static void chown(Path p, Owner owner) {
    if (owner == null) {
      return;
    }
    try {
      Files.setAttribute(p, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(p, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException | SecurityException ex) {
      // not root: files stay ours
    }
  }

  static Set<PosixFilePermission> perms(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = PosixFilePermission.values();
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        s.add(all[i]);
      }
    }
    return s;
  }

  private static BackupException unsafe(String why) {
    return new BackupException(BackupException.Kind.UNSAFE, "Refused archive: " + why + ".");
  }

  private static BackupException corrupt(String why) {
    return new BackupException(BackupException.Kind.CORRUPT, "Damaged archive: " + why + ".");
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** Hashes and counts what passes. */
  static final class DigestingOutput extends FilterOutputStream {
    final MessageDigest md = sha256();
    long count;

    DigestingOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      md.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      md.update(b, off, len);
      count += len;
    }

    /** Flushes only: the sink belongs to the caller, who syncs it before closing. */
    @Override
    public void close() throws IOException {
      out.flush();
    }
  }

  /** Hashes and counts what passes. */
  static final class DigestingInput extends FilterInputStream {
    final MessageDigest md = sha256();
    long count;

    DigestingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        md.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        md.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      int r = read(new byte[(int) Math.max(1, Math.min(n, 8192))]);
      return Math.max(0, r);
    }
  }
}
