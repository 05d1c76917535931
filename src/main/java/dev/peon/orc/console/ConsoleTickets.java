package dev.peon.orc.console;

import dev.peon.orc.http.UpgradeTickets;
import dev.peon.orc.server.ServerId;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Console tickets for browsers: issued to a caller holding the API key, valid {@link #TTL}, used
 * once, optionally bound to one server. At most {@link #MAX_OUTSTANDING} are outstanding.
 */
public final class ConsoleTickets implements UpgradeTickets {
  static final Duration TTL = Duration.ofSeconds(30);
  static final int MAX_OUTSTANDING = 10_000;

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Ticket> outstanding = new HashMap<>();

  /** An issued ticket; {@code server} is null when it is valid for any server's console. */
  public record Ticket(String value, Instant expiresAt, ServerId server) {}

  public ConsoleTickets(Clock clock) {
    this.clock = clock;
  }

  /** Issues a ticket, bound to {@code server} unless null. */
  public synchronized Ticket issue(ServerId server) {
    Instant now = clock.instant();
    outstanding.values().removeIf(t -> !t.expiresAt().isAfter(now));
    if (outstanding.size() >= MAX_OUTSTANDING) {
      throw new ConsoleException(
          ConsoleException.Kind.RATE_LIMITED, "Too many outstanding console tickets.");
    }
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Ticket t = new Ticket(value, now.plus(TTL), server);
    outstanding.put(value, t);
    return t;
  }

  @Override
  public synchronized boolean redeem(String value, String path) {
    if (value == null) {
      return false;
    }
    Ticket t = outstanding.remove(value);
    if (t == null || !t.expiresAt().isAfter(clock.instant())) {
      return false;
    }
    ServerId target = ConsolePaths.serverOf(path);
    if (target == null) {
      return false;
    }
    return t.server() == null || t.server().equals(target);
  }

  synchronized int outstanding() {
    return outstanding.size();
  }
}
