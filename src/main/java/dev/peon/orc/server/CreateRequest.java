package dev.peon.orc.server;

import dev.peon.orc.plan.PlanId;
import java.util.Map;

/**
 * A validated create request.
 *
 * @param name the servername, or null to generate one
 * @param settings user values for plan variables (unknown keys are ignored by the service)
 */
public record CreateRequest(
    PlanId game,
    String name,
    Map<String, String> settings,
    String description,
    boolean startLater,
    boolean noclean) {

  public CreateRequest {
    settings = Map.copyOf(settings);
  }
}
