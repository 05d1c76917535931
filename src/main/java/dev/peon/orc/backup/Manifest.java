package dev.peon.orc.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a backup holds: every entry with its type, size, mode, time and SHA-256, the server's
 * config.json, the orchestrator version and timestamps. Stored twice: as the last entry of the
 * archive ({@value BackupArchive#MANIFEST_ENTRY}, so an archive carries its own description) and as
 * a sidecar file next to it that adds the SHA-256 and size of the whole archive.
 *
 * @param archive the digest of the whole archive; null inside the archive itself
 */
record Manifest(
    String server,
    String backupId,
    String orchestratorVersion,
    String consistency,
    Instant startedAt,
    Instant finishedAt,
    List<String> excludes,
    JsonNode config,
    List<Entry> entries,
    ArchiveDigest archive) {
  static final String FORMAT = "peon-backup/1";
  private static final ObjectMapper JSON = new ObjectMapper();

  Manifest {
    excludes = List.copyOf(excludes);
    entries = List.copyOf(entries);
    config = config == null ? NullNode.getInstance() : config;
  }

  /** The kinds of entries an archive may hold. */
  enum Type {
    FILE,
    DIR,
    SYMLINK,
    HARDLINK;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Type parse(String s) {
      return switch (s) {
        case "file" -> FILE;
        case "dir" -> DIR;
        case "symlink" -> SYMLINK;
        case "hardlink" -> HARDLINK;
        default -> throw new IllegalArgumentException("unknown entry type " + s);
      };
    }
  }

  /**
   * One entry; {@code path} is relative with {@code /} separators.
   *
   * @param sha256 hex digest of a file's content, null for others
   * @param target a link's target, null for others
   */
  record Entry(
      String path,
      Type type,
      long size,
      int mode,
      long mtimeMillis,
      String sha256,
      String target) {}

  /** The digest and size of the compressed archive file. */
  record ArchiveDigest(String sha256, long size) {}

  long totalBytes() {
    return entries.stream().mapToLong(Entry::size).sum();
  }

  long fileCount() {
    return entries.stream().filter(e -> e.type() == Type.FILE).count();
  }

  Manifest withArchive(ArchiveDigest digest) {
    return new Manifest(
        server,
        backupId,
        orchestratorVersion,
        consistency,
        startedAt,
        finishedAt,
        excludes,
        config,
        entries,
        digest);
  }

  ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    o.put("server", server);
    o.put("backupId", backupId);
    o.put("orchestratorVersion", orchestratorVersion);
    o.put("consistency", consistency);
    o.put("startedAt", startedAt.toString());
    o.put("finishedAt", finishedAt.toString());
    ArrayNode ex = o.putArray("excludes");
    excludes.forEach(ex::add);
    o.set("config", config);
    ObjectNode totals = o.putObject("totals");
    totals.put("files", fileCount());
    totals.put("bytes", totalBytes());
    if (archive != null) {
      ObjectNode a = o.putObject("archive");
      a.put("sha256", archive.sha256());
      a.put("size", archive.size());
    }
    ArrayNode es = o.putArray("entries");
    for (Entry e : entries) {
      ObjectNode n = es.addObject();
      n.put("path", e.path());
      n.put("type", e.type().wire());
      if (e.type() == Type.FILE) {
        n.put("size", e.size());
        n.put("sha256", e.sha256());
      }
      if (e.target() != null) {
        n.put("target", e.target());
      }
      n.put("mode", e.mode());
      n.put("mtime", Instant.ofEpochMilli(e.mtimeMillis()).toString());
    }
    return o;
  }

  byte[] toBytes() {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses a manifest; throws {@code CORRUPT} when it is not one. */
  static Manifest parse(byte[] bytes) {
    try {
      JsonNode o = JSON.readTree(bytes);
      if (o == null || !FORMAT.equals(o.path("format").asText())) {
        throw new BackupException(
            BackupException.Kind.CORRUPT, "the manifest is not a " + FORMAT + " manifest");
      }
      List<String> excludes = new ArrayList<>();
      o.path("excludes").forEach(n -> excludes.add(n.asText()));
      List<Entry> entries = new ArrayList<>();
      for (JsonNode n : o.path("entries")) {
        Type t = Type.parse(n.path("type").asText());
        entries.add(
            new Entry(
                n.path("path").asText(),
                t,
                n.path("size").asLong(0),
                n.path("mode").asInt(t == Type.DIR ? 0755 : 0644),
                n.hasNonNull("mtime") ? Instant.parse(n.get("mtime").asText()).toEpochMilli() : 0,
                n.hasNonNull("sha256") ? n.get("sha256").asText() : null,
                n.hasNonNull("target") ? n.get("target").asText() : null));
      }
      JsonNode a = o.get("archive");
      return new Manifest(
          o.path("server").asText(),
          o.path("backupId").asText(),
          o.path("orchestratorVersion").asText(),
          o.path("consistency").asText(),
          Instant.parse(o.path("startedAt").asText()),
          Instant.parse(o.path("finishedAt").asText()),
          excludes,
          o.get("config"),
          entries,
          a == null || a.isNull()
              ? null
              : new ArchiveDigest(a.path("sha256").asText(), a.path("size").asLong()));
    } catch (IOException | RuntimeException e) {
      if (e instanceof BackupException be) {
        throw be;
      }
      throw new BackupException(
          BackupException.Kind.CORRUPT, "the manifest is unreadable: " + e.getMessage(), e);
    }
  }
}
