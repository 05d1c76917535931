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
  public record Ticket(String value, Instant expiresAt, ServerId server, Object principal) {}

  public ConsoleTickets(Clock clock) {
    this.clock = clock;
  }

  /** Issues a ticket, bound to {@code server} unless null. */
  public synchronized Ticket issue(ServerId server) {
    return issue(server, null);
  }

  /** Issues a ticket for {@code principal} (who asked for it), bound to {@code server}. */
  public synchronized Ticket issue(ServerId server, Object principal) {
    Instant now = clock.instant();
    outstanding.values().removeIf(t -> !t.expiresAt().isAfter(now));
    if (outstanding.size() >= MAX_OUTSTANDING) {
      throw new ConsoleException(
          ConsoleException.Kind.RATE_LIMITED, "Too many outstanding console tickets.");
    }
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Ticket t = new Ticket(value, now.plus(TTL), server, principal);
    outstanding.put(value, t);
    return t;
  }

  @Override
  public synchronized java.util.Optional<Object> redeem(String value, String path) {
    if (value == null) {
      return java.util.Optional.empty();
    }
    Ticket t = outstanding.remove(value);
    if (t == null || !t.expiresAt().isAfter(clock.instant())) {
      return java.util.Optional.empty();
    }
    ServerId target = ConsolePaths.serverOf(path);
    if (target == null || (t.server() != null && !t.server().equals(target))) {
      return java.util.Optional.empty();
    }
    // a ticket acts for whoever asked for it; the route permission is still checked
    return java.util.Optional.of(t.principal() == null ? NO_PRINCIPAL : t.principal());
  }

  /** Stands for a ticket issued without a principal (tests of the console alone). */
  static final Object NO_PRINCIPAL = new Object();

  synchronized int outstanding() {
    return outstanding.size();
  }
}
