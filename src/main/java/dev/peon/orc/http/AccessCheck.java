package dev.peon.orc.http;

/** Decides whether a request may proceed, from its source address and presented key. */
public interface AccessCheck {

  /** The outcome of a check. */
  enum Outcome {
    ALLOWED,
    DENIED,
    THROTTLED
  }

  Outcome check(String sourceAddress, String presentedKey);
}
