package dev.peon.orc.schedule;

/** What a schedule does to its server when it falls due. */
public enum ScheduledAction {
  START,
  STOP,
  RESTART
}
