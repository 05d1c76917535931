package dev.peon.orc.runtime;

import java.util.List;

/**
 * How a container is locked down.
 *
 * @param init run a small init process as PID 1, so signals reach the game and zombies are reaped
 * @param noNewPrivileges processes can never gain privileges (setuid binaries included)
 * @param capAdd the Linux capabilities kept; every other one is dropped
 */
public record Hardening(boolean init, boolean noNewPrivileges, List<String> capAdd) {
  /** The capabilities game images run with: enough to fix file ownership and switch user. */
  public static final List<String> GAME_CAPABILITIES =
      List.of("CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID", "KILL", "NET_BIND_SERVICE");

  /** Docker's defaults: what a container gets when nothing is said. */
  public static final Hardening NONE = new Hardening(false, false, null);

  public static final Hardening GAME = new Hardening(true, true, GAME_CAPABILITIES);

  public Hardening {
    capAdd = capAdd == null ? null : List.copyOf(capAdd);
  }

  /** True when every capability not in {@link #capAdd} is dropped. */
  public boolean dropsCapabilities() {
    return capAdd != null;
  }
}
