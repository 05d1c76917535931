package dev.peon.orc.game;

/** A game answered something that its protocol does not allow (or nothing usable). */
public final class ProtocolException extends Exception {
  public ProtocolException(String message) {
    super(message);
  }
}
