package dev.peon.orc.auth;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/** A user account (never carries the password hash). */
public record User(
    long id,
    String name,
    Role role,
    boolean enabled,
    Instant createdAt,
    Map<String, Set<Permission>> grants) {}
