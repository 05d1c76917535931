package dev.peon.orc.metrics;

import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.server.ServerId;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A server's short CPU and memory history (needs {@code server.read}):
 *
 * <pre>
 * GET /api/v2/servers/{id}/stats/history   {server, recent: {intervalSeconds, points}, longTerm: {...}}
 * </pre>
 */
public final class StatsHistoryRoutes implements Routes {
  public static final String PATH = "/api/v2/servers/{id}/stats/history";
  private final StatsHistory history;
  private final Predicate<ServerId> exists;

  public StatsHistoryRoutes(StatsHistory history, Predicate<ServerId> exists) {
    this.history = history;
    this.exists = exists;
  }

  @Override
  public void register(Javalin app) {
    app.get(PATH, this::history);
  }

  private void history(Context ctx) {
    ServerId id;
    try {
      id = ServerId.parse(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.invalid("id", e.getMessage()));
    }
    if (!exists.test(id)) {
      throw new ProblemException(Problem.of("not-found", 404, "No such server: " + id.uid()));
    }
    StatsHistory.Series s =
        history.of(id.uid()).orElse(new StatsHistory.Series(List.of(), List.of()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server", id.uid());
    m.put("recent", series(Metrics.SAMPLE_SECONDS, s.recent()));
    m.put("longTerm", series(StatsHistory.BUCKET.toSeconds(), s.longTerm()));
    ctx.json(m);
  }

  private static Map<String, Object> series(long seconds, List<StatsHistory.Point> points) {
    return Map.of(
        "intervalSeconds",
        seconds,
        "points",
        points.stream()
            .map(
                p ->
                    Map.of(
                        "at", p.at().toString(),
                        "cpuPercent", Math.round(p.cpuPercent() * 100) / 100.0,
                        "memoryBytes", p.memoryBytes()))
            .toList());
  }
}
