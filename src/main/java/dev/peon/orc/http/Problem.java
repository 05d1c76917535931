package dev.peon.orc.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An RFC 9457 problem: {@code type} is a slug under {@value #TYPE_BASE}.
 *
 * @param extensions extra members such as {@code operationId} or {@code holder}
 */
public record Problem(
    String type,
    int status,
    String title,
    String detail,
    List<FieldError> errors,
    Map<String, Object> extensions) {
  public static final String TYPE_BASE = "https://peon.dev/problems/";

  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
    extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
  }

  /** One invalid field. */
  public record FieldError(String field, String message) {}

  public static Problem of(String type, int status, String detail) {
    return new Problem(type, status, titleOf(type), detail, List.of(), Map.of());
  }

  public static Problem invalid(String field, String message) {
    return new Problem(
        "invalid-request",
        400,
        titleOf("invalid-request"),
        field + " " + message,
        List.of(new FieldError(field, message)),
        Map.of());
  }

  public Problem with(String key, Object value) {
    Map<String, Object> m = new java.util.LinkedHashMap<>(extensions);
    m.put(key, value);
    return new Problem(type, status, title, detail, errors, m);
  }

  static String titleOf(String type) {
    return switch (type) {
      case "invalid-request" -> "Invalid request";
      case "unauthorized" -> "Unauthorized";
      case "forbidden" -> "Forbidden";
      case "not-found" -> "Not found";
      case "method-not-allowed" -> "Method not allowed";
      case "conflict" -> "Conflict";
      case "busy" -> "Busy";
      case "ports-used" -> "Ports in use";
      case "rate-limited" -> "Too many requests";
      case "upstream-failure" -> "Upstream failure";
      default -> {
        String t = type.replace('-', ' ');
        yield t.isEmpty() ? "Error" : t.substring(0, 1).toUpperCase(Locale.ROOT) + t.substring(1);
      }
    };
  }

  /** Thrown by handlers; rendered as {@code application/problem+json}. */
  public static final class ProblemException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Problem problem;

    public ProblemException(Problem problem) {
      super(problem.detail(), null, false, false);
      this.problem = problem;
    }

    public Problem problem() {
      return problem;
    }
  }
}
