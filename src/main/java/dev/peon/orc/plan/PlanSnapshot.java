package dev.peon.orc.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An immutable view of the plans on disk at one moment.
 *
 * @param problems every plan.json or registry that could not be used as it is
 * @param registryOrigin where {@code registry} comes from
 * @param registryWarnings registry entries skipped (no game_uid, duplicates)
 */
record PlanSnapshot(
    Map<PlanId, Plan> plans,
    List<RegistryEntry> registry,
    Map<String, String> rejected,
    List<PlanProblem> problems,
    RegistryOrigin registryOrigin,
    List<String> registryWarnings) {

  /** Where the registry of a snapshot comes from. */
  enum RegistryOrigin {
    /** The source's plans.json. */
    FILE,
    /** The last good plans.json, kept while the source's is broken. */
    KEPT,
    /** No usable plans.json: one entry per loadable plan folder. */
    FOLDERS
  }

  static final PlanSnapshot EMPTY =
      new PlanSnapshot(Map.of(), List.of(), Map.of(), List.of(), RegistryOrigin.FOLDERS, List.of());

  PlanSnapshot {
    plans = Collections.unmodifiableMap(new TreeMap<>(plans));
    registry = List.copyOf(registry);
    rejected = Collections.unmodifiableMap(new LinkedHashMap<>(rejected));
    problems = List.copyOf(problems);
    registryWarnings = List.copyOf(registryWarnings);
  }

  Optional<Plan> find(PlanId id) {
    return Optional.ofNullable(plans.get(id));
  }

  boolean isEmpty() {
    return plans.isEmpty() && rejected.isEmpty();
  }

  /** The plans served from their kept previous version. */
  Set<PlanId> keptPlans() {
    return problems.stream()
        .filter(p -> p.kept() && p.plan() != null)
        .map(p -> new PlanId(p.plan()))
        .collect(Collectors.toSet());
  }

  /** Problems of plans that were not kept (their folder could not be loaded at all). */
  List<PlanProblem> unkeptPlanProblems() {
    return problems.stream().filter(p -> !p.kept() && p.plan() != null).toList();
  }

  /** The registry's problem, if it is broken. */
  Optional<PlanProblem> registryProblem() {
    return problems.stream().filter(p -> p.plan() == null).findFirst();
  }
}
