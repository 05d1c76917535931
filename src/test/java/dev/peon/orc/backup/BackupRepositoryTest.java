package dev.peon.orc.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.server.ServerId;
import dev.peon.orc.store.Database;
import dev.peon.orc.testing.TestServers;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRepositoryTest {
  private static final ServerId SERVER = ServerId.parse("game.one");
  @TempDir Path tmp;
  private Database db;
  private BackupRepository repo;
  private final SecureRandom random = new SecureRandom();

  @BeforeEach
  void setUp() {
    db = Database.open(tmp.resolve("peon.db"));
    TestServers.insert(db, SERVER.uid());
    repo = new BackupRepository(db);
  }

  @Test
  void aDeletedServersBackupsAndPolicyNeverPassToANewServerOfTheSameName() {
    BackupRecord r = running(Instant.parse("2026-01-01T00:00:00Z"));
    repo.update(
        new BackupRecord(
            r.id(),
            SERVER,
            r.createdAt(),
            r.createdAt(),
            10,
            "ab",
            false,
            r.consistency(),
            r.origin(),
            BackupRecord.Status.COMPLETE,
            false,
            1,
            10));
    BackupPolicy p = new BackupPolicy(null, java.util.List.of("logs/**"), null);
    repo.savePolicy(SERVER, p);
    assertThat(repo.complete(SERVER)).hasSize(1);

    TestServers.delete(db, SERVER.uid());
    TestServers.insert(db, SERVER.uid());

    assertThat(repo.complete(SERVER)).isEmpty();
    assertThat(repo.find(SERVER, r.id())).isEmpty();
    assertThat(repo.policy(SERVER)).isEqualTo(BackupPolicy.DEFAULT);
    // the archive's record is kept (nothing is deleted implicitly), only detached
    assertThat(repo.unfinished()).isEmpty();
    db.inTransaction(
        c -> {
          try (var rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT detached_at FROM backups WHERE id = '" + r.id().value() + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isPositive();
          }
          return null;
        });
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private BackupRecord running(Instant at) {
    BackupRecord r =
        new BackupRecord(
            BackupId.generate(at, random),
            SERVER,
            at,
            null,
            0,
            null,
            false,
            Consistency.PAUSE,
            BackupRecord.Origin.MANUAL,
            BackupRecord.Status.RUNNING,
            false,
            0,
            0);
    repo.insert(r);
    return r;
  }

  @Test
  void onlyCompleteBackupsAreListedNewestFirstAndRunningOnesAreFoundForRecovery() {
    BackupRecord a = running(Instant.parse("2026-01-01T00:00:00Z"));
    BackupRecord b = running(Instant.parse("2026-01-02T00:00:00Z"));
    BackupRecord c = running(Instant.parse("2026-01-03T00:00:00Z"));
    Manifest m =
        new Manifest(
            SERVER.uid(),
            "x",
            "v",
            "pause",
            a.createdAt(),
            a.createdAt(),
            List.of(),
            null,
            List.of(new Manifest.Entry("f", Manifest.Type.FILE, 10, 0644, 0, "ab", null)),
            new Manifest.ArchiveDigest("cafe", 123));
    repo.update(a.completed(Instant.parse("2026-01-01T00:01:00Z"), m));
    repo.update(c.completed(Instant.parse("2026-01-03T00:01:00Z"), m));
    repo.markWasRunning(b.id());

    assertThat(repo.complete(SERVER)).extracting(BackupRecord::id).containsExactly(c.id(), a.id());
    BackupRecord done = repo.find(SERVER, a.id()).orElseThrow();
    assertThat(done.size()).isEqualTo(123);
    assertThat(done.sha256()).isEqualTo("cafe");
    assertThat(done.files()).isEqualTo(1);
    assertThat(done.contentSize()).isEqualTo(10);
    assertThat(done.consistency()).isEqualTo(Consistency.PAUSE);
    assertThat(repo.unfinished()).extracting(BackupRecord::id).containsExactly(b.id());
    assertThat(repo.unfinished().get(0).wasRunning()).isTrue();
    assertThat(repo.find(ServerId.parse("game.two"), a.id())).isEmpty();
    repo.delete(b.id());
    assertThat(repo.unfinished()).isEmpty();
  }

  @Test
  void policiesRoundTripAndDefaultWhenUnset() {
    assertThat(repo.policy(SERVER)).isEqualTo(BackupPolicy.DEFAULT);
    BackupPolicy p =
        new BackupPolicy(
            Consistency.LIVE,
            List.of("data/install", "**/*.log"),
            new Retention(5, 7, null, 6, 1L << 30));
    repo.savePolicy(SERVER, p);
    assertThat(repo.policy(SERVER)).isEqualTo(p);
    BackupPolicy q = new BackupPolicy(null, List.of(), Retention.KEEP_ALL);
    repo.savePolicy(SERVER, q);
    assertThat(repo.policy(SERVER)).isEqualTo(q);
  }
}
