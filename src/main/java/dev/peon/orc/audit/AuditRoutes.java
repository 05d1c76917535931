package dev.peon.orc.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading the audit log.
 *
 * <pre>
 * GET /api/v2/audit          ?actor= &amp;action= (trailing * allowed) &amp;target= &amp;outcome= &amp;from= &amp;to= &amp;after= &amp;limit=
 * GET /api/v2/audit/verify   checks the hash chain
 * GET /api/v2/audit/export   the whole log (or the filtered part) as JSON lines
 * </pre>
 */
public final class AuditRoutes implements Routes {
  private static final int MAX_LIMIT = 1000;
  private final AuditLog audit;
  private final ObjectMapper mapper = new ObjectMapper();

  public AuditRoutes(AuditLog audit) {
    this.audit = audit;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/audit", this::list);
    app.get("/api/v2/audit/verify", this::verify);
    app.get("/api/v2/audit/export", this::export);
  }

  private void list(Context ctx) {
    AuditLog.Query q = query(ctx, 100);
    List<AuditEntry> items = audit.query(q);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("items", items.stream().map(this::json).toList());
    m.put("next", items.size() == q.limit() ? items.get(items.size() - 1).id() : null);
    ctx.json(m);
  }

  private void verify(Context ctx) {
    AuditLog.Verification v = audit.verify();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", v.ok());
    m.put("entries", v.entries());
    m.put("brokenAt", v.brokenAt());
    m.put("reason", v.reason());
    ctx.status(v.ok() ? 200 : 409).json(m);
  }

  private void export(Context ctx) throws IOException {
    AuditLog.Query q = query(ctx, MAX_LIMIT);
    ctx.contentType("application/x-ndjson");
    ctx.header("Content-Disposition", "attachment; filename=peon-audit.jsonl");
    OutputStream out = ctx.res().getOutputStream();
    long after = q.afterId();
    while (true) {
      List<AuditEntry> page =
          audit.query(
              new AuditLog.Query(
                  q.actor(),
                  q.action(),
                  q.target(),
                  q.outcome(),
                  q.from(),
                  q.to(),
                  after,
                  MAX_LIMIT));
      for (AuditEntry e : page) {
        out.write(mapper.writeValueAsBytes(json(e)));
        out.write('\n');
      }
      if (page.size() < MAX_LIMIT) {
        break;
      }
      after = page.get(page.size() - 1).id();
    }
    out.flush();
  }

  private AuditLog.Query query(Context ctx, int defaultLimit) {
    String actor = param(ctx, "actor", "[A-Za-z0-9:._-]{1,64}");
    String action = param(ctx, "action", "[a-z0-9._*-]{1,64}");
    String target = param(ctx, "target", "[A-Za-z0-9:._/-]{1,160}");
    String outcome = param(ctx, "outcome", "success|denied|failure");
    Instant from = time(ctx, "from");
    Instant to = time(ctx, "to");
    String after = param(ctx, "after", "[0-9]{1,18}");
    String limit = param(ctx, "limit", "[0-9]{1,4}");
    int n = limit == null ? defaultLimit : Integer.parseInt(limit);
    if (n < 1 || n > MAX_LIMIT) {
      throw new ProblemException(Problem.invalid("limit", "must be between 1 and " + MAX_LIMIT));
    }
    return new AuditLog.Query(
        actor, action, target, outcome, from, to, after == null ? 0 : Long.parseLong(after), n);
  }

  private static String param(Context ctx, String name, String pattern) {
    String v = ctx.queryParam(name);
    if (v != null && !v.matches(pattern)) {
      throw new ProblemException(Problem.invalid(name, "is not valid"));
    }
    return v;
  }

  private static Instant time(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new ProblemException(Problem.invalid(name, "must be an RFC 3339 UTC time"));
    }
  }

  private Map<String, Object> json(AuditEntry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id());
    m.put("at", e.at().toString());
    m.put("actor", e.actor());
    m.put("keyId", e.keyId());
    m.put("source", e.source());
    m.put("requestId", e.requestId());
    m.put("action", e.action());
    m.put("target", e.target());
    m.put("outcome", e.outcome());
    try {
      m.put("params", mapper.readTree(e.params().getBytes(StandardCharsets.UTF_8)));
    } catch (IOException ex) {
      m.put("params", null);
    }
    m.put("prevHash", e.prevHash());
    m.put("hash", e.hash());
    return m;
  }
}
