package dev.peon.orc.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite database: WAL, {@code synchronous=FULL}, foreign keys on, one writer. Migrations are
 * numbered SQL files {@code db/migration/V<n>.sql} on the classpath, applied in order at open.
 *
 * <p>SQLite serializes writers anyway; we keep one connection behind a lock so that a transaction
 * is never interleaved with another, which is plenty for an orchestrator's write rate. Long reads
 * (audit verify and export) use their own read-only connection ({@link #openReader()}) instead, so
 * that they never hold that lock: WAL lets readers and the writer go on side by side.
 *
 * <p>{@code synchronous=FULL} makes every commit durable before it returns: the write rate is tiny,
 * and files written after a commit (the audit head, a server's folder) must never be newer than the
 * database after a power loss.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  private static final int MIGRATION_GAP = 5;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private final Connection connection;
  private final Path file;
  private final ReentrantLock lock = new ReentrantLock();

  private Database(Connection connection, Path file) {
    this.connection = connection;
    this.file = file;
  }

  /**
   * Opens (creating if needed) the database file and applies pending migrations. The file and its
   * {@code -wal} and {@code -shm} companions are readable by the orchestrator's user only: they
   * hold idempotency replays, sessions and audit entries.
   */
  public static Database open(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        // SQLite gives the -wal and -shm files the mode of the database file
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      }
      restrictAccess(file);
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA foreign_keys=ON");
        s.execute("PRAGMA busy_timeout=5000");
      }
      Database db = new Database(c, file.toAbsolutePath());
      db.migrate();
      restrictAccess(file);
      return db;
    } catch (SQLException | IOException e) {
      throw new StoreException("cannot open database", e);
    }
  }

  /** Makes the database file and its companions owner-only (older installs made them 0644). */
  private static void restrictAccess(Path file) throws IOException {
    for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
      Path p = file.resolveSibling(file.getFileName() + suffix);
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.setPosixFilePermissions(p, OWNER_ONLY);
      }
    }
  }

  private void migrate() throws SQLException {
    inTransaction(
        c -> {
          try (Statement s = c.createStatement()) {
            s.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY,"
                    + " applied_at TEXT NOT NULL)");
          }
          // Every numbered file not applied yet is applied, in order, even below the highest
          // applied one: features developed in parallel may land their migrations out of order.
          java.util.Set<Integer> applied = new java.util.HashSet<>();
          try (var rs = c.createStatement().executeQuery("SELECT version FROM schema_version")) {
            while (rs.next()) {
              applied.add(rs.getInt(1));
            }
          }
          int missingInARow = 0;
          for (int v = 1; missingInARow < MIGRATION_GAP; v++) {
            String sql = readMigration(v);
            if (sql == null) {
              missingInARow++;
              continue;
            }
            missingInARow = 0;
            if (applied.contains(v)) {
              continue;
            }
            try (Statement s = c.createStatement()) {
              for (String part : sql.split(";\\s*(\\r?\\n|$)")) {
                if (!part.isBlank()) {
                  s.execute(part);
                }
              }
              s.execute(
                  "INSERT INTO schema_version(version, applied_at) VALUES ("
                      + v
                      + ", datetime('now'))");
            }
            LOG.atInfo().addKeyValue("version", v).log("database migrated");
          }
          return null;
        });
  }

  private static String readMigration(int version) {
    try (InputStream in =
        Database.class.getResourceAsStream("/db/migration/V" + version + ".sql")) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreException("cannot read migration " + version, e);
    }
  }

  /** Work done in one transaction on the single connection. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} in a transaction: committed if it returns, rolled back if it throws. */
  public <T> T inTransaction(Work<T> work) {
    lock.lock();
    try {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        if (e instanceof RuntimeException re) {
          throw re;
        }
        throw new StoreException("database operation failed", e);
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("database operation failed", e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * A new read-only connection in auto-commit mode, for long reads that must not hold the writer's
   * lock; each statement sees a consistent snapshot. The caller closes it.
   */
  public Connection openReader() {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
    p.setProperty("busy_timeout", "5000");
    try {
      return DriverManager.getConnection("jdbc:sqlite:" + file, p);
    } catch (SQLException e) {
      throw new StoreException("cannot open a reader on the database", e);
    }
  }

  /** True when a trivial query succeeds. */
  public boolean isReachable() {
    try {
      return inTransaction(c -> c.createStatement().executeQuery("SELECT 1").next());
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("closing database failed", e);
    } finally {
      lock.unlock();
    }
  }
}
