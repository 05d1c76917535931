package dev.peon.orc.runtime;

/** One progress report of an image pull; {@code current}/{@code total} in bytes, 0 if unknown. */
public record PullProgress(String layer, String status, long current, long total) {}
