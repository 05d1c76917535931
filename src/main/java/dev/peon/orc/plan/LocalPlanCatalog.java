package dev.peon.orc.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.OrchestratorConfig;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.plan.PlanSnapshot.RegistryOrigin;
import dev.peon.orc.plan.PlanSource.GitRepository;
import dev.peon.orc.plan.PlanSource.LocalFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jgit.lib.ObjectId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plans in {@code <dataDir>/plans/}: a git working copy or a copy of a local folder. Readers
 * see an immutable snapshot that a sync replaces in one step, so they never wait for a sync nor see
 * half of one. One sync runs at a time. A plan (or the registry) that a sync brings in broken keeps
 * its previous version, in {@code <dataDir>/plans-kept/}, until the source is fixed.
 */
public final class LocalPlanCatalog implements PlanCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(LocalPlanCatalog.class);

  /** At most this many distinct warning lines per load; the rest is counted in one line. */
  static final int WARNING_LINES = 20;

  private final Path plansDir;
  private final PlanSource source;
  private final PlanFolderLoader loader;
  private final KeptPlans kept;
  private final ReentrantLock syncLock = new ReentrantLock();
  private volatile PlanSnapshot snapshot;
  private volatile List<String> syncWarnings = List.of();
  private volatile String lastFailure;

  /** Loads the plans already in {@code plansDir}; does not contact the source. */
  public LocalPlanCatalog(Path plansDir, PlanSource source, ObjectMapper mapper) {
    this.plansDir = plansDir.toAbsolutePath().normalize();
    this.source = source;
    this.loader = new PlanFolderLoader(mapper);
    this.kept = new KeptPlans(this.plansDir, mapper);
    this.snapshot = loader.load(this.plansDir, kept);
    report(snapshot);
  }

  public LocalPlanCatalog(Path plansDir, PlanSource source) {
    this(plansDir, source, new ObjectMapper());
  }

  /** Plans in {@code <dataDir>/plans} from the configured source and branch. */
  public static LocalPlanCatalog fromConfig(OrchestratorConfig config) {
    return new LocalPlanCatalog(config.dataDir().resolve("plans"), PlanSource.of(config));
  }

  @Override
  public Optional<Plan> find(PlanId id) {
    return snapshot.find(id);
  }

  /** Every loadable plan, by id. */
  @Override
  public List<Plan> plans() {
    return List.copyOf(snapshot.plans().values());
  }

  @Override
  public List<RegistryEntry> registry() {
    return snapshot.registry();
  }

  @Override
  public Map<String, String> rejected() {
    return snapshot.rejected();
  }

  /** What the current plans could not take as it is, from the last load. */
  public List<PlanProblem> problems() {
    return snapshot.problems();
  }

  /** What the last folder sync skipped (symbolic links leaving the source, special files). */
  public List<String> syncWarnings() {
    return syncWarnings;
  }

  @Override
  public String sourceDescription() {
    return source.toString();
  }

  @Override
  public Optional<String> lastSyncFailure() {
    return Optional.ofNullable(lastFailure);
  }

  @Override
  public List<RegistryEntry> sync() {
    return refresh().added();
  }

  @Override
  public PlanSyncResult refresh() {
    syncLock.lock();
    try {
      return syncLocked();
    } finally {
      syncLock.unlock();
    }
  }

  /**
   * Syncs when no plan folder exists locally (first start). Returns whether it synced.
   *
   * @throws PlanSyncException when the source cannot be read
   */
  public boolean syncIfEmpty() {
    syncLock.lock();
    try {
      if (!snapshot.isEmpty()) {
        return false;
      }
      syncLocked();
      return true;
    } finally {
      syncLock.unlock();
    }
  }

  private PlanSyncResult syncLocked() {
    PlanSnapshot before = snapshot;
    LOG.atInfo().addKeyValue("source", source).log("syncing plans");
    PlanSnapshot loaded;
    try {
      loaded =
          switch (source) {
            case GitRepository git -> syncGit(git, before);
            case LocalFolder folder -> syncFolder(folder, before);
          };
    } catch (PlanSyncException e) {
      lastFailure = e.getMessage();
      LOG.atWarn()
          .addKeyValue("source", source)
          .addKeyValue("reason", e.reason().wire())
          .log("plan sync failed: {}", e.getMessage());
      throw e;
    }
    lastFailure = null;
    snapshot = loaded;
    dropWhatIsNoLongerKept(loaded);
    Map<String, RegistryEntry> previous = PlanFolderLoader.byGameUid(before.registry());
    List<RegistryEntry> added = new ArrayList<>();
    for (RegistryEntry entry : loaded.registry()) {
      if (!previous.containsKey(entry.gameUid())) {
        added.add(entry);
      }
    }
    report(loaded);
    LOG.atInfo()
        .addKeyValue("source", source)
        .addKeyValue("plans", loaded.plans().size())
        .addKeyValue("rejected", loaded.rejected().size())
        .addKeyValue("kept", loaded.keptPlans().size())
        .addKeyValue("new", added.size())
        .log("plans synced");
    return new PlanSyncResult(added, loaded.problems(), loaded.plans().size());
  }

  private PlanSnapshot syncGit(GitRepository git, PlanSnapshot before) {
    ObjectId previousCommit = new GitPlanFetcher(git).update(plansDir);
    PlanSnapshot candidate = loader.load(plansDir, kept);
    boolean keptSome =
        previousCommit != null
            && keepBrokenPlans(
                before,
                candidate,
                (id, target) ->
                    GitPlanFetcher.exportFolder(plansDir, previousCommit, id.value(), target));
    keptSome |= keepRegistry(before, candidate);
    return keptSome ? loader.load(plansDir, kept) : candidate;
  }

  private PlanSnapshot syncFolder(LocalFolder folder, PlanSnapshot before) {
    Path from = folder.path().toAbsolutePath().normalize();
    if (!Files.isDirectory(from)) {
      throw new PlanSyncException(
          PlanSyncException.Reason.SOURCE_MISSING,
          "plan source folder " + from + " does not exist",
          null);
    }
    if (from.equals(plansDir)) {
      return loader.load(plansDir, kept);
    }
    Path temp = DirectorySwap.temporarySibling(plansDir, "copy");
    FolderPlanCopier copier = new FolderPlanCopier(from);
    try {
      Files.createDirectories(plansDir.getParent());
      copier.copyTo(temp, plansDir);
      // judged before the swap, while the previous version of each plan is still in place
      PlanSnapshot candidate = loader.load(temp, kept);
      keepBrokenPlans(
          before,
          candidate,
          (id, target) -> FileTrees.copyTree(before.find(id).orElseThrow().folder(), target));
      keepRegistry(before, candidate);
      DirectorySwap.replace(plansDir, temp);
    } catch (IOException e) {
      throw new PlanSyncException(
          PlanSyncException.Reason.LOCAL_COPY,
          "cannot copy plans from "
              + from
              + ": "
              + e.getClass().getSimpleName()
              + " "
              + e.getMessage(),
          e);
    } finally {
      DirectorySwap.deleteQuietly(temp);
    }
    syncWarnings = copier.warnings();
    for (String warning : syncWarnings) {
      LOG.atWarn().addKeyValue("source", from).log("plan source entry skipped: {}", warning);
    }
    return loader.load(plansDir, kept);
  }

  /** Writes a plan's previous folder into a kept folder. */
  @FunctionalInterface
  private interface PreviousVersion {
    void writeTo(PlanId id, Path target) throws IOException;
  }

  /**
   * Keeps the previous version of every plan that loaded before and does not load now. Returns
   * whether it kept any.
   */
  private boolean keepBrokenPlans(
      PlanSnapshot before, PlanSnapshot candidate, PreviousVersion previous) {
    boolean keptAny = false;
    for (PlanProblem problem : candidate.unkeptPlanProblems()) {
      if (!PlanId.isValid(problem.plan())) {
        continue;
      }
      PlanId id = new PlanId(problem.plan());
      if (before.find(id).isEmpty()) {
        continue;
      }
      try {
        kept.keep(id, target -> previous.writeTo(id, target));
        keptAny = true;
      } catch (IOException | RuntimeException e) {
        LOG.atWarn()
            .addKeyValue("plan", id)
            .log("cannot keep the previous version of a broken plan: {}", e.toString());
      }
    }
    return keptAny;
  }

  /**
   * Keeps the previous registry when the new one is broken and the previous one came from a good
   * file: a broken registry must not make every plan folder look new. Returns whether it kept it.
   */
  private boolean keepRegistry(PlanSnapshot before, PlanSnapshot candidate) {
    boolean brokenNow =
        candidate.registryOrigin() == RegistryOrigin.FOLDERS
            && candidate.registryProblem().isPresent();
    if (!brokenNow || before.registryOrigin() == RegistryOrigin.FOLDERS) {
      return false;
    }
    try {
      kept.keepRegistry(before.registry());
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.atWarn().log("cannot keep the previous plan registry: {}", e.toString());
      return false;
    }
  }

  private void dropWhatIsNoLongerKept(PlanSnapshot loaded) {
    try {
      kept.retainOnly(loaded.keptPlans());
      if (loaded.registryOrigin() != RegistryOrigin.KEPT) {
        kept.dropRegistry();
      }
    } catch (IOException e) {
      LOG.atWarn().log("cannot remove kept plan versions no longer needed: {}", e.toString());
    }
  }

  /** Logs a snapshot's problems one by one and its warnings summarised. */
  private void report(PlanSnapshot loaded) {
    int planProblems = 0;
    for (PlanProblem p : loaded.problems()) {
      if (p.plan() != null && ++planProblems > WARNING_LINES) {
        continue;
      }
      var event = LOG.atWarn().addKeyValue("file", p.file());
      if (p.plan() != null) {
        event = event.addKeyValue("plan", p.plan());
      }
      if (p.line() != null) {
        event = event.addKeyValue("line", p.line()).addKeyValue("column", p.column());
      }
      event
          .addKeyValue("kept", p.kept())
          .log(
              p.plan() == null
                  ? "plan registry unusable: {}"
                  : p.kept() ? "plan kept at its previous version: {}" : "plan rejected: {}",
              p.describe());
    }
    if (planProblems > WARNING_LINES) {
      LOG.atWarn()
          .log(
              "{} more plans rejected or kept at their previous version; a sync's result lists"
                  + " them all",
              planProblems - WARNING_LINES);
    }
    WarningSummary plans = new WarningSummary();
    for (Plan plan : loaded.plans().values()) {
      plan.warnings().forEach(w -> plans.add(plan.id().value(), w));
    }
    for (String line : plans.lines(WARNING_LINES)) {
      LOG.atWarn().log("plans loaded with warnings: {}", line);
    }
    List<String> skipped = loaded.registryWarnings();
    if (!skipped.isEmpty()) {
      LOG.atWarn()
          .addKeyValue("file", PlanFolderLoader.REGISTRY_FILE)
          .log(
              "plan registry: {} entries skipped (first: {})",
              skipped.size(),
              String.join(
                  "; ", skipped.subList(0, Math.min(WarningSummary.NAMED, skipped.size()))));
    }
  }
}
