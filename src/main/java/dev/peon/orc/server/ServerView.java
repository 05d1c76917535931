package dev.peon.orc.server;

import dev.peon.orc.runtime.ContainerState;
import java.time.Instant;
import java.util.Map;

/**
 * A read-only snapshot of one server, built from memory (no Docker call).
 *
 * @param containerState null when the server's container is missing
 * @param serverConfig the {@code config/} values while running (secrets masked unless exposed)
 */
public record ServerView(
    ServerId id,
    ServerDefinition definition,
    ContainerState containerState,
    String containerType,
    String buildVersion,
    Map<String, String> serverConfig,
    Instant startedAt) {

  public boolean running() {
    return containerState == ContainerState.RUNNING;
  }
}
