package dev.peon.orc.auth;

import java.util.Locale;

/**
 * The permission catalogue. {@code server.*} permissions can be granted per server; the others are
 * global.
 */
public enum Permission {
  SERVER_READ(true),
  SERVER_SECRETS(true),
  SERVER_CREATE(false),
  SERVER_SETTINGS(true),
  SERVER_DELETE(true),
  SERVER_POWER(true),
  SERVER_UPDATE(true),
  SERVER_CONSOLE(true),
  BACKUP_READ(true),
  BACKUP_CREATE(true),
  BACKUP_RESTORE(true),
  BACKUP_DELETE(true),
  SCHEDULE_READ(true),
  SCHEDULE_WRITE(true),
  PLAN_READ(false),
  PLAN_SYNC(false),
  SYSTEM_READ(false),
  USER_ADMIN(false),
  KEY_ADMIN(false),
  AUDIT_READ(false),
  WEBHOOK_ADMIN(false),
  /** Drain and activate cluster nodes, move servers between them. */
  NODE_ADMIN(false);

  private final boolean perServer;

  Permission(boolean perServer) {
    this.perServer = perServer;
  }

  /** Whether it can be granted on one server. */
  public boolean perServer() {
    return perServer;
  }

  /** The wire name, e.g. {@code server.power}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT).replaceFirst("_", ".");
  }

  public static Permission fromWire(String s) {
    for (Permission p : values()) {
      if (p.wire().equals(s)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown permission: " + s);
  }
}
