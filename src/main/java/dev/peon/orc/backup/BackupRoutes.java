package dev.peon.orc.backup;

import dev.peon.orc.http.HttpServer;
import dev.peon.orc.http.JsonInput;
import dev.peon.orc.http.Permissions;
import dev.peon.orc.http.Problem;
import dev.peon.orc.http.Problem.ProblemException;
import dev.peon.orc.http.Routes;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationJson;
import dev.peon.orc.server.ServerId;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code /api/v2} backup resources.
 *
 * <pre>
 * GET    /api/v2/servers/{id}/backups                      list, newest first
 * POST   /api/v2/servers/{id}/backups                      create -> 202 operation backup.create
 * POST   /api/v2/servers/{id}/backups/upload               archive made elsewhere (application/zstd) -> 201
 * GET    /api/v2/servers/{id}/backups/{bid}                one
 * DELETE /api/v2/servers/{id}/backups/{bid}                204; locked -> 409
 * POST   /api/v2/servers/{id}/backups/{bid}/lock           200
 * POST   /api/v2/servers/{id}/backups/{bid}/unlock         200
 * GET    /api/v2/servers/{id}/backups/{bid}/download       the archive (application/zstd)
 * GET    /api/v2/servers/{id}/backups/{bid}/manifest       the manifest (JSON)
 * POST   /api/v2/servers/{id}/backups/{bid}/restore        {"paths"?, "dryRun"?, "definition"?} -> 202 (200 dry run)
 * GET    /api/v2/servers/{id}/backup-policy                mode, excludes, retention
 * PUT    /api/v2/servers/{id}/backup-policy                replace it
 * </pre>
 */
public final class BackupRoutes implements Routes {
  private static final String BACKUP = "/api/v2/servers/{id}/backups/{bid}";
  private final BackupService backups;
  private final long maxUpload;

  public BackupRoutes(BackupService backups, long maxUpload) {
    this.backups = backups;
    this.maxUpload = maxUpload;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v2/servers/{id}/backups", this::list);
    app.post("/api/v2/servers/{id}/backups", this::create);
    app.post("/api/v2/servers/{id}/backups/upload", this::upload);
    app.get(BACKUP, this::get);
    app.delete(BACKUP, this::delete);
    app.post(BACKUP + "/lock", ctx -> lock(ctx, true));
    app.post(BACKUP + "/unlock", ctx -> lock(ctx, false));
    app.get(BACKUP + "/download", this::download);
    app.get(BACKUP + "/manifest", this::manifest);
    app.post(BACKUP + "/restore", this::restore);
    app.get("/api/v2/servers/{id}/backup-policy", this::getPolicy);
    app.put("/api/v2/servers/{id}/backup-policy", this::putPolicy);
    app.exception(BackupException.class, (e, ctx) -> HttpServer.renderProblem(ctx, problem(e)));
  }

  private void list(Context ctx) {
    List<Map<String, Object>> items = new ArrayList<>();
    for (BackupRecord r : backups.list(serverId(ctx))) {
      items.add(BackupService.json(r));
    }
    ctx.json(Map.of("items", items));
  }

  private void create(Context ctx) {
    ServerId id = serverId(ctx);
    JsonInput.parse(ctx.body()).finish();
    accepted(ctx, backups.submitBackup(id, BackupRecord.Origin.MANUAL));
  }

  private void get(Context ctx) {
    ctx.json(BackupService.json(backups.get(serverId(ctx), backupId(ctx))));
  }

  private void delete(Context ctx) {
    backups.delete(serverId(ctx), backupId(ctx));
    ctx.status(204);
  }

  private void lock(Context ctx, boolean locked) {
    ctx.json(BackupService.json(backups.setLocked(serverId(ctx), backupId(ctx), locked)));
  }

  private void download(Context ctx) throws IOException {
    ServerId id = serverId(ctx);
    BackupId bid = backupId(ctx);
    BackupRecord r = backups.get(id, bid);
    ctx.status(200);
    ctx.res().setCharacterEncoding(null);
    ctx.res().setContentType("application/zstd");
    ctx.header("Content-Length", Long.toString(r.size()));
    ctx.header("X-Archive-Sha256", r.sha256());
    ctx.header(
        "Content-Disposition",
        "attachment; filename=" + id.uid() + "-" + bid.value() + LocalFolderDestination.ARCHIVE);
    try (InputStream in = backups.open(id, bid)) {
      OutputStream out = ctx.res().getOutputStream();
      in.transferTo(out);
      out.flush();
    }
  }

  private void manifest(Context ctx) {
    byte[] m = backups.manifest(serverId(ctx), backupId(ctx));
    ctx.contentType("application/json").result(m);
  }

