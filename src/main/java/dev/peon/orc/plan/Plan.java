package dev.peon.orc.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * A parsed, deployable plan. {@code raw} is the plan.json tree as read (a defensive copy is made by
 * those who change it); {@code folder} holds {@code actions/} and {@code data/}.
 */
public record Plan(
    PlanId id,
    String image,
    String version,
    String description,
    String mode,
    List<PortGroup> portGroups,
    List<PlanVariable> environment,
    List<VolumeMount> volumes,
    List<VolumeMount> files,
    ObjectNode raw,
    Path folder,
    List<String> warnings) {

  public Plan {
    portGroups = List.copyOf(portGroups);
    environment = List.copyOf(environment);
    volumes = List.copyOf(volumes);
    files = List.copyOf(files);
    warnings = List.copyOf(warnings);
  }

  /** Names of variables the user must supply ({@code null} default), never {@code STEAM_ID}. */
  public List<String> requiredVariables() {
    return environment.stream()
        .filter(PlanVariable::required)
        .map(PlanVariable::name)
        .filter(n -> !n.equals(PlanVariable.STEAM_ID))
        .toList();
  }
}
