package dev.peon.orc.auth;

import java.util.Map;
import java.util.Set;

/**
 * Who is calling, and what they may do.
 *
 * @param userId null for the PEON v1 key from configuration
 * @param keyId the API key used, or null (session or v1 key)
 * @param permissions global permissions (role, narrowed by a key's scope)
 * @param grants per-server permissions (server uid -> permissions), for granted-only roles
 */
public record Principal(
    Long userId,
    String name,
    Role role,
    String keyId,
    Set<Permission> permissions,
    Map<String, Set<Permission>> grants)
    implements dev.peon.orc.http.Actor {

  /** Reading a server and its schedules is not limited to granted servers. */
  private static final Set<Permission> GLOBAL_READS =
      Set.of(Permission.SERVER_READ, Permission.SCHEDULE_READ);

  public Principal {
    permissions = Set.copyOf(permissions);
    grants = Map.copyOf(grants);
  }

  /** Whether this principal holds {@code p}, on {@code server} when given. */
  public boolean may(Permission p, String server) {
    if (!permissions.contains(p)) {
      return false;
    }
    if (!p.perServer() || !role.grantedServersOnly() || GLOBAL_READS.contains(p)) {
      return true;
    }
    if (server == null) {
      // a list: the caller filters by server; creating or global needs a global grant
      return true;
    }
    Set<Permission> g = grants.get(server);
    return g != null && g.contains(p);
  }

  /** The actor as the audit log names it. */
  @Override
  public String actor() {
    return userId == null ? "v1-key" : "user:" + name;
  }
}
