package dev.peon.orc.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An immutable view of the plans on disk at one moment. */
record PlanSnapshot(
    Map<PlanId, Plan> plans, List<RegistryEntry> registry, Map<String, String> rejected) {

  static final PlanSnapshot EMPTY = new PlanSnapshot(Map.of(), List.of(), Map.of());

  PlanSnapshot {
    plans = Collections.unmodifiableMap(new TreeMap<>(plans));
    registry = List.copyOf(registry);
    rejected = Collections.unmodifiableMap(new LinkedHashMap<>(rejected));
  }

  Optional<Plan> find(PlanId id) {
    return Optional.ofNullable(plans.get(id));
  }

  boolean isEmpty() {
    return plans.isEmpty() && rejected.isEmpty();
  }
}
