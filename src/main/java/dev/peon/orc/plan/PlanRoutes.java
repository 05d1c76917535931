package dev.peon.orc.plan;

import dev.peon.orc.event.EventBus;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationJson;
import dev.peon.orc.operation.OperationService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The {@code /api/v2} plan resources.
 *
 * <pre>
 * GET  /api/v2/plans          every loadable plan with its registry title and warnings
 * GET  /api/v2/plans/{id}     the full schema of one plan
 * POST /api/v2/plans/sync     refresh from the source, as an operation (202)
 * </pre>
 */
public final class PlanRoutes implements Routes {
  private final PlanCatalog plans;
  private final OperationService operations;
  private final EventBus events;

  public PlanRoutes(PlanCatalog plans, OperationService operations, EventBus events) {
    this.plans = plans;
    this.operations = operations;
    this.events = events;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/plans", this::list);
    app.get("/api/v2/plans/{id}", this::get);
    app.post("/api/v2/plans/sync", this::sync);
  }

  private void list(Context ctx) {
    Map<String, RegistryEntry> registered =
        plans.registry().stream()
            .collect(Collectors.toMap(RegistryEntry::gameUid, Function.identity(), (a, b) -> a));
    List<Map<String, Object>> items = new ArrayList<>();
    for (Plan p : plans.plans()) {
      RegistryEntry r = registered.get(p.id().value());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", p.id().value());
      m.put("title", r == null ? p.id().value() : r.title());
      m.put("image", p.image());
      m.put("version", p.version());
      m.put("description", p.description());
      m.put("registered", r != null);
      m.put("warnings", p.warnings());
      items.add(m);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", items);
    body.put("hint", plans.emptyHint().orElse(null));
    ctx.json(body);
  }

  private void get(Context ctx) {
    String raw = ctx.pathParam("id");
    if (!PlanId.isValid(raw)) {
      throw new ProblemException(Problem.invalid("id", "is not a valid plan id"));
    }
    Plan p =
        plans
            .find(new PlanId(raw))
            .orElseThrow(
                () ->
                    new ProblemException(
                        Problem.of("not-found", 404, "There is no plan " + raw + ".")));
    String title =
        plans.registry().stream()
            .filter(e -> e.gameUid().equals(raw))
            .map(RegistryEntry::title)
            .findFirst()
            .orElse(raw);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", raw);
    m.put("title", title);
    m.put("image", p.image());
    m.put("version", p.version());
    m.put("description", p.description());
    m.put("mode", p.mode());
    List<Map<String, Object>> vars = new ArrayList<>();
    for (PlanVariable v : p.environment()) {
      if (v.name().equals(PlanVariable.STEAM_ID)) {
        continue;
      }
      Map<String, Object> vm = new LinkedHashMap<>();
      vm.put("name", v.name());
      vm.put("required", v.required());
      vm.put("default", v.defaultValue());
      vars.add(vm);
    }
    m.put("variables", vars);
    List<List<Map<String, Object>>> groups = new ArrayList<>();
    for (PortGroup g : p.portGroups()) {
      List<Map<String, Object>> entries = new ArrayList<>();
      for (PortEntry e : g.entries()) {
        Map<String, Object> em = new LinkedHashMap<>();
        em.put("name", e.name());
        em.put("port", e.port());
        em.put("protocol", e.protocol().name().toLowerCase(java.util.Locale.ROOT));
        entries.add(em);
      }
      groups.add(entries);
    }
    m.put("portGroups", groups);
    m.put("volumes", mounts(p.volumes()));
    m.put("files", mounts(p.files()));
    m.put("warnings", p.warnings());
    ctx.json(m);
  }

  private static List<Map<String, Object>> mounts(List<VolumeMount> list) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (VolumeMount v : list) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("source", v.source());
      m.put("target", v.target());
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> problem(PlanProblem p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("plan", p.plan());
    m.put("file", p.file());
    m.put("line", p.line());
    m.put("column", p.column());
    m.put("message", p.message());
    m.put("kept", p.kept());
    return m;
  }

  /** A failed sync in problem-details words, with the reason the source could not be read. */
  public static Operation.OperationError operationError(PlanSyncException e) {
    return new Operation.OperationError(
        "upstream-failure",
        "Upstream failure",
        e.getMessage()
            + " (reason: "
            + e.reason().wire()
            + "). Current plans are unchanged; the source is set by plans.source.");
  }

  private void sync(Context ctx) {
    Operation op =
        operations.submit(
            "plans.sync",
            null,
            false,
            progress -> {
              progress.report(null, "syncing plans");
              PlanSyncResult result = plans.refresh();
              List<String> added = result.added().stream().map(RegistryEntry::gameUid).toList();
              events.publish("plans.synced", null, Map.of("added", added));
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("added", added);
              m.put("plans", result.plans());
              m.put("problems", result.problems().stream().map(PlanRoutes::problem).toList());
              return m;
            });
    ctx.status(202);
    ctx.header("Location", "/api/v2/operations/" + op.id());
    ctx.json(OperationJson.of(op));
  }
}
