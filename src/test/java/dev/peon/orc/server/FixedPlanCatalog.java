package dev.peon.orc.server;

import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanCatalog;
import dev.peon.orc.plan.PlanId;
import dev.peon.orc.plan.PlanParser;
import dev.peon.orc.plan.RegistryEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A plan catalogue holding plans parsed from folders a test wrote; sync finds nothing new. */
public final class FixedPlanCatalog implements PlanCatalog {
  private final Map<PlanId, Plan> plans = new ConcurrentHashMap<>();

  /** Parses {@code folder/plan.json} with the real parser and adds it. */
  public Plan add(Path folder) {
    Plan plan = new PlanParser().parse(folder);
    plans.put(plan.id(), plan);
    return plan;
  }

  @Override
  public Optional<Plan> find(PlanId id) {
    return Optional.ofNullable(plans.get(id));
  }

  @Override
  public List<RegistryEntry> registry() {
    return List.of();
  }

  @Override
  public Map<String, String> rejected() {
    return Map.of();
  }

  @Override
  public List<RegistryEntry> sync() {
    return List.of();
  }
}
