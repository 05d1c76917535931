package dev.peon.orc.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peon.orc.store.Database;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path tmp;
  private Database db;
  private AuditLog log;

  @BeforeEach
  void open() {
    db = Database.open(tmp.resolve("peon.db"));
    log = new AuditLog(db, Clock.systemUTC(), tmp.resolve("audit-head"));
    for (int i = 1; i <= 5; i++) {
      log.append(
          new AuditLog.Record(
              "user:alice",
              "k" + i,
              "127.0.0.1",
              "r" + i,
              "server.power",
              "valheim.camp" + i,
              "success",
              Map.of(
                  "action",
                  "start",
                  "SERVER_PASSWORD",
                  "hunter2",
                  "nested",
                  Map.of("rcon_pw", "x"))));
    }
  }

  @AfterEach
  void close() {
    db.close();
  }

  private void sql(String s) {
    db.inTransaction(
        c -> {
          try (Statement st = c.createStatement()) {
            return st.executeUpdate(s);
          }
        });
  }

  @Test
  void concurrentAppendsNeverMoveTheHeadFileBackwards() throws Exception {
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
      for (int t = 0; t < 8; t++) {
        pool.submit(
            () -> {
              for (int i = 0; i < 50; i++) {
                log.append(
                    new AuditLog.Record(
                        "system", null, null, null, "test", null, "success", Map.of()));
              }
            });
      }
    }
    AuditLog.Verification v = log.verify();
    assertThat(v.ok()).as(String.valueOf(v)).isTrue();
    assertThat(v.entries()).isEqualTo(405);
  }

  @Test
  void verifiesAnIntactChain() {
    AuditLog.Verification v = log.verify();
    assertThat(v.ok()).isTrue();
    assertThat(v.entries()).isEqualTo(5);
  }

  @Test
  void neverStoresSecretValues() {
    assertThat(log.query(new AuditLog.Query(null, null, null, null, null, null, 0, 100)))
        .allSatisfy(
            e -> {
              assertThat(e.params()).doesNotContain("hunter2").doesNotContain("\"x\"");
              assertThat(e.params()).contains("[redacted]").contains("start");
            });
  }

  @Test
  void detectsAnEditedEntry() {
    sql("UPDATE audit_log SET outcome = 'denied' WHERE id = 3");
    AuditLog.Verification v = log.verify();
    assertThat(v.ok()).isFalse();
    assertThat(v.brokenAt()).isEqualTo(3);
  }

  @Test
  void detectsADeletedEntry() {
    sql("DELETE FROM audit_log WHERE id = 2");
    assertThat(log.verify().ok()).isFalse();
  }

  @Test
  void detectsRemovalOfTheNewestEntries() {
    sql("DELETE FROM audit_log WHERE id >= 4");
    AuditLog.Verification v = log.verify();
    assertThat(v.ok()).isFalse();
    assertThat(v.reason()).contains("newest");
  }

  @Test
  void detectsReorderedEntries() {
    sql("UPDATE audit_log SET id = 100 WHERE id = 2");
    sql("UPDATE audit_log SET id = 2 WHERE id = 3");
    sql("UPDATE audit_log SET id = 3 WHERE id = 100");
    assertThat(log.verify().ok()).isFalse();
  }

  @Test
  void detectsARecomputedEntryWhoseSuccessorStillPointsAtTheOld() {
    sql("UPDATE audit_log SET outcome = 'denied' WHERE id = 3");
    // an attacker recomputing entry 3's own hash still breaks the link from entry 4
    var e = log.query(new AuditLog.Query(null, null, null, null, null, null, 2, 1)).get(0);
    String forged =
        AuditLog.hash(
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
    sql("UPDATE audit_log SET hash = '" + forged + "' WHERE id = 3");
    AuditLog.Verification v = log.verify();
    assertThat(v.ok()).isFalse();
    assertThat(v.brokenAt()).isEqualTo(4);
  }

  @Test
  void filtersAndPages() {
    assertThat(log.query(new AuditLog.Query(null, null, "valheim.camp2", null, null, null, 0, 10)))
        .hasSize(1);
    assertThat(log.query(new AuditLog.Query(null, "server.*", null, null, null, null, 2, 2)))
        .extracting(AuditEntry::id)
        .containsExactly(3L, 4L);
  }

  private static AuditLog.Record record(String action) {
    return new AuditLog.Record("system", null, null, null, action, null, "success", Map.of());
  }

  @Test
  void repairsAHeadLeftBehindByACrashBetweenCommitAndHeadWriteAndSaysSo() {
    // a crash between the commit and the head write: the rows are there, the head is not
    AuditLog crashing = new AuditLog(db, Clock.systemUTC(), null);
    crashing.append(record("server.power"));
    crashing.append(record("server.power"));
    AuditLog afterRestart = new AuditLog(db, Clock.systemUTC(), tmp.resolve("audit-head"));
    assertThat(afterRestart.verify().ok()).as("the alarm the repair avoids").isFalse();

    assertThat(afterRestart.repairLaggingHead()).isEqualTo(2);

    AuditLog.Verification v = afterRestart.verify();
    assertThat(v.ok()).as(String.valueOf(v)).isTrue();
    assertThat(v.entries()).isEqualTo(8);
    AuditEntry repaired =
        afterRestart
            .query(new AuditLog.Query(null, "audit.head.repaired", null, null, null, null, 0, 10))
            .get(0);
    assertThat(repaired.id()).isEqualTo(8);
    assertThat(repaired.params()).contains("\"headWas\":5").contains("\"newest\":7");
    assertThat(afterRestart.repairLaggingHead()).isZero();
  }

  @Test
  void aHeadAheadOfTheTableIsNeverRepairedAway() {
    sql("DELETE FROM audit_log WHERE id = 5");
    AuditLog afterRestart = new AuditLog(db, Clock.systemUTC(), tmp.resolve("audit-head"));
    assertThat(afterRestart.repairLaggingHead()).isZero();
    AuditLog.Verification v = afterRestart.verify();
    assertThat(v.ok()).isFalse();
    assertThat(v.reason()).contains("newest");
    assertThat(afterRestart.verify().entries()).isEqualTo(4);
  }

  @Test
  void aReplacedNewestEntryIsNeitherRepairedNorMissed() {
    sql("DELETE FROM audit_log WHERE id = 5");
    new AuditLog(db, Clock.systemUTC(), null).append(record("forged"));
    AuditLog afterRestart = new AuditLog(db, Clock.systemUTC(), tmp.resolve("audit-head"));
    assertThat(afterRestart.repairLaggingHead()).isZero();
    assertThat(afterRestart.verify().ok()).isFalse();
  }

  @Test
  void aLagLongerThanACrashCanExplainIsReportedNotRepaired() {
    AuditLog noHead = new AuditLog(db, Clock.systemUTC(), null);
    for (int i = 0; i <= AuditLog.MAX_HEAD_LAG; i++) {
      noHead.append(record("test"));
    }
    AuditLog afterRestart = new AuditLog(db, Clock.systemUTC(), tmp.resolve("audit-head"));
    assertThat(afterRestart.repairLaggingHead()).isZero();
    AuditLog.Verification v = afterRestart.verify();
    assertThat(v.ok()).isFalse();
    assertThat(v.brokenAt()).isEqualTo(6);
  }

  @Test
  void verifyAndQueryNeverWaitForTheWritersConnection() throws Exception {
    java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread writer =
        Thread.ofVirtual()
            .start(
                () ->
                    db.inTransaction(
                        c -> {
                          holding.countDown();
                          try {
                            release.await();
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          return null;
                        }));
    try {
      holding.await();
      var verify =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () ->
                  log.verify().ok()
                      && !log.query(new AuditLog.Query(null, null, null, null, null, null, 0, 10))
                          .isEmpty());
      assertThat(verify.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } finally {
      release.countDown();
      writer.join();
    }
  }

  @Test
  void verifiesAChainLongerThanOnePage() {
    for (int i = 0; i < AuditLog.PAGE + 10; i++) {
      log.append(record("test"));
    }
    AuditLog.Verification v = log.verify();
    assertThat(v.ok()).as(String.valueOf(v)).isTrue();
    assertThat(v.entries()).isEqualTo(AuditLog.PAGE + 15);
    sql("UPDATE audit_log SET outcome = 'denied' WHERE id = " + (AuditLog.PAGE + 3));
    assertThat(log.verify().brokenAt()).isEqualTo(AuditLog.PAGE + 3);
  }

  @Test
  void commitsAreDurableBeforeTheyReturn() {
    int synchronous =
        db.inTransaction(
            c -> {
              try (var rs = c.createStatement().executeQuery("PRAGMA synchronous")) {
                rs.next();
                return rs.getInt(1);
              }
            });
    assertThat(synchronous).as("2 = FULL").isEqualTo(2);
  }

  @Test
  void theReaderCannotWrite() throws Exception {
    try (java.sql.Connection c = db.openReader();
        Statement st = c.createStatement()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> st.executeUpdate("DELETE FROM audit_log"))
          .isInstanceOf(java.sql.SQLException.class);
    }
    assertThat(log.verify().entries()).isEqualTo(5);
  }
}
