package dev.peon.orc.compat;

import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanVariable;
import java.util.LinkedHashMap;
import java.util.Map;

/** The flat settings object of {@code GET /api/v1/plan/<game_uid>}. */
final class PlanSettings {
  private PlanSettings() {}

  static Map<String, String> of(Plan plan) {
    Map<String, String> out = new LinkedHashMap<>();
    for (PlanVariable v : plan.environment()) {
      if (v.required() && !v.name().equals(PlanVariable.STEAM_ID)) {
        out.put(v.name(), "");
      }
    }
    for (PlanVariable v : plan.environment()) {
      if (!v.required() && !v.name().equals(PlanVariable.STEAM_ID)) {
        out.put(v.name(), v.defaultValue());
      }
    }
    out.put("description", plan.description());
    return out;
  }
}
