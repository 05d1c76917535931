package dev.peon.orc.auth;

import static dev.peon.orc.auth.Permission.*;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which permission each route needs, in one table. A route missing here is refused (fail closed);
 * the permission matrix test checks that every registered route is listed.
 */
public final class RoutePolicy {

  /**
   * What a route needs.
   *
   * @param action the audit action name
   * @param permission null = any authenticated caller
   * @param serverParam the path parameter naming the server, or null
   */
  public record Rule(String action, Permission permission, String serverParam) {}

  private final Map<String, Rule> rules = new HashMap<>();

  public RoutePolicy() {
    for (String v1 : new String[] {"/api/v1", "/api/1.0"}) {
      add("GET", v1 + "/orchestrator", "orchestrator.read", SYSTEM_READ, null);
      add("GET", v1 + "/servers", "servers.list", SERVER_READ, null);
      add("PUT", v1 + "/servers", "servers.import", SERVER_CREATE, null);
      add("GET", v1 + "/server/{action}/<uid>", "server.read", SERVER_READ, "uid");
      add("POST", v1 + "/server/create", "server.create", SERVER_CREATE, null);
      add("PUT", v1 + "/server/{action}/<uid>", "server.action", SERVER_READ, "uid");
      add("DELETE", v1 + "/server/{action}/<uid>", "server.delete", SERVER_DELETE, "uid");
      add("GET", v1 + "/plans", "plans.list", PLAN_READ, null);
      add("PUT", v1 + "/plans", "plans.sync", PLAN_SYNC, null);
      add("GET", v1 + "/plan/{game}", "plan.read", PLAN_READ, null);
      add("GET", v1 + "/server/logs/<uid>", "server.logs", SERVER_CONSOLE, "uid");
      add("GET", v1 + "/ws/console/<uid>", "server.console", SERVER_CONSOLE, "uid");
    }
    String s = "/api/v2/servers";
    add("GET", s, "servers.list", SERVER_READ, null);
    add("POST", s, "server.create", SERVER_CREATE, null);
    add("GET", s + "/{id}", "server.read", SERVER_READ, "id");
    add("PATCH", s + "/{id}", "server.settings", SERVER_SETTINGS, "id");
    add("DELETE", s + "/{id}", "server.delete", SERVER_DELETE, "id");
    add("GET", s + "/{id}/stats/history", "server.stats", SERVER_READ, "id");
    add("POST", s + "/{id}/power", "server.power", SERVER_POWER, "id");
    add("POST", s + "/{id}/update", "server.update", SERVER_UPDATE, "id");
    add("GET", s + "/{id}/schedules", "schedules.list", SCHEDULE_READ, "id");
    add("POST", s + "/{id}/schedules", "schedule.create", SCHEDULE_WRITE, "id");
    add("GET", s + "/{id}/schedules/{sid}", "schedule.read", SCHEDULE_READ, "id");
    add("PATCH", s + "/{id}/schedules/{sid}", "schedule.change", SCHEDULE_WRITE, "id");
    add("DELETE", s + "/{id}/schedules/{sid}", "schedule.delete", SCHEDULE_WRITE, "id");
    add("GET", s + "/{id}/console", "server.console", SERVER_CONSOLE, "id");
    add("GET", s + "/{id}/logs", "server.logs", SERVER_CONSOLE, "id");
    add("GET", s + "/{id}/logs/download", "server.logs", SERVER_CONSOLE, "id");
    add("POST", s + "/{id}/command", "server.command", SERVER_CONSOLE, "id");
    add("GET", s + "/{id}/game", "server.game.read", SERVER_READ, "id");
    add("PUT", s + "/{id}/game/settings", "server.game.settings", SERVER_SETTINGS, "id");
    add("GET", s + "/{id}/players", "server.players", SERVER_READ, "id");
    add("POST", s + "/{id}/sleep", "server.sleep", SERVER_POWER, "id");
    add("POST", "/api/v2/console/tickets", "console.ticket", SERVER_CONSOLE, null);
    String b = s + "/{id}/backups/{bid}";
    add("GET", s + "/{id}/backups", "backups.list", BACKUP_READ, "id");
    add("POST", s + "/{id}/backups", "backup.create", BACKUP_CREATE, "id");
    add("POST", s + "/{id}/backups/upload", "backup.upload", BACKUP_CREATE, "id");
    add("GET", s + "/{id}/backup-policy", "backup.policy.read", BACKUP_READ, "id");
    add("PUT", s + "/{id}/backup-policy", "backup.policy.change", BACKUP_CREATE, "id");
    add("GET", b, "backup.read", BACKUP_READ, "id");
    add("DELETE", b, "backup.delete", BACKUP_DELETE, "id");
    add("POST", b + "/lock", "backup.lock", BACKUP_CREATE, "id");
    add("POST", b + "/unlock", "backup.unlock", BACKUP_DELETE, "id");
    // an archive and its manifest hold config.json with every setting in clear
    add("GET", b + "/download", "backup.download", SERVER_SECRETS, "id");
    add("GET", b + "/manifest", "backup.manifest", SERVER_SECRETS, "id");
    add("POST", b + "/restore", "backup.restore", BACKUP_RESTORE, "id");
    add("GET", "/api/v2/operations", "operations.list", SERVER_READ, null);
    add("GET", "/api/v2/operations/{opId}", "operation.read", SERVER_READ, null);
    add("GET", "/api/v2/plans", "plans.list", PLAN_READ, null);
    add("GET", "/api/v2/plans/{id}", "plan.read", PLAN_READ, null);
    add("POST", "/api/v2/plans/sync", "plans.sync", PLAN_SYNC, null);
    add("GET", "/api/v2/events", "events.follow", SERVER_READ, null);
    add("GET", "/api/v2/system", "system.read", SYSTEM_READ, null);
    add("GET", "/api/v2/nodes", "nodes.list", SYSTEM_READ, null);
    add("GET", "/api/v2/nodes/{node}", "node.read", SYSTEM_READ, null);
    add("POST", "/api/v2/nodes/{node}/drain", "node.drain", NODE_ADMIN, null);
    add("POST", "/api/v2/nodes/{node}/activate", "node.activate", NODE_ADMIN, null);
    add("POST", s + "/{id}/move", "server.move", NODE_ADMIN, "id");
    add("GET", "/api/v2/users", "users.list", USER_ADMIN, null);
    add("POST", "/api/v2/users", "user.create", USER_ADMIN, null);
    add("GET", "/api/v2/users/{userId}", "user.read", USER_ADMIN, null);
    add("PATCH", "/api/v2/users/{userId}", "user.change", USER_ADMIN, null);
    add("DELETE", "/api/v2/users/{userId}", "user.delete", USER_ADMIN, null);
    add("PUT", "/api/v2/users/{userId}/grants/{server}", "user.grants", USER_ADMIN, null);
    add("GET", "/api/v2/keys", "keys.list", null, null);
    add("POST", "/api/v2/keys", "key.create", null, null);
    add("DELETE", "/api/v2/keys/{keyId}", "key.revoke", null, null);
    add("GET", "/api/v2/me", "me.read", null, null);
    add("POST", "/api/v2/logout", "logout", null, null);
    add("GET", "/api/v2/audit", "audit.read", AUDIT_READ, null);
    add("GET", "/api/v2/audit/verify", "audit.verify", AUDIT_READ, null);
    add("GET", "/api/v2/audit/export", "audit.export", AUDIT_READ, null);
    // webhooks: the global ones need webhook.admin, a server's need server.settings on it
    String gw = "/api/v2/webhooks";
    String sw = s + "/{id}/webhooks";
    for (String[] w : new String[][] {{gw, null}, {sw, "id"}}) {
      Permission p = w[1] == null ? WEBHOOK_ADMIN : SERVER_SETTINGS;
      add("GET", w[0], "webhooks.list", p, w[1]);
      add("POST", w[0], "webhook.create", p, w[1]);
      add("GET", w[0] + "/{wid}", "webhook.read", p, w[1]);
      add("PATCH", w[0] + "/{wid}", "webhook.change", p, w[1]);
      add("DELETE", w[0] + "/{wid}", "webhook.delete", p, w[1]);
      add("POST", w[0] + "/{wid}/test", "webhook.test", p, w[1]);
      add("GET", w[0] + "/{wid}/deliveries", "webhook.deliveries", p, w[1]);
    }
  }

