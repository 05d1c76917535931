package dev.peon.orc.schedule;

/**
 * Which API created a schedule. v1 one-shots (the {@code interval}/{@code epoch_time} stops) keep
 * the v1 semantics: they are deleted when they fire, and a new v1 stop replaces the previous one.
 */
public enum ScheduleOrigin {
  V1,
  V2
}
