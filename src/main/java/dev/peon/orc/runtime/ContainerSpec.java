package dev.peon.orc.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to create. {@code env} entries are {@code NAME=value} in order; ports are published with
 * host port equal to container port.
 */
public record ContainerSpec(
    String name,
    String hostname,
    String image,
    List<String> env,
    List<PortBinding> ports,
    List<BindMount> mounts,
    String user,
    Map<String, String> labels,
    String network,
    boolean openStdin) {

  public ContainerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(image, "image");
    env = List.copyOf(env);
    ports = List.copyOf(ports);
    mounts = List.copyOf(mounts);
    labels = Map.copyOf(labels);
  }
}
