package dev.peon.orc.plan;

import java.util.List;

/**
 * What a sync did.
 *
 * @param added registry entries that were not there before
 * @param problems files of the source that could not be used as they are (broken plans, a broken
 *     registry), each saying whether the previous version stays in use
 * @param plans how many plans are available after the sync
 */
public record PlanSyncResult(List<RegistryEntry> added, List<PlanProblem> problems, int plans) {
  public PlanSyncResult {
    added = List.copyOf(added);
    problems = List.copyOf(problems);
  }
}
