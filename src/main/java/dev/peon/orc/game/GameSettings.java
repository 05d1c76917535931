package dev.peon.orc.game;

import dev.peon.orc.config.AddressRange;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the orchestrator knows about a server's game: its probes, idle stop and wake on connect.
 * Built from a built-in profile (by game), the plan's {@code game} section and the server's own
 * override, merged in that order ({@link GameSettingsParser}).
 *
 * @param profile the built-in profile used, or null
 * @param readiness the probe that tells the game is ready, or null (no game awareness)
 * @param health the probe run once ready, or null for the readiness probe (none after a log probe)
 * @param players the probe that counts players, or null for the first of readiness/health that can
 * @param say the console command template for warnings, {@code {message}} replaced, or null
 */
public record GameSettings(
    String profile,
    ProbeSpec readiness,
    ProbeSpec health,
    ProbeSpec players,
    Idle idle,
    Wake wake,
    String say) {

  public static final GameSettings NONE =
      new GameSettings(null, null, null, null, Idle.OFF, Wake.DEFAULT, null);

  /** The probe run once the game is ready. */
  public ProbeSpec effectiveHealth() {
    if (health != null) {
      return health;
    }
    return readiness == null || readiness.probe() instanceof Probe.LogProbe ? null : readiness;
  }

  /** The probe whose successes tell the players, or null when nothing counts them. */
  public ProbeSpec effectivePlayers() {
    if (players != null) {
      return players;
    }
    ProbeSpec h = effectiveHealth();
    if (h != null && h.probe().countsPlayers()) {
      return h;
    }
    return readiness != null && readiness.probe().countsPlayers() ? readiness : null;
  }

  /**
   * Idle stop.
   *
   * @param after stop once nobody played for this long (null: never)
   * @param warnings how long before the stop to warn, longest first
   * @param backup take a backup before stopping
   */
  public record Idle(Duration after, List<Duration> warnings, boolean backup) {
    public static final Idle OFF = new Idle(null, List.of(), false);

    public Idle {
      warnings = warnings.stream().sorted(java.util.Comparator.reverseOrder()).distinct().toList();
    }

    public boolean enabled() {
      return after != null;
    }
  }

  /** When a stopped server keeps its ports answered and starts at the first real connection. */
  public enum WakeMode {
    /** Never: a stopped server's ports are closed. */
    OFF,
    /** After an idle stop (the default). */
    IDLE,
    /** Whenever the server is stopped, by idle stop or by hand. */
    ALWAYS;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Wake on connect.
   *
   * @param allow source addresses that may wake the server (empty: any)
   * @param maxPerHour wakes allowed per hour (a flood guard)
   */
  public record Wake(WakeMode mode, List<AddressRange> allow, int maxPerHour) {
    public static final Wake DEFAULT = new Wake(WakeMode.IDLE, List.of(), 6);

    public Wake {
      allow = List.copyOf(allow);
      if (maxPerHour < 1) {
        throw new IllegalArgumentException("maxPerHour must be >= 1");
      }
    }
  }
}
