package dev.peon.orc.auth;

import static dev.peon.orc.auth.Permission.*;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Built-in roles. An operator's server permissions apply only to the servers granted to it; the
 * other roles hold their permissions on every server.
 */
public enum Role {
  OWNER(EnumSet.allOf(Permission.class), false),
  ADMIN(EnumSet.complementOf(EnumSet.of(USER_ADMIN)), false),
  OPERATOR(
      EnumSet.of(
          SERVER_READ,
          SERVER_POWER,
          SERVER_CONSOLE,
          BACKUP_READ,
          BACKUP_CREATE,
          BACKUP_RESTORE,
          SCHEDULE_READ,
          PLAN_READ,
          SYSTEM_READ),
      true),
  VIEWER(EnumSet.of(SERVER_READ, BACKUP_READ, SCHEDULE_READ, PLAN_READ, SYSTEM_READ), false);

  private final Set<Permission> permissions;
  private final boolean grantedServersOnly;

  Role(Set<Permission> permissions, boolean grantedServersOnly) {
    this.permissions = Set.copyOf(permissions);
    this.grantedServersOnly = grantedServersOnly;
  }

  public Set<Permission> permissions() {
    return permissions;
  }

  /** True when the role's per-server permissions hold only on granted servers. */
  public boolean grantedServersOnly() {
    return grantedServersOnly;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role fromWire(String s) {
    return Role.valueOf(s.toUpperCase(Locale.ROOT));
  }
}
