package dev.peon.orc.runtime;

import java.time.Instant;
import java.util.Map;

/** What the engine reports about one container. {@code startedAt} is null if never started. */
public record ContainerInfo(
    String id,
    String name,
    String image,
    ContainerState state,
    Map<String, String> labels,
    Instant startedAt,
    ExitStatus exitStatus) {

  public ContainerInfo {
    labels = Map.copyOf(labels);
  }
}
