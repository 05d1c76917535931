package dev.peon.orc.plan;

import java.util.LinkedHashMap;

/** The flat settings object of {@code GET /api/v1/plan/<game_uid>}. */
public final class PlanSettingsView {
  static final String DESCRIPTION = "description";

  private PlanSettingsView() {}

  /**
   * Every required variable with {@code ""}, then every other variable with its default, then
   * {@code description}; never {@code STEAM_ID}.
   */
  public static LinkedHashMap<String, String> of(Plan plan) {
    LinkedHashMap<String, String> settings = new LinkedHashMap<>();
    for (String name : plan.requiredVariables()) {
      settings.put(name, "");
    }
    for (PlanVariable variable : plan.environment()) {
      if (!variable.required() && !variable.name().equals(PlanVariable.STEAM_ID)) {
        settings.put(variable.name(), variable.defaultValue());
      }
    }
    settings.remove(DESCRIPTION);
    settings.put(DESCRIPTION, plan.description());
    return settings;
  }
}
