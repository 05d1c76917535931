package dev.peon.orc.metrics;

import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * {@code GET /metrics}: Prometheus text format, no key (like {@code /healthz}; bind to loopback or
 * firewall it).
 */
public final class MetricsRoutes implements Routes {
  public static final String PATH = "/metrics";
  private final Metrics metrics;

  public MetricsRoutes(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void register(Javalin app) {
    app.get(PATH, this::scrape);
  }

  private void scrape(Context ctx) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    metrics.scrape(out);
    ctx.contentType(metrics.contentType()).result(out.toByteArray());
  }
}
