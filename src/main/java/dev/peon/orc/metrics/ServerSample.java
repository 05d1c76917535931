package dev.peon.orc.metrics;

/**
 * What the metrics know about one server at the last sample.
 *
 * @param state Docker's word ({@code running}, {@code exited}, ...) or {@code missing}
 */
public record ServerSample(
    String server,
    String game,
    String state,
    double cpuPercent,
    long memoryBytes,
    long networkRxBytes,
    long networkTxBytes) {

  ServerSample withState(String newState) {
    boolean running = "running".equals(newState);
    return new ServerSample(
        server,
        game,
        newState,
        running ? cpuPercent : 0,
        running ? memoryBytes : 0,
        networkRxBytes,
        networkTxBytes);
  }
}
