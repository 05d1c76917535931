package dev.peon.orc.operation;

import dev.peon.orc.http.Problem;
import java.util.LinkedHashMap;
import java.util.Map;

/** The wire form of an {@link Operation}. */
public final class OperationJson {
  private OperationJson() {}

  /** The wire form of an operation (shared with the operation routes through this method). */
  public static Map<String, Object> of(Operation op) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", op.id());
    m.put("kind", op.kind());
    m.put("server", op.server());
    m.put("status", op.status().wire());
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("percent", op.progress() == null ? null : op.progress().percent());
    p.put("message", op.progress() == null ? null : op.progress().message());
    if (op.progress() != null && op.progress().step() != null) {
      p.put("step", op.progress().step());
    }
    Operation.Download d = op.progress() == null ? null : op.progress().download();
    if (d != null) {
      Map<String, Object> dm = new LinkedHashMap<>();
      dm.put("bytesDone", d.bytesDone());
      dm.put("bytesTotal", d.bytesTotal());
      dm.put("layersDone", d.layersDone());
      dm.put("layersTotal", d.layersTotal());
      dm.put("bytesPerSecond", d.bytesPerSecond());
      p.put("download", dm);
    }
    m.put("progress", p);
    if (op.error() == null) {
      m.put("error", null);
    } else {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("type", Problem.TYPE_BASE + op.error().type());
      e.put("title", op.error().title());
      e.put("detail", op.error().detail());
      m.put("error", e);
    }
    m.put("result", op.result());
    m.put("createdAt", str(op.createdAt()));
    m.put("startedAt", str(op.startedAt()));
    m.put("finishedAt", str(op.finishedAt()));
    return m;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }
}
