package dev.peon.orc.server;

import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.plan.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a server's {@code config.json} says: everything needed to (re)create its container.
 *
 * @param environment plan defaults overlaid with the user's values, in plan order
 * @param ports the selected port group, flattened
 * @param limits the server's own resource limits (unset values: the orchestrator's defaults)
 */
public record ServerDefinition(
    ServerId id,
    String image,
    String description,
    Map<String, String> environment,
    List<PortEntry> ports,
    List<VolumeMount> volumes,
    List<VolumeMount> files,
    ResourceSettings limits) {

  public ServerDefinition {
    environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    ports = List.copyOf(ports);
    volumes = List.copyOf(volumes);
    files = List.copyOf(files);
    limits = limits == null ? ResourceSettings.DEFAULTS : limits;
  }

  /** The container environment: one {@code NAME=port} per port (first wins), then the plan's. */
  public List<String> containerEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    for (PortEntry p : ports) {
      env.putIfAbsent(p.name(), Integer.toString(p.port()));
    }
    List<String> out = new ArrayList<>();
    env.forEach((k, v) -> out.add(k + "=" + v));
    environment.forEach((k, v) -> out.add(k + "=" + (v == null ? "" : v)));
    return out;
  }

  public ServerDefinition withDescription(String newDescription) {
    return new ServerDefinition(
        id, image, newDescription, environment, ports, volumes, files, limits);
  }
}
