package dev.peon.orc.plan;

import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.plan.PlanSource.GitRepository;
import dev.peon.orc.plan.PlanSyncException.Reason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand.ResetType;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.PathFilter;

/** Brings the plans folder to the tip of the source repository's branch, with JGit only. */
final class GitPlanFetcher {
  private static final int TIMEOUT_SECONDS = 120;
  private static final String REMOTE_PREFIX = "refs/remotes/origin/";
  private static final List<String> FALLBACK_BRANCHES = List.of("main", "master");

  private final GitRepository source;

  GitPlanFetcher(GitRepository source) {
    this.source = source;
  }

  /**
   * Clones or fetches and resets. Returns the commit the folder was at before (null after a first
   * clone), from which {@link #exportFolder} can bring back a previous version.
   */
  ObjectId update(Path plansDir) {
    NoCredentials credentials = new NoCredentials();
    try {
      if (Files.isDirectory(plansDir.resolve(Constants.DOT_GIT))) {
        return fetchAndReset(plansDir, credentials);
      }
      cloneInto(plansDir, credentials);
      return null;
    } catch (GitAPIException | IOException | RuntimeException e) {
      if (e instanceof PlanSyncException p) {
        throw p;
      }
      throw classify(e, credentials);
    }
  }

  private void cloneInto(Path plansDir, NoCredentials credentials)
      throws GitAPIException, IOException {
    Path temp = DirectorySwap.temporarySibling(plansDir, "clone");
    try {
      var clone =
          Git.cloneRepository()
              .setURI(source.url())
              .setDirectory(temp.toFile())
              .setCredentialsProvider(credentials)
              .setTimeout(TIMEOUT_SECONDS);
      if (!source.branch().isEmpty()) {
        clone.setBranch(Constants.R_HEADS + source.branch());
      }
      try (Git git = clone.call()) {
        if (git.getRepository().resolve(Constants.HEAD) == null) {
          throw failure(Reason.BRANCH_NOT_FOUND, branchText() + " not found", null);
        }
      }
      DirectorySwap.replace(plansDir, temp);
    } finally {
      DirectorySwap.deleteQuietly(temp);
    }
  }

  private ObjectId fetchAndReset(Path plansDir, NoCredentials credentials)
      throws GitAPIException, IOException {
    try (Git git = Git.open(plansDir.toFile())) {
      Repository repository = git.getRepository();
      ObjectId before = repository.resolve(Constants.HEAD);
      FetchResult fetched =
          git.fetch()
              .setRemote(source.url())
              .setRefSpecs(new RefSpec("+refs/heads/*:" + REMOTE_PREFIX + "*"))
              .setRemoveDeletedRefs(true)
              .setCredentialsProvider(credentials)
              .setTimeout(TIMEOUT_SECONDS)
              .call();
      String branch = source.branch().isEmpty() ? defaultBranch(fetched, repository) : null;
      branch = branch == null ? source.branch() : branch;
      ObjectId tip = repository.resolve(REMOTE_PREFIX + branch);
      if (tip == null) {
        throw failure(Reason.BRANCH_NOT_FOUND, branchText() + " not found", null);
      }
      git.reset().setMode(ResetType.HARD).setRef(tip.name()).call();
      git.clean().setCleanDirectories(true).setForce(true).call();
      return before;
    } catch (RepositoryNotFoundException e) {
      throw failure(
          Reason.LOCAL_COPY, "local copy " + plansDir + " is not a usable git repository", e);
    }
  }

  /**
   * Writes the folder {@code folder} as it was in {@code commit} into {@code target}: regular and
   * executable files only (links and submodules are no plan content), never outside {@code target}.
   */
  static void exportFolder(Path plansDir, ObjectId commit, String folder, Path target)
      throws IOException {
    try (Git git = Git.open(plansDir.toFile());
        RevWalk commits = new RevWalk(git.getRepository());
        TreeWalk files = new TreeWalk(git.getRepository())) {
      Repository repository = git.getRepository();
      files.addTree(commits.parseCommit(commit).getTree());
      files.setRecursive(true);
      files.setFilter(PathFilter.create(folder));
      Path root = target.toAbsolutePath().normalize();
      while (files.next()) {
        FileMode mode = files.getFileMode(0);
        boolean executable = FileMode.EXECUTABLE_FILE.equals(mode.getBits());
        if (!executable && !FileMode.REGULAR_FILE.equals(mode.getBits())) {
          continue;
        }
        String relative = files.getPathString().substring(folder.length() + 1);
        Path out = FileTrees.resolveInside(root, relative);
        Files.createDirectories(out.getParent());
        try (OutputStream stream = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW)) {
          repository.open(files.getObjectId(0)).copyTo(stream);
        }
        if (executable) {
          Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(out));
          permissions.add(PosixFilePermission.OWNER_EXECUTE);
          Files.setPosixFilePermissions(out, permissions);
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("a path in " + folder + " leaves its folder", e);
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

  /** Why the transport failed, judged by the exception types in the cause chain. */
  private PlanSyncException classify(Exception e, NoCredentials credentials) {
    if (credentials.asked) {
      return failure(
          Reason.AUTH_REQUIRED,
          "the repository asks for credentials or refused the ones in the URL (a private"
              + " repository needs https://user:token@...; GitHub answers the same for a"
              + " repository that does not exist)",
          e);
    }
    Throwable network =
        cause(
            e,
            UnknownHostException.class,
            ConnectException.class,
            NoRouteToHostException.class,
            SocketTimeoutException.class);
    if (network instanceof UnknownHostException) {
      return failure(Reason.UNREACHABLE, "host unreachable: unknown host " + text(network), e);
    }
    if (network != null) {
      return failure(Reason.UNREACHABLE, "host unreachable: " + text(network), e);
    }
    Throwable missing = cause(e, NoRemoteRepositoryException.class);
    if (missing != null) {
      return failure(Reason.NOT_FOUND, "repository not found (" + text(missing) + ")", e);
    }
    if (cause(e, TransportException.class, org.eclipse.jgit.api.errors.TransportException.class)
        == null) {
      if (cause(e, IOException.class) != null) {
        return failure(Reason.LOCAL_COPY, "cannot write the local copy: " + describe(e), e);
      }
    }
    return failure(Reason.FAILED, describe(e), e);
  }

  @SafeVarargs
  private static Throwable cause(Throwable t, Class<? extends Throwable>... types) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      for (Class<? extends Throwable> type : types) {
        if (type.isInstance(c)) {
          return c;
        }
      }
    }
    return null;
  }

  private static String text(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static String describe(Exception e) {
    String message = e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && !cause.getMessage().equals(message)) {
      message = message + ": " + cause.getMessage();
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }

  private PlanSyncException failure(Reason reason, String text, Throwable cause) {
    return new PlanSyncException(
        reason, "cannot sync plans from " + source + ": " + PlanSource.redact(text), cause);
  }

  /** Offers no credentials; remembers that the server asked for them (an authentication wall). */
  private static final class NoCredentials extends CredentialsProvider {
    private volatile boolean asked;

    @Override
    public boolean isInteractive() {
      return false;
    }

    @Override
    public boolean supports(CredentialItem... items) {
      return true;
    }

    @Override
    public boolean get(URIish uri, CredentialItem... items) {
      asked = true;
      return false;
    }
  }
}
