package dev.peon.orc.cluster;

/** No node can take a server, and why. */
public final class PlacementException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** The asked node is not in the cluster. */
    UNKNOWN_NODE,
    /** The asked node is down, drained or paused. */
    UNAVAILABLE,
    /** No node is schedulable (or none carries the asked labels). */
    NO_NODE
  }

  private final Reason reason;

  public PlacementException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
