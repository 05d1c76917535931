package dev.peon.orc.plan;

/** One entry of plans.json: what the PEON clients list. */
public record RegistryEntry(String title, String gameUid, String planUrl) {}
