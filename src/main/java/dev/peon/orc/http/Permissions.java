package dev.peon.orc.http;

/** What the caller of a request may do, by permission wire name (e.g. {@code server.secrets}). */
@FunctionalInterface
public interface Permissions {
  Permissions ALL = (permission, server) -> true;

  boolean may(String permission, String server);
}
