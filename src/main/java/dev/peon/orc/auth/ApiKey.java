package dev.peon.orc.auth;

import java.time.Instant;
import java.util.Set;

/**
 * An API key's metadata (the secret is shown once at creation and stored only as a hash).
 *
 * @param scope null = the user's own permissions; otherwise a subset of them
 */
public record ApiKey(
    String id,
    long userId,
    String userName,
    String name,
    Set<Permission> scope,
    Instant expiresAt,
    Instant createdAt,
    Instant lastUsedAt,
    Instant revokedAt) {}
