package dev.peon.orc.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The plans currently available locally, and their sync from the configured source. */
public interface PlanCatalog {

  Optional<Plan> find(PlanId id);

  /** Every loadable plan, sorted by id (registered in plans.json or not). */
  default List<Plan> plans() {
    return registry().stream()
        .map(
            e ->
                PlanId.isValid(e.gameUid())
                    ? find(new PlanId(e.gameUid()))
                    : Optional.<Plan>empty())
        .flatMap(Optional::stream)
        .sorted(java.util.Comparator.comparing(Plan::id))
        .toList();
  }

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