  private void upload(Context ctx) throws IOException {
    ServerId id = serverId(ctx);
    long declared = ctx.contentLength();
    if (declared > maxUpload) {
      throw new ProblemException(
          Problem.of(
              "payload-too-large", 413, "The upload is larger than " + maxUpload + " bytes."));
    }
    BackupRecord r;
    try (InputStream in = ctx.req().getInputStream()) {
      r = backups.upload(id, in, maxUpload, declared);
    }
    ctx.status(201);
    ctx.header("Location", "/api/v2/servers/" + id.uid() + "/backups/" + r.id().value());
    ctx.json(BackupService.json(r));
  }

  private void restore(Context ctx) {
    ServerId id = serverId(ctx);
    BackupId bid = backupId(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    List<String> paths = in.stringList("paths", 1000, 4096).orElse(List.of());
    boolean dryRun = in.bool("dryRun").orElse(false);
    boolean definition = in.bool("definition").orElse(false);
    in.finish();
    Permissions may = HttpServer.permissions(ctx);
    BackupService.RestoreOptions options =
        new BackupService.RestoreOptions(
            definition, may.may("server.secrets", id.uid()), may.may("server.settings", id.uid()));
    if (dryRun) {
      List<Map<String, Object>> changes = new ArrayList<>();
      for (BackupService.Change c : backups.dryRun(id, bid, paths, options)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", c.path());
        m.put("change", c.change());
        changes.add(m);
      }
      ctx.json(Map.of("backup", bid.value(), "dryRun", true, "changes", changes));
      return;
    }
    accepted(ctx, backups.submitRestore(id, bid, paths, options));
  }

  private void getPolicy(Context ctx) {
    ctx.json(policyJson(backups.policy(serverId(ctx))));
  }

  private void putPolicy(Context ctx) {
    ServerId id = serverId(ctx);
    JsonInput in = JsonInput.parse(ctx.body());
    Consistency mode = null;
    String m = in.string("mode", 16).orElse(null);
    if (m != null) {
      try {
        mode = Consistency.parse(m);
      } catch (IllegalArgumentException e) {
        in.reject("mode", e.getMessage());
      }
    }
    List<String> excludes =
        in.stringList("excludes", BackupPolicy.MAX_EXCLUDES, 256).orElse(List.of());
    for (int i = 0; i < excludes.size(); i++) {
      String why = BackupPolicy.excludeProblem(excludes.get(i));
      if (why != null) {
        in.reject("excludes[" + i + "]", why);
      }
    }
    Retention retention = Retention.KEEP_ALL;
    JsonInput r = in.object("retention").orElse(null);
    if (r != null) {
      retention =
          new Retention(
              r.integer("keepLast", 1, 10_000).map(Long::intValue).orElse(null),
              r.integer("keepDaily", 1, 10_000).map(Long::intValue).orElse(null),
              r.integer("keepWeekly", 1, 10_000).map(Long::intValue).orElse(null),
              r.integer("keepMonthly", 1, 10_000).map(Long::intValue).orElse(null),
              r.integer("maxTotalBytes", 1L << 20, Long.MAX_VALUE).orElse(null));
    }
    in.finish();
    ctx.json(policyJson(backups.setPolicy(id, new BackupPolicy(mode, excludes, retention))));
  }

  static Map<String, Object> policyJson(BackupPolicy p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mode", p.effectiveMode().wire());
    m.put("excludes", p.excludes());
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("keepLast", p.retention().keepLast());
    r.put("keepDaily", p.retention().keepDaily());
    r.put("keepWeekly", p.retention().keepWeekly());
    r.put("keepMonthly", p.retention().keepMonthly());
    r.put("maxTotalBytes", p.retention().maxTotalBytes());
    m.put("retention", r);
    return m;
  }

  private static void accepted(Context ctx, Operation op) {
    ctx.status(202);
    ctx.header("Location", "/api/v2/operations/" + op.id());
    ctx.json(OperationJson.of(op));
  }

  private static ServerId serverId(Context ctx) {
    try {
      return ServerId.parse(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.invalid("id", e.getMessage()));
    }
  }

  private static BackupId backupId(Context ctx) {
    try {
      return new BackupId(ctx.pathParam("bid"));
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.invalid("backupId", e.getMessage()));
    }
  }

  /** Maps a backup failure to its problem. */
  public static Problem problem(BackupException e) {
    return switch (e.kind()) {
      case INVALID -> Problem.of("invalid-request", 400, e.getMessage());
      case NOT_FOUND -> Problem.of("not-found", 404, e.getMessage());
      case CORRUPT, UNSAFE -> Problem.of("invalid-archive", 422, e.getMessage());
      case FORBIDDEN -> Problem.of("forbidden", 403, e.getMessage());
      case LOCKED -> Problem.of("conflict", 409, e.getMessage());
      case NO_SPACE -> Problem.of("insufficient-storage", 507, e.getMessage());
      case FAILED -> Problem.of("internal", 500, e.getMessage());
    };
  }
}
