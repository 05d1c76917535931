package dev.peon.orc.node;

import dev.peon.orc.cluster.PlacementRequest;
import dev.peon.orc.http.JsonInput;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Routes;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.runtime.NodeInfo;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerRoutes;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code /api/v2} node resources.
 *
 * <pre>
 * GET  /api/v2/nodes                     every node with what is placed on it
 * GET  /api/v2/nodes/{node}              one node (id or host name)
 * POST /api/v2/nodes/{node}/drain        -> 202 operation node.drain (its servers move away)
 * POST /api/v2/nodes/{node}/activate     200: takes servers again
 * POST /api/v2/servers/{id}/move         {"placement"?} -> 202 operation server.move
 * </pre>
 */
public final class NodeRoutes implements Routes {
  private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private final NodeService nodes;
  private final OperationService operations;

  public NodeRoutes(NodeService nodes, OperationService operations) {
    this.nodes = nodes;
    this.operations = operations;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/nodes", this::list);
    app.get("/api/v2/nodes/{node}", ctx -> ctx.json(nodes.json(nodes.get(node(ctx)))));
    app.post("/api/v2/nodes/{node}/drain", this::drain);
    app.post("/api/v2/nodes/{node}/activate", this::activate);
    app.post("/api/v2/servers/{id}/move", this::move);
  }

  private void list(Context ctx) {
    List<Map<String, Object>> items = nodes.list().stream().map(nodes::json).toList();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("clustered", nodes.directory().clustered());
    out.put("items", items);
    ctx.json(out);
  }

  private void drain(Context ctx) {
    String node = node(ctx);
    JsonInput.parse(ctx.body()).finish();
    NodeInfo n = nodes.get(node);
    if (!nodes.directory().clustered()) {
      throw new Problem.ProblemException(
          Problem.of(
              "invalid-request",
              400,
              "This orchestrator runs on a single engine (runtime=docker); only a Swarm node can"
                  + " be drained."));
    }
    ServerRoutes.accepted(
        ctx,
        operations.submit(
            "node.drain", null, false, progress -> nodes.drain(n.id(), progress::report)));
  }

  private void activate(Context ctx) {
    String node = node(ctx);
    JsonInput.parse(ctx.body()).finish();
    ctx.json(nodes.json(nodes.setAvailability(node, NodeInfo.Availability.ACTIVE)));
  }

  private void move(Context ctx) {
    ServerId id = serverId(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    PlacementRequest placement = ServerRoutes.placementInput(in);
    in.finish();
    // checked now, so a move that cannot happen answers at once and changes nothing
    nodes.checkMove(id, placement);
    ServerRoutes.accepted(
        ctx,
        operations.submit(
            "server.move",
            id.uid(),
            true,
            progress -> NodeService.json(nodes.move(id, placement, progress::report))));
  }

  private static String node(Context ctx) {
    String n = ctx.pathParam("node");
    if (!NODE.matcher(n).matches()) {
      throw new Problem.ProblemException(
          Problem.invalid("node", "must be a node id or host name (letters, digits, . _ -)"));
    }
    return n;
  }

  private static ServerId serverId(Context ctx) {
    try {
      return ServerId.parse(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw new Problem.ProblemException(Problem.invalid("id", e.getMessage()));
    }
  }
}
