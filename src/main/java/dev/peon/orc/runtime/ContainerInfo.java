package dev.peon.orc.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * What the engine reports about one container. {@code startedAt} is null if never started; {@code
 * node} is the id of the node it is placed on (null on a single engine).
 */
public record ContainerInfo(
    String id,
    String name,
    String image,
    ContainerState state,
    Map<String, String> labels,
    Instant startedAt,
    ExitStatus exitStatus,
    String node) {

  public ContainerInfo {
    labels = Map.copyOf(labels);
  }

  /** A container of a single engine. */
  public ContainerInfo(
      String id,
      String name,
      String image,
      ContainerState state,
      Map<String, String> labels,
      Instant startedAt,
      ExitStatus exitStatus) {
    this(id, name, image, state, labels, startedAt, exitStatus, null);
  }
}
