package dev.peon.orc.server;

import java.util.List;
import java.util.Locale;

/** Decides which setting names hold secrets, so their values are masked. */
public final class SecretNames {
  public static final String MASK = "********";
  private static final List<String> MARKERS =
      List.of("pass", "secret", "token", "key", "gslt", "rcon", "auth", "credential", "cookie");

  private SecretNames() {}

  public static boolean isSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (String m : MARKERS) {
      if (n.contains(m)) {
        return true;
      }
    }
    return false;
  }
}
