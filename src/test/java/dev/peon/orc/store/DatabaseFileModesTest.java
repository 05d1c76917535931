package dev.peon.orc.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database and its WAL companions are readable by the orchestrator's user only (M5). */
class DatabaseFileModesTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static void write(Database db) {
    db.inTransaction(c -> c.createStatement().execute("CREATE TABLE IF NOT EXISTS t (x TEXT)"));
    db.inTransaction(c -> c.createStatement().execute("INSERT INTO t VALUES ('IdemCanaryPW-42')"));
  }

  @Test
  void aNewDatabaseAndItsWalAndShmFilesAreOwnerOnly() throws IOException {
    Path file = tmp.resolve("data/peon.db");
    try (Database db = Database.open(file)) {
      write(db);
      for (String name : new String[] {"peon.db", "peon.db-wal", "peon.db-shm"}) {
        Path p = file.resolveSibling(name);
        assertThat(p).exists();
        assertThat(mode(p)).as(name).isEqualTo("rw-------");
      }
    }
  }

  @Test
  void anExistingWorldReadableDatabaseIsMadeOwnerOnlyWhenOpened() throws IOException {
    Path file = tmp.resolve("peon.db");
    try (Database db = Database.open(file)) {
      write(db);
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (Database db = Database.open(file)) {
      write(db);
      assertThat(mode(file)).isEqualTo("rw-------");
      assertThat(mode(file.resolveSibling("peon.db-wal"))).isEqualTo("rw-------");
    }
  }
}
