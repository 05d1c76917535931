package dev.peon.orc.runtime;

/** How a container last ended. */
public record ExitStatus(long code, boolean oomKilled) {}
