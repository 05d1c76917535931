package dev.peon.orc.plan;

import dev.peon.orc.plan.PlanSource.GitRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand.ResetType;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;

/** Brings the plans folder to the tip of the source repository's branch, with JGit only. */
final class GitPlanFetcher {
  private static final int TIMEOUT_SECONDS = 120;
  private static final String REMOTE_PREFIX = "refs/remotes/origin/";
  private static final List<String> FALLBACK_BRANCHES = List.of("main", "master");

  private final GitRepository source;

  GitPlanFetcher(GitRepository source) {
    this.source = source;
  }

  void update(Path plansDir) {
    try {
      if (Files.isDirectory(plansDir.resolve(Constants.DOT_GIT))) {
        fetchAndReset(plansDir);
      } else {
        cloneInto(plansDir);
      }
    } catch (GitAPIException | IOException | RuntimeException e) {
      if (e instanceof PlanSyncException p) {
        throw p;
      }
      throw failure(describe(e), e);
    }
  }

  private void cloneInto(Path plansDir) throws GitAPIException, IOException {
    Path temp = DirectorySwap.temporarySibling(plansDir, "clone");
    try {
      var clone =
          Git.cloneRepository()
              .setURI(source.url())
              .setDirectory(temp.toFile())
              .setTimeout(TIMEOUT_SECONDS);
      if (!source.branch().isEmpty()) {
        clone.setBranch(Constants.R_HEADS + source.branch());
      }
      try (Git git = clone.call()) {
        if (git.getRepository().resolve(Constants.HEAD) == null) {
          throw failure(branchText() + " not found", null);
        }
      }
      DirectorySwap.replace(plansDir, temp);
    } finally {
      DirectorySwap.deleteQuietly(temp);
    }
  }

  private void fetchAndReset(Path plansDir) throws GitAPIException, IOException {
    try (Git git = Git.open(plansDir.toFile())) {
      FetchResult fetched =
          git.fetch()
              .setRemote(source.url())
              .setRefSpecs(new RefSpec("+refs/heads/*:" + REMOTE_PREFIX + "*"))
              .setRemoveDeletedRefs(true)
              .setTimeout(TIMEOUT_SECONDS)
              .call();
      Repository repository = git.getRepository();
      String branch = source.branch().isEmpty() ? defaultBranch(fetched, repository) : null;
      branch = branch == null ? source.branch() : branch;
      ObjectId tip = repository.resolve(REMOTE_PREFIX + branch);
      if (tip == null) {
        throw failure(branchText() + " not found", null);
      }
      git.reset().setMode(ResetType.HARD).setRef(tip.name()).call();
      git.clean().setCleanDirectories(true).setForce(true).call();
    } catch (RepositoryNotFoundException e) {
      throw failure("local copy " + plansDir + " is not a usable git repository", e);
    }
  }

  /** The remote's HEAD branch as advertised, else the local origin/HEAD, else main or master. */
  private static String defaultBranch(FetchResult fetched, Repository repository)
      throws IOException {
    Ref head = fetched.getAdvertisedRef(Constants.HEAD);
    if (head != null && head.isSymbolic()) {
      return Repository.shortenRefName(head.getTarget().getName());
    }
    if (head != null && head.getObjectId() != null) {
      for (String candidate : FALLBACK_BRANCHES) {
        Ref ref = fetched.getAdvertisedRef(Constants.R_HEADS + candidate);
        if (ref != null && head.getObjectId().equals(ref.getObjectId())) {
          return candidate;
        }
      }
      for (Ref ref : fetched.getAdvertisedRefs()) {
        if (ref.getName().startsWith(Constants.R_HEADS)
            && head.getObjectId().equals(ref.getObjectId())) {
          return Repository.shortenRefName(ref.getName());
        }
      }
    }
    Ref originHead = repository.exactRef(REMOTE_PREFIX + Constants.HEAD);
    if (originHead != null && originHead.isSymbolic()) {
      return originHead.getTarget().getName().substring(REMOTE_PREFIX.length());
    }
    for (String candidate : FALLBACK_BRANCHES) {
      if (repository.exactRef(REMOTE_PREFIX + candidate) != null) {
        return candidate;
      }
    }
    return FALLBACK_BRANCHES.get(0);
  }

  private String branchText() {
    return source.branch().isEmpty() ? "default branch" : "branch '" + source.branch() + "'";
  }

  private static String describe(Exception e) {
    String message = e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && !cause.getMessage().equals(message)) {
      message = message + ": " + cause.getMessage();
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }

  private PlanSyncException failure(String reason, Throwable cause) {
    return new PlanSyncException(
        "cannot sync plans from " + source + ": " + PlanSource.redact(reason), cause);
  }
}
