package dev.peon.orc.http;

import java.util.Map;
import java.util.function.Function;

/**
 * Authentication, authorization and audit at the edge, in HTTP-neutral words, so the {@code auth}
 * and {@code audit} features plug in without depending on Javalin.
 */
public interface Guard {

  /** The outcome of authenticating a request. */
  enum Outcome {
    ALLOWED,
    DENIED,
    THROTTLED,
    FORBIDDEN
  }

  /** The request as the guard sees it. */
  record Caller(
      String address,
      String method,
      String path,
      String requestId,
      Function<String, String> header,
      Function<String, String> cookie) {}

  /**
   * Who is calling; {@code principal} is set when ALLOWED; {@code retryAfter} is how long a
   * THROTTLED caller stays refused.
   */
  record Authentication(
      Outcome outcome, Object principal, String detail, java.time.Duration retryAfter) {
    public Authentication(Outcome outcome, Object principal, String detail) {
      this(outcome, principal, detail, java.time.Duration.ZERO);
    }
  }

  /** A finished request: for the audit log. */
  record Completed(
      Object principal,
      Caller caller,
      String route,
      Map<String, String> pathParams,
      int status,
      String body) {}

  Authentication authenticate(Caller caller);

  /** Whether {@code principal} may call {@code method route} with these path parameters. */
  boolean permits(Object principal, String method, String route, Map<String, String> pathParams);

  /** What a principal may see, for handlers that show more to some callers (secrets). */
  Permissions permissions(Object principal);

  /** Called once for every changing request, and for every refused one. */
  void completed(Completed request);

  /**
   * Whether a principal authenticated earlier still stands: its key not revoked or expired, its
   * user not disabled or deleted. Long-lived connections and tickets ask again before acting.
   */
  default boolean stillValid(Object principal) {
    return true;
  }

  /** A guard that lets everything through (for tests of single features). */
  static Guard open() {
    return new Guard() {
      @Override
      public Authentication authenticate(Caller caller) {
        return new Authentication(Outcome.ALLOWED, null, null);
      }

      @Override
      public boolean permits(Object p, String m, String r, Map<String, String> params) {
        return true;
      }

      @Override
      public Permissions permissions(Object principal) {
        return Permissions.ALL;
      }

      @Override
      public void completed(Completed request) {}
    };
  }

  /** A guard from a plain key check (no roles, no audit). */
  static Guard of(AccessCheck check) {
    return new Guard() {
      @Override
      public Authentication authenticate(Caller caller) {
        String key = caller.header().apply("X-Api-Key");
        String authz = caller.header().apply("Authorization");
        if (key == null && authz != null && authz.startsWith("Bearer ")) {
          key = authz.substring("Bearer ".length()).trim();
        }
        return switch (check.check(caller.address(), key)) {
          case ALLOWED -> new Authentication(Outcome.ALLOWED, null, null);
          case DENIED -> new Authentication(Outcome.DENIED, null, null);
          case THROTTLED -> new Authentication(Outcome.THROTTLED, null, null);
        };
      }

      @Override
      public boolean permits(Object p, String m, String r, Map<String, String> params) {
        return true;
      }

      @Override
      public Permissions permissions(Object principal) {
        return Permissions.ALL;
      }

      @Override
      public void completed(Completed request) {}
    };
  }
}
