package dev.peon.orc.server;

import dev.peon.orc.cluster.PlacementRequest;
import dev.peon.orc.plan.PlanId;
import java.util.Map;

/**
 * A validated create request.
 *
 * @param name the servername, or null to generate one
 * @param settings user values for plan variables (unknown keys are ignored by the service)
 * @param ports explicit host ports by the plan's port variable name ({@code PORT -> 27016}); every
 *     other port is allocated (plan groups first, then {@code ports.range})
 * @param placement where on a cluster the server may go ({@link PlacementRequest#ANY}: the spread
 *     policy chooses); ignored on a single engine
 */
public record CreateRequest(
    PlanId game,
    String name,
    Map<String, String> settings,
    String description,
    boolean startLater,
    boolean noclean,
    Map<String, Integer> ports,
    PlacementRequest placement) {

  public CreateRequest {
    placement = placement == null ? PlacementRequest.ANY : placement;
    settings = Map.copyOf(settings);
    ports = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ports));
  }

  /** A request placed by the spread policy. */
  public CreateRequest(
      PlanId game,
      String name,
      Map<String, String> settings,
      String description,
      boolean startLater,
      boolean noclean,
      Map<String, Integer> ports) {
    this(game, name, settings, description, startLater, noclean, ports, PlacementRequest.ANY);
  }

  /** A request with every port allocated automatically (the PEON v1 create). */
  public CreateRequest(
      PlanId game,
      String name,
      Map<String, String> settings,
      String description,
      boolean startLater,
      boolean noclean) {
    this(game, name, settings, description, startLater, noclean, Map.of());
  }
}