  private void add(String method, String route, String action, Permission p, String serverParam) {
    rules.put(method + " " + route, new Rule(action, p, serverParam));
  }

  public Optional<Rule> rule(String method, String route) {
    return Optional.ofNullable(rules.get(method + " " + route));
  }

  /** Every route the policy knows, as {@code METHOD /path}. */
  public Set<String> routes() {
    return Set.copyOf(rules.keySet());
  }

  /**
   * The permission actually needed: v1 packs many actions into one route, told apart by the {@code
   * action} path parameter.
   */
  public static Permission effective(Rule rule, String method, Map<String, String> params) {
    if (rule.action().equals("server.action")) {
      return switch (params.getOrDefault("action", "")) {
        case "create" -> SERVER_CREATE;
        case "start", "stop", "restart" -> SERVER_POWER;
        case "update" -> SERVER_UPDATE;
        case "description" -> SERVER_SETTINGS;
        default -> SERVER_READ;
      };
    }
    if (rule.action().equals("server.read")
        && method.equals("GET")
        && "save".equals(params.get("action"))) {
      return SERVER_SECRETS; // the zip holds config.json with every setting in clear
    }
    return rule.permission();
  }

  /** The audit action name, refined for v1's packed routes. */
  public static String action(Rule rule, Map<String, String> params) {
    if (rule.action().equals("server.action") || rule.action().equals("server.delete")) {
      String a = params.get("action");
      return a != null && a.matches("[a-z]{1,20}") ? "server." + a : rule.action();
    }
    return rule.action();
  }
}
