package dev.peon.orc.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.store.Database;
import dev.peon.orc.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The append-only, hash-chained audit log in SQLite. Each entry's hash covers its content and the
 * previous entry's hash; {@link #verify()} recomputes the chain. Parameters are stored with
 * secret-looking values removed.
 */
public final class AuditLog {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AuditLog.class);
  static final String GENESIS = "0".repeat(64);

  /** Fixed-width UTC times, so that text order is time order in SQL comparisons. */
  private static final java.time.format.DateTimeFormatter STAMP =
      java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
          .withZone(java.time.ZoneOffset.UTC);

  private static final List<String> SECRET_MARKERS =
      List.of("pass", "secret", "token", "key", "gslt", "rcon", "auth", "credential", "cookie");

  private final Database db;
  private final Clock clock;
  private final ObjectMapper mapper = new ObjectMapper();
  private final List<Consumer<AuditEntry>> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private final java.nio.file.Path headFile;

  /**
   * @param headFile where the newest entry's id and hash are also kept, so that removing the newest
   *     entries (which leaves a valid shorter chain) is detected too; null to skip
   */
  public AuditLog(Database db, Clock clock, java.nio.file.Path headFile) {
    this.db = db;
    this.clock = clock;
    this.headFile = headFile;
  }

  /** What to record; the log adds time, ids and hashes. */
  public record Record(
      String actor,
      String keyId,
      String source,
      String requestId,
      String action,
      String target,
      String outcome,
      Map<String, ?> params) {}

  /** Appends one entry (in one transaction with reading the previous hash). */
  public AuditEntry append(Record r) {
    appending.incrementAndGet();
    try {
      return appendCounted(r);
    } finally {
      appending.decrementAndGet();
    }
  }

  /** Appends between their commit and their head write, for {@link #verify()}. */
  private final java.util.concurrent.atomic.AtomicLong appending =
      new java.util.concurrent.atomic.AtomicLong();

  private AuditEntry appendCounted(Record r) {
    String params = redactedJson(r.params());
    Instant at = clock.instant();
    AuditEntry e =
        db.inTransaction(
            c -> {
              long prevId = 0;
              String prev = GENESIS;
              try (ResultSet rs =
                  c.createStatement()
                      .executeQuery("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")) {
                if (rs.next()) {
                  prevId = rs.getLong(1);
                  prev = rs.getString(2);
                }
              }
              long id = prevId + 1;
              String hash =
                  hash(
                      id,
                      at,
                      r.actor(),
                      r.keyId(),
                      r.source(),
                      r.requestId(),
                      r.action(),
                      r.target(),
                      r.outcome(),
                      params,
                      prev);
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "INSERT INTO audit_log(id, at, actor, key_id, source, request_id, action,"
                          + " target, outcome, params, prev_hash, hash) VALUES"
                          + " (?,?,?,?,?,?,?,?,?,?,?,?)")) {
                ps.setLong(1, id);
                ps.setString(2, STAMP.format(at));
                ps.setString(3, r.actor());
                ps.setString(4, r.keyId());
                ps.setString(5, r.source());
                ps.setString(6, r.requestId());
                ps.setString(7, r.action());
                ps.setString(8, r.target());
                ps.setString(9, r.outcome());
                ps.setString(10, params);
                ps.setString(11, prev);
                ps.setString(12, hash);
                ps.executeUpdate();
              }
              return new AuditEntry(
                  id,
                  at,
                  r.actor(),
                  r.keyId(),
                  r.source(),
                  r.requestId(),
                  r.action(),
                  r.target(),
                  r.outcome(),
                  params,
                  prev,
                  hash);
            });
    writeHead(e.id(), e.hash());
    listeners.forEach(l -> l.accept(e));
    return e;
  }

  /** Called after every append (for live following). */
  public void onAppend(Consumer<AuditEntry> listener) {
    listeners.add(listener);
  }

  /** Query filters; null means any. */
  public record Query(
      String actor,
      String action,
      String target,
      String outcome,
      Instant from,
      Instant to,
      long afterId,
      int limit) {}

  public List<AuditEntry> query(Query q) {
    StringBuilder sql = new StringBuilder("SELECT * FROM audit_log WHERE id > ?");
    List<Object> args = new ArrayList<>();
    args.add(q.afterId());
    if (q.actor() != null) {
      sql.append(" AND actor = ?");
      args.add(q.actor());
    }
    if (q.action() != null) {
      sql.append(" AND action LIKE ?");
      args.add(q.action().replace("*", "%"));
    }
    if (q.target() != null) {
      sql.append(" AND target = ?");
      args.add(q.target());
    }
    if (q.outcome() != null) {
      sql.append(" AND outcome = ?");
      args.add(q.outcome());
    }
    if (q.from() != null) {
      sql.append(" AND at >= ?");
      args.add(STAMP.format(q.from()));
    }
    if (q.to() != null) {
      sql.append(" AND at < ?");
      args.add(STAMP.format(q.to()));
    }
    sql.append(" ORDER BY id LIMIT ?");
    args.add(q.limit());
    // a reader of its own: listing and exporting never hold the writer's lock
    try (Connection c = db.openReader();
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<AuditEntry> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(map(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit log", e);
    }
  }

  /** The result of a chain check: ok, or the first entry that breaks it and why. */
  public record Verification(boolean ok, long entries, Long brokenAt, String reason) {}

  /** Entries read per query while verifying: each page is its own short read. */
  static final int PAGE = 1000;

  /**
   * How far a head file may lag the table at start-up to be repaired: entries committed whose head
   * write was lost to a crash (the head is made durable at least every {@link #DURABLE_EVERY}
   * entries and every second).
   */
  static final long MAX_HEAD_LAG = 1000;

  /**
   * Recomputes the whole chain: detects edited, deleted, inserted and reordered entries, and (with
   * the head file) removed newest entries. Reads page by page on a read-only connection of its own,
   * so that requests are never held up meanwhile.
   */
  public Verification verify() {
    Head headBefore = readHead(); // read first: every entry up to it was committed before
    String prev = GENESIS;
    long expectedId = 1;
    long n = 0;
    boolean headSeen = false;
    try (Connection c = db.openReader();
        PreparedStatement ps =
            c.prepareStatement("SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?")) {
      while (true) {
        ps.setLong(1, expectedId - 1);
        ps.setInt(2, PAGE);
        int inPage = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            inPage++;
            AuditEntry e = map(rs);
            n++;
            if (e.id() != expectedId) {
              return new Verification(false, n, e.id(), "entry " + expectedId + " is missing");
            }
            if (!e.prevHash().equals(prev)) {
              return new Verification(false, n, e.id(), "the link to the previous entry is broken");
            }
            if (!hashOf(e).equals(e.hash())) {
              return new Verification(false, n, e.id(), "the entry was altered");
            }
            if (headBefore != null && e.id() == headBefore.id()) {
              if (!e.hash().equals(headBefore.hash())) {
                return new Verification(
                    false, n, e.id(), "the newest entries were removed or replaced");
              }
              headSeen = true;
            }
            prev = e.hash();
            expectedId++;
          }
        }
        if (inPage < PAGE) {
          break;
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit log", e);
    }
    long last = expectedId - 1;
    if (headBefore != null && !headSeen) {
      return new Verification(
          false, n, headBefore.id(), "the newest entries were removed or replaced");
    }
    // appends in flight have committed but may not have written their head yet: read their count
    // before the head, so that every entry the head does not cover is counted as in flight
    long inFlight = appending.get();
    Head headAfter = readHead();
    if (headAfter != null && headAfter.id() < last && last - headAfter.id() > inFlight) {
      return new Verification(
          false,
          n,
          headAfter.id() + 1,
          "entries after the newest one recorded in the head file are not accounted for");
    }
    return new Verification(true, n, null, null);
  }

  private static String hashOf(AuditEntry e) {
    return hash(
        e.id(),
        e.at(),
        e.actor(),
        e.keyId(),
        e.source(),
        e.requestId(),
        e.action(),
        e.target(),
        e.outcome(),
        e.params(),
        e.prevHash());
  }

  /**
   * At start-up: when the head file lags the table by entries whose chain continues it (committed,
   * then a crash or power loss before their head write reached the disk), moves the head to the
   * newest entry and records an {@code audit.head.repaired} entry naming them. A head that is ahead
   * of the table (entries removed), one that does not match its entry, a broken continuation or a
   * lag over {@link #MAX_HEAD_LAG} is left alone, for {@link #verify()} to report.
   *
   * @return the number of entries the head was moved over (0 when nothing was repaired)
   */
  public long repairLaggingHead() {
    Head head = readHead();
    if (head == null) {
      return 0;
    }
    List<AuditEntry> after = new ArrayList<>();
    String atHead = null;
    try (Connection c = db.openReader();
        PreparedStatement ps =
            c.prepareStatement("SELECT * FROM audit_log WHERE id >= ? ORDER BY id LIMIT ?")) {
      ps.setLong(1, head.id());
      ps.setLong(2, MAX_HEAD_LAG + 2);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          AuditEntry e = map(rs);
          if (e.id() == head.id()) {
            atHead = e.hash();
          } else {
            after.add(e);
          }
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit log", e);
    }
    if (after.isEmpty() || !head.hash().equals(atHead)) {
      return 0; // whole, or something for verify to report
    }
    String prev = head.hash();
    long expected = head.id() + 1;
    for (AuditEntry e : after) {
      if (e.id() != expected || !e.prevHash().equals(prev) || !hashOf(e).equals(e.hash())) {
        LOG.atError()
            .addKeyValue("entry", e.id())
            .log("audit head lags a broken chain; not repaired");
        return 0;
      }
      prev = e.hash();
      expected++;
    }
    if (after.size() > MAX_HEAD_LAG) {
      LOG.atError()
          .addKeyValue("head", head.id())
          .log("audit head lags the table by more than " + MAX_HEAD_LAG + " entries; not repaired");
      return 0;
    }
    AuditEntry newest = after.get(after.size() - 1);
    heads.write(newest.id(), newest.hash(), true);
    LOG.atWarn()
        .addKeyValue("from", head.id())
        .addKeyValue("to", newest.id())
        .log("audit head lagged the table (crash before its write); repaired");
    append(
        new Record(
            "system",
            null,
            null,
            null,
            "audit.head.repaired",
            null,
            "success",
            Map.of(
                "headWas",
                head.id(),
                "newest",
                newest.id(),
                "entries",
                after.size(),
                "firstUnrecorded",
                after.get(0).at().toString())));
    return after.size();
  }

  /** The id and hash recorded in the head file. */
  private record Head(long id, String hash) {}

  /**
   * Makes the head file durable at least every this many entries (and at least once a second under
   * load); the writes in between are renames without fsync, cheap, and survive a kill -9.
   */
  static final int DURABLE_EVERY = 64;

  private void writeHead(long id, String hash) {
    heads.advance(id, hash);
  }

  /** The head file: never moved backwards; fsynced in batches. */
  private final class HeadFile {
    /** The newest id written; concurrent appends may finish out of order. */
    private long written;

    private int sinceDurable;
    private Instant lastDurable = Instant.EPOCH;

    synchronized void advance(long id, String hash) {
      if (headFile == null || id <= written) {
        return; // a later entry's head is already written: never move the head backwards
      }
      Instant now = clock.instant();
      boolean durable =
          ++sinceDurable >= DURABLE_EVERY || !now.isBefore(lastDurable.plusSeconds(1));
      write(id, hash, durable);
    }

    synchronized void write(long id, String hash, boolean durable) {
      if (headFile == null) {
        return;
      }
      written = Math.max(written, id);
      byte[] bytes = (id + " " + hash + "\n").getBytes(StandardCharsets.UTF_8);
      if (durable) {
        dev.peon.orc.fs.FileTrees.writeAtomically(headFile, bytes);
        sinceDurable = 0;
        lastDurable = clock.instant();
        return;
      }
      java.nio.file.Path tmp = headFile.resolveSibling(headFile.getFileName() + ".tmp");
      try {
        java.nio.file.Files.write(tmp, bytes);
        java.nio.file.Files.move(
            tmp,
            headFile,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot write the audit head", e);
      }
    }
  }

  private final HeadFile heads = new HeadFile();

  private Head readHead() {
    try {
      if (headFile == null || !java.nio.file.Files.exists(headFile)) {
        return null;
      }
      String[] p = java.nio.file.Files.readString(headFile).trim().split(" ");
      return p.length == 2 && p[0].matches("[0-9]{1,18}")
          ? new Head(Long.parseLong(p[0]), p[1])
          : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static AuditEntry map(ResultSet rs) throws SQLException {
    return new AuditEntry(
        rs.getLong("id"),
        Instant.parse(rs.getString("at")),
        rs.getString("actor"),
        rs.getString("key_id"),
        rs.getString("source"),
        rs.getString("request_id"),
        rs.getString("action"),
        rs.getString("target"),
        rs.getString("outcome"),
        rs.getString("params"),
        rs.getString("prev_hash"),
        rs.getString("hash"));
  }

  static String hash(Object... fields) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (Object f : fields) {
        byte[] b = String.valueOf(f).getBytes(StandardCharsets.UTF_8);
        d.update(Integer.toString(b.length).getBytes(StandardCharsets.UTF_8));
        d.update((byte) ':');
        d.update(b);
        d.update((byte) '|');
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** JSON of the parameters with every secret-looking value replaced, recursively. */
  String redactedJson(Map<String, ?> params) {
    try {
      return mapper.writeValueAsString(redact(params == null ? Map.of() : params));
    } catch (JsonProcessingException e) {
      return "{}";
    }
  }

  /** {@code value} with every secret-looking field replaced, recursively (as stored). */
  public static Object redacted(Object value) {
    return redact(value);
  }

  private static Object redact(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach(
          (k, val) -> {
            String key = String.valueOf(k);
            out.put(key, isSecret(key) ? "[redacted]" : redact(val));
          });
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(AuditLog::redact).toList();
    }
    return v;
  }

  static boolean isSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return SECRET_MARKERS.stream().anyMatch(n::contains);
  }
}
