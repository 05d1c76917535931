package dev.peon.orc.http;

/**
 * Told about every finished request, for metrics. {@code route} is the matched path template (e.g.
 * {@code /api/v2/servers/{id}}) or {@value #UNMATCHED}, never the raw path, so label values stay
 * bounded.
 */
@FunctionalInterface
public interface RequestObserver {
  String UNMATCHED = "unmatched";

  RequestObserver NONE = (method, route, status, seconds) -> {};

  void observe(String method, String route, int status, double seconds);
}
