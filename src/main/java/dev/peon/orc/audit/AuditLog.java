package dev.peon.orc.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
    return db.inTransaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
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
          }
        });
  }

  /** The result of a chain check: ok, or the first entry that breaks it and why. */
  public record Verification(boolean ok, long entries, Long brokenAt, String reason) {}

  /** Recomputes the whole chain: detects edited, deleted, inserted and reordered entries. */
  public Verification verify() {
    return db.inTransaction(
        c -> {
          String prev = GENESIS;
          long expectedId = 1;
          long n = 0;
          try (ResultSet rs =
              c.createStatement().executeQuery("SELECT * FROM audit_log ORDER BY id")) {
            while (rs.next()) {
              AuditEntry e = map(rs);
              n++;
              if (e.id() != expectedId) {
                return new Verification(false, n, e.id(), "entry " + expectedId + " is missing");
              }
              if (!e.prevHash().equals(prev)) {
                return new Verification(
                    false, n, e.id(), "the link to the previous entry is broken");
              }
              String h =
                  hash(
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
              if (!h.equals(e.hash())) {
                return new Verification(false, n, e.id(), "the entry was altered");
              }
              prev = e.hash();
              expectedId++;
            }
          }
          String[] head = readHead();
          if (head != null
              && (Long.parseLong(head[0]) != expectedId - 1 || !head[1].equals(prev))) {
            return new Verification(
                false, n, Long.parseLong(head[0]), "the newest entries were removed or replaced");
          }
          return new Verification(true, n, null, null);
        });
  }

  /** The newest id written to the head file; concurrent appends may finish out of order. */
  private long headWritten;

  private synchronized void writeHead(long id, String hash) {
    if (headFile == null || id <= headWritten) {
      return; // a later entry's head is already written: never move the head backwards
    }
    headWritten = id;
    dev.peon.orc.fs.FileTrees.writeAtomically(
        headFile, (id + " " + hash + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private String[] readHead() {
    try {
      if (headFile == null || !java.nio.file.Files.exists(headFile)) {
        return null;
      }
      String[] p = java.nio.file.Files.readString(headFile).trim().split(" ");
      return p.length == 2 ? p : null;
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
