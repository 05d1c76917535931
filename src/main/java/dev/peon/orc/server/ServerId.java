package dev.peon.orc.server;

import dev.peon.orc.plan.PlanId;
import java.util.regex.Pattern;

/**
 * A server id {@code <game_uid>.<servername>}, validated at construction. Container, network and
 * folder names are derived from it here and nowhere else.
 */
public record ServerId(PlanId game, String name) implements Comparable<ServerId> {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  public static final String CONTAINER_PREFIX = "peon.warcamp.";

  public ServerId {
    if (game == null) {
      throw new IllegalArgumentException("game_uid is required");
    }
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid servername: must match [a-z0-9][a-z0-9_-]* and be at most 63 characters");
    }
  }

  /** Parses {@code game.name}; throws {@link IllegalArgumentException} with a clear message. */
  public static ServerId parse(String uid) {
    if (uid == null || uid.length() > 127) {
      throw new IllegalArgumentException("invalid server uid");
    }
    int dot = uid.indexOf('.');
    if (dot < 0) {
      throw new IllegalArgumentException("invalid server uid: expected <game_uid>.<servername>");
    }
    return new ServerId(new PlanId(uid.substring(0, dot)), uid.substring(dot + 1));
  }

  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /** {@code game.name}, the PEON server uid. */
  public String uid() {
    return game.value() + "." + name;
  }

  /** Container name and hostname: {@code peon.warcamp.<game>.<name>}. */
  public String containerName() {
    return CONTAINER_PREFIX + uid();
  }

  /** Per-server network name {@code <game>_<name>}. */
  public String networkName() {
    return game.value() + "_" + name;
  }

  @Override
  public int compareTo(ServerId o) {
    int c = game.compareTo(o.game);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return uid();
  }
}
