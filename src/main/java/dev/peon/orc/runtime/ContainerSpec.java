package dev.peon.orc.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to create. {@code env} entries are {@code NAME=value} in order; ports are published with
 * host port equal to container port.
 *
 * @param limits resource limits ({@link ResourceLimits#NONE}: none)
 * @param hardening how the container is locked down ({@link Hardening#NONE}: Docker's defaults)
 * @param node the id of the node to run on (a cluster runtime pins the server there); null: the
 *     runtime's only or default node
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
    boolean openStdin,
    ResourceLimits limits,
    Hardening hardening,
    String node) {

  public ContainerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(image, "image");
    env = List.copyOf(env);
    ports = List.copyOf(ports);
    mounts = List.copyOf(mounts);
    labels = Map.copyOf(labels);
    limits = limits == null ? ResourceLimits.NONE : limits;
    hardening = hardening == null ? Hardening.NONE : hardening;
  }

  /** A container on the runtime's default node. */
  public ContainerSpec(
      String name,
      String hostname,
      String image,
      List<String> env,
      List<PortBinding> ports,
      List<BindMount> mounts,
      String user,
      Map<String, String> labels,
      String network,
      boolean openStdin,
      ResourceLimits limits,
      Hardening hardening) {
    this(
        name, hostname, image, env, ports, mounts, user, labels, network, openStdin, limits,
        hardening, null);
  }

  /** A container without limits and with Docker's default security. */
  public ContainerSpec(
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
    this(
        name,
        hostname,
        image,
        env,
        ports,
        mounts,
        user,
        labels,
        network,
        openStdin,
        ResourceLimits.NONE,
        Hardening.NONE);
  }

  public ContainerSpec withLabels(Map<String, String> newLabels) {
    return new ContainerSpec(
        name, hostname, image, env, ports, mounts, user, newLabels, network, openStdin, limits,
        hardening, node);
  }

  /** The same container pinned to {@code nodeId} (null: the runtime's default node). */
  public ContainerSpec withNode(String nodeId) {
    return new ContainerSpec(
        name, hostname, image, env, ports, mounts, user, labels, network, openStdin, limits,
        hardening, nodeId);
  }
}
