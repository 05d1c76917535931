package dev.peon.orc.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The plans currently available locally, and their sync from the configured source. */
public interface PlanCatalog {

  Optional<Plan> find(PlanId id);

  /** Registry entries sorted by title (one per plan folder when the source has no plans.json). */
  List<RegistryEntry> registry();

  /** Plans that could not be loaded: folder name -> reason naming the file and field. */
  Map<String, String> rejected();

  /**
   * Refreshes plans from the source. On failure throws {@link PlanSyncException} and leaves the
   * current plans untouched. Returns the registry entries that were not there before.
   */
  List<RegistryEntry> sync();
}
