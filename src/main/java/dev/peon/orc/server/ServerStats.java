package dev.peon.orc.server;

import java.util.Map;

/** A stats sample of a server for the API; {@code raw} is the engine's own document. */
public record ServerStats(
    Map<String, Object> raw,
    double cpuPercent,
    double memoryPercent,
    long memoryBytes,
    long networkRxBytes,
    long networkTxBytes,
    long uptimeSeconds) {}
