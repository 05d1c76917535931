package dev.peon.orc.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import dev.peon.orc.plan.PlanSyncException.Reason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sync that cannot read its source says why, classified, and changes nothing. */
class PlanSyncFailureTest {
  @TempDir Path tmp;

  private PlanSyncException failure(String url) {
    LocalPlanCatalog catalog =
        new LocalPlanCatalog(tmp.resolve("plans"), new PlanSource.GitRepository(url, ""));
    PlanSyncException e = catchThrowableOfType(PlanSyncException.class, catalog::refresh);
    assertThat(catalog.lastSyncFailure()).contains(e.getMessage());
    assertThat(catalog.plans()).isEmpty();
    return e;
  }

  @Test
  void aRepositoryThatDoesNotExistIsNotFound() {
    PlanSyncException e = failure("file:///nonexistent/plans.git");

    assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
    assertThat(e.getMessage())
        .startsWith("cannot sync plans from file:///nonexistent/plans.git: repository not found");
  }

  @Test
  void aHostThatRefusesConnectionsIsUnreachable() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }

    PlanSyncException e = failure("http://127.0.0.1:" + closedPort + "/plans.git");

    assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(e.getMessage()).contains("host unreachable");
  }

  @Test
  void anUnknownHostIsUnreachable() {
    PlanSyncException e = failure("https://plans.nonexistent.invalid/plans.git");

    assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(e.getMessage()).contains("host unreachable: unknown host");
  }

  @Test
  void aRepositoryBehindAuthenticationSaysSoWithoutShowingTheToken() throws IOException {
    HttpServer wall = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    wall.createContext(
        "/",
        x -> {
          x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"plans\"");
          x.sendResponseHeaders(401, -1);
          x.close();
        });
    wall.start();
    try {
      PlanSyncException e =
          failure("http://me:s3cr3t@127.0.0.1:" + wall.getAddress().getPort() + "/p.git");

      assertThat(e.reason()).isEqualTo(Reason.AUTH_REQUIRED);
      assertThat(e.getMessage()).contains("asks for credentials").doesNotContain("s3cr3t");
    } finally {
      wall.stop(0);
    }
  }

  @Test
  void aMissingSourceFolderSaysSo() {
    LocalPlanCatalog catalog =
        new LocalPlanCatalog(tmp.resolve("plans"), new PlanSource.LocalFolder(tmp.resolve("no")));

    PlanSyncException e = catchThrowableOfType(PlanSyncException.class, catalog::refresh);

    assertThat(e.reason()).isEqualTo(Reason.SOURCE_MISSING);
    assertThat(catalog.emptyHint())
        .hasValueSatisfying(
            h ->
                assertThat(h)
                    .contains("plans.source", "peon plans sync", "POST /api/v2/plans/sync")
                    .contains("The last sync failed: plan source folder"));
  }

  @Test
  void theHintNamesFoldersThatCouldNotBeLoadedWithoutHostPaths() {
    PlanFixtures.writePlan(tmp.resolve("plans"), "ark", "{ broken");
    LocalPlanCatalog catalog =
        new LocalPlanCatalog(tmp.resolve("plans"), new PlanSource.LocalFolder(tmp.resolve("src")));

    assertThat(catalog.emptyHint())
        .hasValueSatisfying(
            h ->
                assertThat(h)
                    .contains("1 plan folder(s) could not be loaded (ark)")
                    .doesNotContain(tmp.resolve("plans").toString() + "/ark"));
  }
}
