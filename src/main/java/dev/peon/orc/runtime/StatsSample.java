package dev.peon.orc.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * One stats sample. {@code raw} is the engine's stats document as plain JSON-compatible maps and
 * lists; the other fields are derived from it.
 */
public record StatsSample(
    Map<String, Object> raw,
    double cpuPercent,
    double memoryPercent,
    long memoryBytes,
    long networkRxBytes,
    long networkTxBytes,
    Instant takenAt) {}
