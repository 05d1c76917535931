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

  /**
   * Like {@link #sync()}, and says which files of the source could not be used and whether their
   * previous version stays in use.
   */
  default PlanSyncResult refresh() {
    List<RegistryEntry> added = sync();
    return new PlanSyncResult(added, List.of(), plans().size());
  }

  /** Where plans come from, for people (credentials hidden). */
  default String sourceDescription() {
    return "the configured plan source";
  }

  /** Why the last sync failed, when it did; empty after a sync that worked. */
  default Optional<String> lastSyncFailure() {
    return Optional.empty();
  }

  /**
   * When there is no plan at all: how to get some (the source setting, the sync command and call)
   * and why the last attempt failed. Empty when there are plans.
   */
  default Optional<String> emptyHint() {
    if (!plans().isEmpty()) {
      return Optional.empty();
    }
    StringBuilder hint =
        new StringBuilder("No plans yet. Plans come from ")
            .append(sourceDescription())
            .append(" (setting plans.source, env PEON_PLANS_SOURCE, or peon serve --plans).")
            .append(" Fetch them with `peon plans sync` or POST /api/v2/plans/sync.");
    lastSyncFailure().ifPresent(f -> hint.append(" The last sync failed: ").append(f));
    Map<String, String> rejected = rejected();
    if (!rejected.isEmpty()) {
      hint.append(' ')
          .append(rejected.size())
          .append(" plan folder(s) could not be loaded (")
          .append(String.join(", ", rejected.keySet().stream().limit(3).toList()))
          .append(rejected.size() > 3 ? ", ..." : "")
          .append("); a sync's result and the orchestrator log say why.");
    }
    return Optional.of(hint.toString());
  }
}
