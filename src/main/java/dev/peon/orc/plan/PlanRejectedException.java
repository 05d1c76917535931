package dev.peon.orc.plan;

/** A plan folder that cannot be deployed; the message names the file and the field. */
public final class PlanRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PlanRejectedException(String message) {
    super(message);
  }
}
