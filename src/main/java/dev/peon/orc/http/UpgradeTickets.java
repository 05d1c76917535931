package dev.peon.orc.http;

/**
 * Redeems short-lived, single-use tickets that let a browser open a WebSocket without custom
 * headers. A ticket is consumed by any attempt, valid or not.
 */
public interface UpgradeTickets {
  /**
   * The principal the ticket was issued to, when {@code ticket} is valid for a WebSocket upgrade to
   * {@code path}; empty otherwise.
   */
  java.util.Optional<Object> redeem(String ticket, String path);

  /** Accepts no ticket. */
  UpgradeTickets NONE = (ticket, path) -> java.util.Optional.empty();
}
