package dev.peon.orc.plan;

import dev.peon.orc.config.OrchestratorConfig;
import java.nio.file.Path;

/** Where plans come from: a git repository or a local folder. */
public sealed interface PlanSource {

  /** A git repository; an empty {@code branch} means the remote's default branch. */
  record GitRepository(String url, String branch) implements PlanSource {
    public GitRepository {
      branch = branch == null ? "" : branch.trim();
    }

    @Override
    public String toString() {
      return redact(url);
    }
  }

  /** A local folder copied as it is (without {@code .git}). */
  record LocalFolder(Path path) implements PlanSource {
    @Override
    public String toString() {
      return path.toString();
    }
  }

  static PlanSource of(OrchestratorConfig config) {
    return config.planSourceIsGit()
        ? new GitRepository(config.planSource(), config.planBranch())
        : new LocalFolder(Path.of(config.planSource()));
  }

  /** Hides credentials embedded in a URL ({@code https://user:token@host/...}). */
  static String redact(String url) {
    return url.replaceAll("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s]*@", "$1***@");
  }
}
