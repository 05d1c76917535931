package dev.peon.orc.runtime;

/** A host path mounted into a container. */
public record BindMount(String hostPath, String containerPath, boolean readOnly) {}
