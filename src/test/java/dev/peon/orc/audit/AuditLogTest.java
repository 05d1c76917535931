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
}
