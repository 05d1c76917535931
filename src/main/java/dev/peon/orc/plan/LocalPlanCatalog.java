package dev.peon.orc.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.config.OrchestratorConfig;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plans in {@code <dataDir>/plans/}: a git working copy or a copy of a local folder. Readers
 * see an immutable snapshot that a sync replaces in one step, so they never wait for a sync nor see
 * half of one. One sync runs at a time.
 */
public final class LocalPlanCatalog implements PlanCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(LocalPlanCatalog.class);

  private final Path plansDir;
  private final PlanSource source;
  private final PlanFolderLoader loader;
  private final ReentrantLock syncLock = new ReentrantLock();
  private volatile PlanSnapshot snapshot;
  private volatile List<String> syncWarnings = List.of();

  /** Loads the plans already in {@code plansDir}; does not contact the source. */
  public LocalPlanCatalog(Path plansDir, PlanSource source, ObjectMapper mapper) {
    this.plansDir = plansDir.toAbsolutePath().normalize();
    this.source = source;
    this.loader = new PlanFolderLoader(mapper);
    this.snapshot = loader.load(this.plansDir);
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

  /** What the last folder sync skipped (symbolic links leaving the source, special files). */
  public List<String> syncWarnings() {
    return syncWarnings;
  }

  @Override
  public List<RegistryEntry> sync() {
    syncLock.lock();
    try {
      return syncLocked();
    } catch (PlanSyncException e) {
      LOG.atWarn().addKeyValue("source", source).log("plan sync failed: {}", e.getMessage());
      throw e;
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

  private List<RegistryEntry> syncLocked() {
    Map<String, RegistryEntry> before = PlanFolderLoader.byGameUid(snapshot.registry());
    LOG.atInfo().addKeyValue("source", source).log("syncing plans");
    switch (source) {
      case GitRepository git -> new GitPlanFetcher(git).update(plansDir);
      case LocalFolder folder -> copyFolder(folder);
    }
    PlanSnapshot loaded = loader.load(plansDir);
    snapshot = loaded;
    List<RegistryEntry> added = new ArrayList<>();
    for (RegistryEntry entry : loaded.registry()) {
      if (!before.containsKey(entry.gameUid())) {
        added.add(entry);
      }
    }
    LOG.atInfo()
        .addKeyValue("source", source)
        .addKeyValue("plans", loaded.plans().size())
        .addKeyValue("rejected", loaded.rejected().size())
        .addKeyValue("new", added.size())
        .log("plans synced");
    return List.copyOf(added);
  }

  private void copyFolder(LocalFolder folder) {
    Path from = folder.path().toAbsolutePath().normalize();
    if (!Files.isDirectory(from)) {
      throw new PlanSyncException("plan source folder " + from + " does not exist", null);
    }
    if (from.equals(plansDir)) {
      return;
    }
    Path temp = DirectorySwap.temporarySibling(plansDir, "copy");
    FolderPlanCopier copier = new FolderPlanCopier(from);
    try {
      Files.createDirectories(plansDir.getParent());
      copier.copyTo(temp, plansDir);
      DirectorySwap.replace(plansDir, temp);
    } catch (IOException e) {
      throw new PlanSyncException(
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
  }
}
