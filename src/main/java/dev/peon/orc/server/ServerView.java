package dev.peon.orc.server;

import dev.peon.orc.runtime.ContainerState;
import java.time.Instant;
import java.util.Map;

/**
 * A read-only snapshot of one server, built from memory (no Docker call).
 *
 * @param containerState null when the server's container is missing
 * @param serverConfig the {@code config/} values while running (secrets masked unless exposed)
 * @param pendingRecreate the container differs from config.json and is recreated at next start
 */
public record ServerView(
    ServerId id,
    ServerDefinition definition,
    ContainerState containerState,
    String containerType,
    String buildVersion,
    Map<String, String> serverConfig,
    Instant startedAt,
    boolean pendingRecreate) {

  public boolean running() {
    return containerState == ContainerState.RUNNING;
  }
}
