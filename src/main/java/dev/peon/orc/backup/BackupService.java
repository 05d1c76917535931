package dev.peon.orc.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.event.EventBus;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.operation.Operation;
import dev.peon.orc.operation.OperationService;
import dev.peon.orc.server.ServerException;
import dev.peon.orc.server.ServerId;
import dev.peon.orc.server.ServerLayout;
import dev.peon.orc.server.ServerService;
import dev.peon.orc.server.ServerService.Quiescing;
import dev.peon.orc.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of server folders: create (on demand, from a schedule, before a restore), verify, list,
 * lock, delete, prune, upload, download and restore. Quiescing goes through {@link
 * ServerService#runQuiesced} so the power lock and states stay right; long actions run as exclusive
 * operations ({@code backup.create}, {@code backup.restore}) so a backup and a power action of the
 * same server never overlap. Crash safety: archives are written under temporary names and listed
 * only once renamed and verified; restores extract beside the live folder, are verified, then
 * swapped in by renames recorded in a {@link RestoreJournal}; {@link #reconcile} finishes or undoes
 * what a crash interrupted.
 */
public final class BackupService {
  private static final Logger LOG = LoggerFactory.getLogger(BackupService.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long LOW_SPACE = 4L << 20;
  private static final long SPACE_CHECK_EVERY = 64L << 20;

  /**
   * The server's definition: what a restore keeps from the live folder, so that restoring a backup
   * (an upload above all) cannot change a server's image, ports, mounts, files or environment. A
   * caller holding {@code server.settings} may ask ({@code definition}) for the settings saved in
   * the backup's config.json, taken as a settings change would take them: values of the server's
   * existing settings and the description, nothing else.
   */
  static final java.util.Set<String> DEFINITION =
      java.util.Set.of("config.json", "plan.json", "docker-compose.yml");

  /** Largest accepted upload. */
  public static final long MAX_UPLOAD = 64L << 30;

  private final ServerService servers;
  private final OperationService operations;
  private final EventBus events;
  private final BackupRepository repository;
  private final BackupDestination destination;
  private final BackupArchive archive;
  private final Clock clock;
  private final String version;
  private final BackupSettings settings;
  private final DiskSpace disk;
  private final SecureRandom random = new SecureRandom();

  public BackupService(
      ServerService servers,
      OperationService operations,
      EventBus events,
      Database db,
      BackupDestination destination,
      Clock clock,
      String version,
      BackupSettings settings) {
    this(
        servers,
        operations,
        events,
        db,
        destination,
        clock,
        version,
        // level 1: on the 2-core reference machine the CPU is the limit, and on world-like data
        // (already compressed) and text installs level 3 bought under 1 % of size
        new BackupArchive(1, Math.max(2, Runtime.getRuntime().availableProcessors())),
        settings,
        DiskSpace.REAL);
  }

  BackupService(
      ServerService servers,
      OperationService operations,
      EventBus events,
      Database db,
      BackupDestination destination,
      Clock clock,
      String version,
      BackupArchive archive,
      BackupSettings settings,
      DiskSpace disk) {
    this.settings = settings;
    this.disk = disk;
    this.servers = servers;
    this.operations = operations;
    this.events = events;
    this.repository = new BackupRepository(db);
    this.destination = destination;
    this.clock = clock;
    this.version = version;
    this.archive = archive;
  }

  // ------------------------------------------------------------------ create

  /**
   * Starts a backup as an exclusive {@code backup.create} operation (the scheduler's entry point;
   * origin {@code schedule}). Throws {@code OperationBusyException} while another exclusive
   * operation of the server runs.
   */
  public Operation createBackup(ServerId id) {
    return submitBackup(id, BackupRecord.Origin.SCHEDULE);
  }

  /** Starts a backup as an exclusive {@code backup.create} operation. */
  public Operation submitBackup(ServerId id, BackupRecord.Origin origin) {
    servers.get(id);
    return operations.submit(
        "backup.create",
        id.uid(),
        true,
        progress -> {
          try {
            return json(backupNow(id, origin, progress::report));
          } catch (RuntimeException e) {
            publishFailure(id, origin, e);
            throw e;
          }
        });
  }

  /** {@code backup.failed}: the message of our own exceptions, never a host detail. */
  private void publishFailure(ServerId id, BackupRecord.Origin origin, RuntimeException e) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("server", id.uid());
    data.put("origin", origin.wire());
    data.put(
        "error",
        e instanceof BackupException || e instanceof ServerException
            ? e.getMessage()
            : "unexpected failure; the orchestrator log says why");
    events.publish("backup.failed", id.uid(), data);
  }

  /** Reports progress of a long step. */
  @FunctionalInterface
  public interface Progress {
    void report(Integer percent, String message);
  }

  /**
   * Backs a server up now, quiescing it as its policy says, and prunes by its retention. Returns
   * the complete backup; on any failure nothing is listed and the server is as it was.
   */
  public BackupRecord backupNow(ServerId id, BackupRecord.Origin origin, Progress progress) {
    servers.get(id);
    BackupPolicy policy = repository.policy(id);
    Consistency mode = policy.effectiveMode();
    requireDestinationSpace(estimate(id), "a backup of [" + id + "]");
    Quiescing q =
        switch (mode) {
          case STOP -> Quiescing.STOP;
          case PAUSE -> Quiescing.PAUSE;
          case LIVE -> Quiescing.NONE;
        };
    BackupRecord rec = begin(id, mode, origin);
    BackupRecord done;
    try {
      long[] quiescedNanos = new long[1];
      Pending written =
          servers.runQuiesced(
              id,
              q,
              running -> {
                if (running) {
                  repository.markWasRunning(rec.id());
                }
              },
              running -> {
                long t0 = System.nanoTime();
                Pending p = write(id, rec, policy, progress);
                quiescedNanos[0] = System.nanoTime() - t0;
                return p;
              });
      long v0 = System.nanoTime();
      done = finish(rec, written, progress);
      long verifyMs = (System.nanoTime() - v0) / 1_000_000;
      LOG.atInfo()
          .addKeyValue("serverId", id)
          .addKeyValue("backup", done.id())
          .addKeyValue("mode", mode.wire())
          .addKeyValue("bytes", done.size())
          .addKeyValue("archiveMs", quiescedNanos[0] / 1_000_000)
          .addKeyValue("verifyMs", verifyMs)
          .log("backup created");
    } catch (RuntimeException e) {
      abandon(rec);
      throw e;
    }
    // committed: from here on nothing may abandon it
    events.publish("backup.created", id.uid(), event(done));
    pruneQuietly(id);
    return done;
  }

  /**
   * Prunes after a backup is committed: a failure there (an old archive that cannot be deleted) is
   * logged and never touches the backup just made.
   */
  private void pruneQuietly(ServerId id) {
    try {
      prune(id);
    } catch (RuntimeException e) {
      LOG.atWarn()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("pruning after a backup failed; the new backup is kept");
    }
  }

  /** The expected size of the next archive: the last one's, else the folder's content. */
  private long estimate(ServerId id) {
    List<BackupRecord> done = repository.complete(id);
    if (!done.isEmpty()) {
      return done.stream()
          .max(java.util.Comparator.comparing(BackupRecord::createdAt))
          .get()
          .size();
    }
    long[] total = {0};
    try {
      Files.walkFileTree(
          servers.layout().dir(id),
          new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(
                Path f, java.nio.file.attribute.BasicFileAttributes a) {
              total[0] += a.isRegularFile() ? a.size() : 0;
              return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
              return java.nio.file.FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      return 0;
    }
    return total[0];
  }

  /** The destination's reserve: what a backup or upload always leaves free. */
  private long destinationReserve() {
    return settings.reserve(destination.totalSpace());
  }

  /** Refuses ({@code NO_SPACE}) unless the destination holds {@code bytes} plus the reserve. */
  private void requireDestinationSpace(long bytes, String what) {
    long usable = destination.usableSpace();
    long reserve = destinationReserve();
    if (usable == Long.MAX_VALUE) {
      return;
    }
    if (usable - reserve < bytes) {
      throw new BackupException(
          BackupException.Kind.NO_SPACE,
          "The backup destination is too full for "
              + what
              + ": "
              + mib(usable)
              + " MiB free, about "
              + mib(bytes)
              + " MiB needed plus a reserve of "
              + mib(reserve)
              + " MiB (backup.reserve); nothing was changed.");
    }
  }

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }

  /**
   * Passes bytes to the destination, asking whether it still keeps its reserve: at the first write,
   * then each time half the margin left at the last check (at most 64 MiB) has been written, so a
   * backup or upload stops before the disk is full, not when the game's own saves fail.
   */
  private OutputStream watched(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      private long untilCheck;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        untilCheck -= len;
        if (untilCheck <= 0) {
          long usable = destination.usableSpace();
          if (usable == Long.MAX_VALUE) {
            untilCheck = SPACE_CHECK_EVERY;
            return;
          }
          long reserve = destinationReserve();
          if (usable < reserve) {
            throw new BackupException(
                BackupException.Kind.NO_SPACE,
                "The backup destination is full down to its reserve ("
                    + mib(reserve)
                    + " MiB, backup.reserve); the archive was discarded and nothing else changed.");
          }
          untilCheck = Math.clamp((usable - reserve) / 2, 64L << 10, SPACE_CHECK_EVERY);
        }
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }

  private BackupRecord begin(ServerId id, Consistency mode, BackupRecord.Origin origin) {
    Instant now = clock.instant();
    BackupRecord rec =
        new BackupRecord(
            BackupId.generate(now, random),
            id,
            now,
            null,
            0,
            null,
            false,
            mode,
            origin,
            BackupRecord.Status.RUNNING,
            false,
            0,
            0);
    repository.insert(rec);
    return rec;
  }

  /** An archive written but not yet verified and committed. */
  private record Pending(BackupDestination.Pending out, BackupArchive.Written written) {}

  private Pending write(ServerId id, BackupRecord rec, BackupPolicy policy, Progress progress) {
    Path dir = servers.layout().dir(id);
    List<String> excludes = excludes(dir, policy);
    BackupDestination.Pending pending = null;
    try {
      pending = destination.begin(id, rec.id());
      BackupArchive.Header header =
          new BackupArchive.Header(
              id.uid(),
              rec.id().value(),
              version,
              rec.consistency().wire(),
              rec.createdAt(),
              excludes,
              readConfig(dir));
      int[] last = {-1};
      BackupArchive.Written w;
      try (OutputStream out = watched(pending.out())) {
        w =
            archive.write(
                dir,
                BackupPolicy.matcher(excludes),
                header,
                clock,
                out,
                (done, total) -> {
                  int pct = total == 0 ? 100 : (int) (done * 90 / total);
                  if (pct != last[0]) {
                    last[0] = pct;
                    progress.report(
                        pct, "archiving: " + (done >> 20) + " of " + (total >> 20) + " MiB");
                  }
                });
      }
      return new Pending(pending, w);
    } catch (IOException | RuntimeException e) {
      boolean full = destination.usableSpace() < LOW_SPACE;
      if (pending != null) {
        pending.close();
      }
      if (e instanceof BackupException be) {
        throw be;
      }
      if (full) {
        throw new BackupException(
            BackupException.Kind.NO_SPACE,
            "The backup destination is full; the backup was discarded and nothing else changed.",
            e);
      }
      if (e instanceof ServerException se) {
        throw se;
      }
      throw new BackupException(
          BackupException.Kind.FAILED, "The backup could not be written: " + e.getMessage(), e);
    }
  }

  /** Verifies the written archive by reading it back, then makes it visible and listed. */
  private BackupRecord finish(BackupRecord rec, Pending p, Progress progress) {
    try (BackupDestination.Pending pending = p.out()) {
      progress.report(92, "verifying");
      BackupArchive.Read read;
      try (InputStream in = pending.readBack()) {
        read = archive.read(in, null, x -> false);
      }
      if (!read.digest().equals(p.written().digest())) {
        throw new BackupException(
            BackupException.Kind.CORRUPT,
            "The archive read back differs from what was written; it was discarded.");
      }
      Manifest m = p.written().manifest();
      pending.commit(m.toBytes());
      repository.update(rec.completed(clock.instant(), m));
      return repository.find(rec.server(), rec.id()).orElseThrow();
    } catch (IOException e) {
      if (destination.usableSpace() < LOW_SPACE) {
        throw new BackupException(
            BackupException.Kind.NO_SPACE,
            "The backup destination is full; the backup was discarded and nothing else changed.",
            e);
      }
      throw new BackupException(
          BackupException.Kind.FAILED, "The backup could not be completed: " + e.getMessage(), e);
    }
  }

  private void abandon(BackupRecord rec) {
    try {
      destination.delete(rec.server(), rec.id());
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("backup", rec.id()).log("could not remove a failed backup's files");
    }
    repository.delete(rec.id());
  }

  /** The policy's excludes plus what the server's config.json declares ({@code backup.exclude}). */
  private List<String> excludes(Path dir, BackupPolicy policy) {
    LinkedHashSet<String> all = new LinkedHashSet<>(policy.excludes());
    JsonNode declared = readConfig(dir).path("backup").path("exclude");
    declared.forEach(
        n -> {
          if (n.isTextual() && BackupPolicy.excludeProblem(n.asText()) == null) {
            all.add(n.asText());
          }
        });
    all.add(".peon-creating");
    return List.copyOf(all);
  }

  private static JsonNode readConfig(Path dir) {
    try {
      return JSON.readTree(dir.resolve("config.json").toFile());
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  // ------------------------------------------------------------------ reads and changes

  public List<BackupRecord> list(ServerId id) {
    return repository.complete(id);
  }

  public BackupRecord get(ServerId id, BackupId bid) {
    return repository
        .find(id, bid)
        .filter(r -> r.status() == BackupRecord.Status.COMPLETE)
        .orElseThrow(
            () ->
                new BackupException(
                    BackupException.Kind.NOT_FOUND,
                    "There is no backup [" + bid + "] of [" + id + "]."));
  }

  /** Deletes a backup; a locked one is refused. */
  public void delete(ServerId id, BackupId bid) {
    BackupRecord r = get(id, bid);
    if (r.locked()) {
      throw new BackupException(
          BackupException.Kind.LOCKED, "The backup [" + bid + "] is locked; unlock it first.");
    }
    remove(r);
    events.publish("backup.deleted", id.uid(), Map.of("server", id.uid(), "backup", bid.value()));
  }

  /** Deletes the files first, then the record: a failure leaves the backup listed, not leaked. */
  private void remove(BackupRecord r) {
    try {
      destination.delete(r.server(), r.id());
    } catch (IOException e) {
      throw new BackupException(
          BackupException.Kind.FAILED,
          "The files of backup [" + r.id() + "] could not be deleted; it stays listed.",
          e);
    }
    repository.delete(r.id());
  }

  public BackupRecord setLocked(ServerId id, BackupId bid, boolean locked) {
    BackupRecord r = get(id, bid);
    BackupRecord n =
        new BackupRecord(
            r.id(),
            r.server(),
            r.createdAt(),
            r.finishedAt(),
            r.size(),
            r.sha256(),
            locked,
            r.consistency(),
            r.origin(),
            r.status(),
            r.wasRunning(),
            r.files(),
            r.contentSize());
    repository.update(n);
    return n;
  }

  /** The archive's bytes, for a download. */
  public InputStream open(ServerId id, BackupId bid) {
    get(id, bid);
    try {
      return destination.open(id, bid);
    } catch (IOException e) {
      throw new BackupException(BackupException.Kind.FAILED, "The archive cannot be read.", e);
    }
  }

  /** The sidecar manifest (JSON). */
  public byte[] manifest(ServerId id, BackupId bid) {
    get(id, bid);
    try {
      return destination.manifest(id, bid);
    } catch (IOException e) {
      throw new BackupException(BackupException.Kind.FAILED, "The manifest cannot be read.", e);
    }
  }

  public BackupPolicy policy(ServerId id) {
    servers.get(id);
    return repository.policy(id);
  }

  /** Stores a validated policy; throws {@code INVALID} listing every problem. */
  public BackupPolicy setPolicy(ServerId id, BackupPolicy policy) {
    servers.get(id);
    List<String> problems = policy.problems();
    if (!problems.isEmpty()) {
      throw new BackupException(BackupException.Kind.INVALID, String.join("; ", problems));
    }
    repository.savePolicy(id, policy);
    prune(id);
    return policy;
  }

  /**
   * Applies retention now; each deletion is published as a {@code backup.pruned} event. A {@code
   * pre-restore} backup younger than {@code backup.pre-restore.keep.days} is exempt: it neither
   * counts towards the rules nor is removed by them. A backup whose files cannot be deleted stays
   * listed (logged) and the others are still pruned.
   */
  public List<BackupId> prune(ServerId id) {
    Retention retention = repository.policy(id).retention();
    List<BackupRecord> all = repository.complete(id);
    Map<BackupId, BackupRecord> byId = new HashMap<>();
    List<Retention.Candidate> candidates = new ArrayList<>();
    Instant protectedSince = clock.instant().minus(settings.preRestoreKeep());
    for (BackupRecord r : all) {
      byId.put(r.id(), r);
      boolean exempt =
          r.origin() == BackupRecord.Origin.PRE_RESTORE && r.createdAt().isAfter(protectedSince);
      candidates.add(new Retention.Candidate(r.id(), r.createdAt(), r.size(), r.locked(), exempt));
    }
    List<BackupId> pruned = new ArrayList<>();
    for (Retention.Pruned p : retention.prune(candidates, ZoneOffset.UTC)) {
      try {
        remove(byId.get(p.id()));
      } catch (BackupException e) {
        LOG.atWarn()
            .addKeyValue("serverId", id)
            .addKeyValue("backup", p.id())
            .addKeyValue("reason", e.getMessage())
            .log("a backup to prune could not be deleted; it stays listed");
        continue;
      }
      pruned.add(p.id());
      LOG.atInfo()
          .addKeyValue("serverId", id)
          .addKeyValue("backup", p.id())
          .addKeyValue("reason", p.reason())
          .log("backup pruned");
      events.publish(
          "backup.pruned",
          id.uid(),
          Map.of("server", id.uid(), "backup", p.id().value(), "reason", p.reason()));
    }
    return pruned;
  }

  // ------------------------------------------------------------------ upload

  /**
   * Stores an archive made elsewhere: streamed to a temporary name, refused when larger than {@code
   * maxBytes}, unsafe or not matching its own manifest, listed only when whole.
   */
  public BackupRecord upload(ServerId id, InputStream body, long maxBytes) {
    return upload(id, body, maxBytes, -1);
  }

  /**
   * As {@link #upload(ServerId, InputStream, long)} with the size the client declared ({@code -1}
   * unknown): refused ({@code NO_SPACE}) before a byte is stored unless the destination holds it
   * plus the reserve, and stopped when writing eats into the reserve.
   */
  public BackupRecord upload(ServerId id, InputStream body, long maxBytes, long declared) {
    servers.get(id);
    requireDestinationSpace(Math.max(0, declared), "this upload");
    Instant now = clock.instant();
    BackupId bid = BackupId.generate(now, random);
    try (BackupDestination.Pending pending = destination.begin(id, bid)) {
      try (OutputStream out = watched(pending.out())) {
        byte[] buf = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = body.read(buf)) > 0) {
          total += n;
          if (total > maxBytes) {
            throw new BackupException(
                BackupException.Kind.INVALID,
                "The upload is larger than the limit of " + maxBytes + " bytes.");
          }
          out.write(buf, 0, n);
        }
      }
      BackupArchive.Read read;
      try (InputStream in = pending.readBack()) {
        read = archive.read(in, null, x -> false);
      }
      Manifest m = read.manifest().withArchive(read.digest());
      pending.commit(m.toBytes());
      Consistency c;
      try {
        c = Consistency.parse(m.consistency());
      } catch (IllegalArgumentException e) {
        c = Consistency.LIVE;
      }
      BackupRecord rec =
          new BackupRecord(
              bid,
              id,
              now,
              clock.instant(),
              read.digest().size(),
              read.digest().sha256(),
              false,
              c,
              BackupRecord.Origin.UPLOAD,
              BackupRecord.Status.COMPLETE,
              false,
              m.fileCount(),
              m.totalBytes());
      repository.insert(rec);
      events.publish("backup.created", id.uid(), event(rec));
      LOG.atInfo().addKeyValue("serverId", id).addKeyValue("backup", bid).log("backup uploaded");
      return rec;
    } catch (IOException e) {
      if (destination.usableSpace() < LOW_SPACE) {
        throw new BackupException(
            BackupException.Kind.NO_SPACE, "The backup destination is full; upload discarded.", e);
      }
      throw new BackupException(
          BackupException.Kind.FAILED, "The upload failed: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ restore

  /** One difference a restore would make. */
  public record Change(String path, String change) {}

  /**
   * What a restore or dry run may touch, from the caller's permissions on the server.
   *
   * @param definition restore the settings saved in the backup's config.json too (the values of the
   *     server's existing settings and the description; image, ports, mounts and files stay); needs
   *     {@code server.settings}. Without it the definition ({@link #DEFINITION}: config.json,
   *     plan.json, docker-compose.yml) stays as it is live, in a full restore as in a partial one
   * @param maySeeSecrets the caller holds {@code server.secrets}: a dry run compares the contents
   *     of secret files (config.json, docker-compose.yml, config/); without it they are reported
   *     {@code unchecked} when present on both sides, so a dry run is no oracle for their contents
   * @param mayChangeSettings the caller holds {@code server.settings}
   */
  public record RestoreOptions(
      boolean definition, boolean maySeeSecrets, boolean mayChangeSettings) {}

  /**
   * What a restore would change, without changing anything: {@code added} (in the backup only),
   * {@code removed} (in the folder only), {@code modified}, and {@code unchecked} (a secret file on
   * both sides whose contents the caller may not compare). Paths the backup excluded are ignored,
   * and so is the definition unless {@code options.definition()}.
   */
  public List<Change> dryRun(
      ServerId id, BackupId bid, List<String> paths, RestoreOptions options) {
    servers.get(id);
    Manifest m = sidecar(id, bid);
    List<String> chosen = chosen(m, paths);
    boolean definition = wantsDefinition(chosen, options);
    Predicate<String> in = selector(chosen);
    Predicate<String> restored = in.and(p -> restorable(p, definition));
    Predicate<String> compared = options.maySeeSecrets() ? p -> true : p -> !isSecret(p);
    return DryRun.changes(servers.layout().dir(id), m, restored, compared);
  }

  /**
   * Whether a restore takes {@code path} from the backup: anything but the definition, and its
   * config.json (whose settings are then merged into the live one) when asked for.
   */
  private static boolean restorable(String path, boolean definition) {
    return !inDefinition(path) || (definition && path.equals("config.json"));
  }

  /** A definition file, or anything below an entry of that name. */
  static boolean inDefinition(String path) {
    int slash = path.indexOf('/');
    return DEFINITION.contains(slash < 0 ? path : path.substring(0, slash));
  }

  /** Files that hold secret values: the definition's environment and the game's config/. */
  static boolean isSecret(String path) {
    return path.equals("config.json")
        || path.equals("docker-compose.yml")
        || path.equals("config")
        || path.startsWith("config/");
  }

  /**
   * True when the restore replaces the definition: asked for, or named in {@code paths}; refused
   * ({@code FORBIDDEN}) without {@code server.settings}.
   */
  private static boolean wantsDefinition(List<String> chosen, RestoreOptions options) {
    for (String p : chosen) {
      if (inDefinition(p) && !p.equals("config.json")) {
        throw new BackupException(
            BackupException.Kind.INVALID,
            "paths: '"
                + p
                + "' is never restored: plan.json and docker-compose.yml follow the plan and"
                + " config.json.");
      }
    }
    boolean named = chosen.contains("config.json");
    boolean wanted = options.definition() || named;
    if (wanted && !options.mayChangeSettings()) {
      throw new BackupException(
          BackupException.Kind.FORBIDDEN,
          "Restoring the server's definition (config.json, plan.json, docker-compose.yml) needs"
              + " the server.settings permission; without it a restore keeps them as they are.");
    }
    return wanted;
  }

  /**
   * Starts a restore as an exclusive {@code backup.restore} operation: validates the paths and the
   * permissions first (400 for a path the backup does not hold, 403 for the definition without
   * {@code server.settings}, 507 when the server's disk cannot hold what it extracts).
   */
  public Operation submitRestore(
      ServerId id, BackupId bid, List<String> paths, RestoreOptions options) {
    servers.get(id);
    Manifest m = sidecar(id, bid);
    List<String> chosen = chosen(m, paths);
    wantsDefinition(chosen, options);
    requireServerSpace(id, m, chosen);
    requireDestinationSpace(estimate(id), "the pre-restore backup of [" + id + "]");
    return operations.submit(
        "backup.restore",
        id.uid(),
        true,
        progress -> restore(id, bid, paths, options, progress::report));
  }

  /** The file bytes a restore of {@code chosen} extracts, as the manifest declares them. */
  private static long declaredBytes(Manifest m, List<String> chosen) {
    Predicate<String> in = selector(chosen);
    return m.entries().stream()
        .filter(e -> e.type() == Manifest.Type.FILE && in.test(e.path()))
        .mapToLong(Manifest.Entry::size)
        .sum();
  }

  /** The server disk's reserve: what a restore always leaves free. */
  private long serverReserve(ServerId id) {
    return settings.reserve(disk.orUnknown(servers.layout().dir(id)).total());
  }

  /**
   * Refuses ({@code NO_SPACE}) unless the server's disk holds what the restore extracts beside the
   * live folder plus the reserve.
   */
  private void requireServerSpace(ServerId id, Manifest m, List<String> chosen) {
    DiskSpace.Space space = disk.orUnknown(servers.layout().dir(id));
    long need = declaredBytes(m, chosen);
    long reserve = settings.reserve(space.total());
    if (space.usable() != Long.MAX_VALUE && space.usable() - reserve < need) {
      throw new BackupException(
          BackupException.Kind.NO_SPACE,
          "The server's disk is too full for this restore: "
              + mib(space.usable())
              + " MiB free, "
              + mib(need)
              + " MiB to extract plus a reserve of "
              + mib(reserve)
              + " MiB (backup.reserve); nothing was changed.");
    }
  }

  /**
   * Restores a backup into the server atomically; with {@code paths}, only those (each a file or
   * folder of the backup, replaced as a whole). The server is stopped; the current state is kept as
   * a {@code pre-restore} backup; the archive is verified while extracted beside the live folder,
   * then swapped in; the server runs again afterwards if it ran before. The definition stays as it
   * is live unless {@code options.definition()}; extracted entries belong to the container user;
   * the extraction never writes more than the manifest declares nor eats into the disk's reserve.
   */
  public Map<String, Object> restore(
      ServerId id, BackupId bid, List<String> paths, RestoreOptions options, Progress progress) {
    BackupRecord rec = get(id, bid);
    Manifest m = sidecar(id, bid);
    List<String> chosen = chosen(m, paths);
    boolean definition = wantsDefinition(chosen, options);
    requireServerSpace(id, m, chosen);
    // checked again once stopped, but a restore that cannot save the current state should not
    // stop the server first
    requireDestinationSpace(estimate(id), "the pre-restore backup of [" + id + "]");
    Path dir = servers.layout().dir(id);
    // a full restore carries over what the backup excluded; an uploaded archive's own excludes
    // are not trusted for that: the live policy's are used instead
    List<String> carried =
        rec.origin() == BackupRecord.Origin.UPLOAD
            ? excludes(dir, repository.policy(id))
            : m.excludes();
    long declared = declaredBytes(m, chosen);
    RestoreJournal[] journal = new RestoreJournal[1];
    return servers.runQuiesced(
        id,
        Quiescing.STOP,
        running -> {
          journal[0] =
              new RestoreJournal(id, bid, RestoreJournal.Phase.PREPARING, running, chosen, carried);
          journal[0].write(dir);
        },
        running -> {
          Path extracted = RestoreJournal.extracted(dir, bid);
          try {
            progress.report(5, "saving the current state");
            long t0 = System.nanoTime();
            BackupRecord before = preRestoreBackup(id, progress);
            long t1 = System.nanoTime();
            progress.report(40, "extracting and verifying");
            FileTrees.deleteTree(extracted);
            Files.createDirectories(extracted);
            BackupArchive.Owner owner = settings.owner();
            BackupArchive.chown(extracted, owner);
            Files.setPosixFilePermissions(
                extracted, Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
            long reserve = serverReserve(id);
            BackupArchive.Extraction bounds =
                new BackupArchive.Extraction(
                    owner,
                    declared,
                    written -> {
                      long usable = disk.orUnknown(dir).usable();
                      if (usable != Long.MAX_VALUE && usable < reserve) {
                        throw new BackupException(
                            BackupException.Kind.NO_SPACE,
                            "The server's disk is full down to its reserve; the restore was"
                                + " stopped and nothing was changed.");
                      }
                    });
            Predicate<String> take = selector(chosen).and(p -> restorable(p, definition));
            BackupArchive.Read read;
            try (InputStream in = destination.open(id, bid)) {
              read = archive.read(in, extracted, take, bounds);
            }
            if (!read.digest().sha256().equals(rec.sha256())) {
              throw new BackupException(
                  BackupException.Kind.CORRUPT,
                  "Damaged archive: its SHA-256 differs from the one recorded when it was made.");
            }
            for (String p : chosen) {
              if (!Files.exists(extracted.resolve(p), LinkOption.NOFOLLOW_LINKS)) {
                throw new BackupException(
                    BackupException.Kind.CORRUPT, "The archive lacks " + p + ".");
              }
            }
            if (definition) {
              restoreSettings(dir, extracted);
            }
            if (chosen.isEmpty()) {
              keepLiveDefinition(dir, extracted, definition);
              String why =
                  RestoreFolders.carryProblem(dir, extracted, BackupPolicy.matcher(carried));
              if (why != null) {
                throw new BackupException(
                    BackupException.Kind.UNSAFE, "Refused archive: " + why + ".");
              }
            }
            long t2 = System.nanoTime();
            progress.report(85, "swapping in");
            journal[0] = journal[0].in(RestoreJournal.Phase.SWAPPING);
            journal[0].write(dir);
            RestoreFolders.swap(dir, journal[0]);
            Files.deleteIfExists(RestoreJournal.file(dir));
            long t3 = System.nanoTime();
            servers.reloadDefinition(id);
            LOG.atInfo()
                .addKeyValue("serverId", id)
                .addKeyValue("backup", bid)
                .addKeyValue("paths", chosen)
                .addKeyValue("definition", definition)
                .log("backup restored");
            events.publish(
                "backup.restored",
                id.uid(),
                Map.of(
                    "server",
                    id.uid(),
                    "backup",
                    bid.value(),
                    "preRestoreBackup",
                    before.id().value()));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("backup", bid.value());
            result.put("preRestoreBackup", before.id().value());
            result.put("entries", read.extracted());
            result.put("paths", chosen);
            result.put("definition", definition);
            result.put(
                "timings",
                Map.of(
                    "preRestoreMs", (t1 - t0) / 1_000_000,
                    "extractMs", (t2 - t1) / 1_000_000,
                    "swapMs", (t3 - t2) / 1_000_000));
            return result;
          } catch (IOException | RuntimeException e) {
            if (journal[0].phase() == RestoreJournal.Phase.PREPARING) {
              RestoreFolders.undoPreparing(dir, journal[0]);
              try {
                Files.deleteIfExists(RestoreJournal.file(dir));
              } catch (IOException ignored) {
                // the next start removes it
              }
            }
            if (e instanceof BackupException || e instanceof ServerException) {
              throw (RuntimeException) e;
            }
            if (e instanceof IOException io && destination.usableSpace() < LOW_SPACE) {
              throw new BackupException(BackupException.Kind.NO_SPACE, "The disk is full.", io);
            }
            throw new BackupException(
                BackupException.Kind.FAILED, "The restore failed: " + e.getMessage(), e);
          }
        });
  }

  /**
   * Puts the live definition files into the extracted copy (which left them out), so that a full
   * restore keeps the server's image, ports, mounts and environment as they are.
   */
  private static void keepLiveDefinition(Path live, Path extracted, boolean settingsRestored)
      throws IOException {
    for (String name : DEFINITION) {
      if (settingsRestored && name.equals("config.json")) {
        continue; // already the live one with the backup's settings
      }
      Path from = live.resolve(name);
      Path to = extracted.resolve(name);
      if (Files.isSymbolicLink(to)) {
        Files.delete(to);
      }
      if (Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)) {
        Files.copy(
            from,
            to,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.COPY_ATTRIBUTES,
            LinkOption.NOFOLLOW_LINKS);
        copyOwner(from, to);
      }
    }
  }

  /**
   * Replaces the extracted config.json by the live one carrying the backup's settings: the values
   * of settings the live server has (but {@code STEAM_ID}) and the description, as a settings
   * change would set them; image, ports, mounts, files and limits stay as they are live.
   */
  private static void restoreSettings(Path live, Path extracted) throws IOException {
    Path saved = extracted.resolve("config.json");
    Path current = live.resolve("config.json");
    JsonNode backup;
    try {
      if (!Files.isRegularFile(saved, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("not a file");
      }
      backup = JSON.readTree(saved.toFile());
    } catch (IOException e) {
      throw new BackupException(
          BackupException.Kind.CORRUPT,
          "The backup's config.json is missing or unreadable; its settings cannot be restored.");
    }
    com.fasterxml.jackson.databind.node.ObjectNode cfg =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(current.toFile());
    if (cfg.get("environment") instanceof com.fasterxml.jackson.databind.node.ObjectNode env) {
      List<String> names = new ArrayList<>();
      env.fieldNames().forEachRemaining(names::add);
      for (String k : names) {
        JsonNode v = backup.path("environment").get(k);
        if (!k.equals("STEAM_ID") && v != null && v.isTextual()) {
          env.put(k, v.asText());
        }
      }
    }
    JsonNode description = backup.path("metadata").get("description");
    if (description != null
        && description.isTextual()
        && cfg.get("metadata") instanceof com.fasterxml.jackson.databind.node.ObjectNode meta) {
      meta.put("description", description.asText());
    }
    Files.delete(saved);
    Files.copy(
        current,
        saved,
        java.nio.file.StandardCopyOption.COPY_ATTRIBUTES,
        LinkOption.NOFOLLOW_LINKS);
    Files.write(
        saved,
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg),
        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
        LinkOption.NOFOLLOW_LINKS);
    copyOwner(current, saved);
  }

  private static void copyOwner(Path from, Path to) {
    try {
      Files.setAttribute(
          to,
          "unix:uid",
          Files.getAttribute(from, "unix:uid", LinkOption.NOFOLLOW_LINKS),
          LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(
          to,
          "unix:gid",
          Files.getAttribute(from, "unix:gid", LinkOption.NOFOLLOW_LINKS),
          LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // not root: the copy is ours
    }
  }

  private BackupRecord preRestoreBackup(ServerId id, Progress progress) {
    BackupPolicy policy = repository.policy(id);
    requireDestinationSpace(estimate(id), "the pre-restore backup of [" + id + "]");
    BackupRecord rec = begin(id, Consistency.STOP, BackupRecord.Origin.PRE_RESTORE);
    try {
      Pending p = write(id, rec, policy, (pct, msg) -> progress.report(5 + pct / 3, msg));
      BackupRecord done = finish(rec, p, (pct, msg) -> {});
      events.publish("backup.created", id.uid(), event(done));
      return done;
    } catch (RuntimeException e) {
      abandon(rec);
      throw e;
    }
  }

  private Manifest sidecar(ServerId id, BackupId bid) {
    get(id, bid);
    try {
      return Manifest.parse(destination.manifest(id, bid));
    } catch (IOException e) {
      throw new BackupException(BackupException.Kind.FAILED, "The manifest cannot be read.", e);
    }
  }

  /** Normalized chosen paths, each present in the backup; empty = everything. */
  private static List<String> chosen(Manifest m, List<String> paths) {
    List<String> out = new ArrayList<>();
    for (String raw : paths) {
      String p;
      try {
        p = BackupArchive.safeName(raw);
      } catch (BackupException e) {
        throw new BackupException(
            BackupException.Kind.INVALID,
            "paths: '" + raw + "' is not a relative path inside the server folder.");
      }
      boolean present = m.entries().stream().anyMatch(e -> e.path().equals(p));
      if (!present) {
        throw new BackupException(
            BackupException.Kind.INVALID, "paths: the backup holds no '" + p + "'.");
      }
      out.add(p);
    }
    return List.copyOf(new LinkedHashSet<>(out));
  }

  private static Predicate<String> selector(List<String> chosen) {
    if (chosen.isEmpty()) {
      return p -> true;
    }
    return p -> chosen.stream().anyMatch(c -> p.equals(c) || p.startsWith(c + "/"));
  }

  // ------------------------------------------------------------------ boot

  /**
   * Finishes ({@code SWAPPING}) or undoes ({@code PREPARING}) every restore a crash interrupted, so
   * that each server folder is whole again; the journal stays, marked {@code DONE}, for {@link
   * #reconcile} to start the server again. Needs only the folders, so the composition root calls it
   * before the servers are reconciled (a crash between the two renames of a full restore leaves no
   * folder under the server's name until this runs). Idempotent.
   */
  public static void repairInterruptedRestores(ServerLayout layout) {
    RestoreFolders.repair(layout);
  }

  /**
   * Repairs what a crash interrupted, after the servers were reconciled: finishes or undoes
   * restores (by their journals), removes partial archives and backups never completed, and brings
   * servers a crash left stopped or paused back to how they were.
   */
  public void reconcile() {
    repairInterruptedRestores(servers.layout());
    for (Map.Entry<Path, RestoreJournal> e : RestoreFolders.journals(servers.layout()).entrySet()) {
      RestoreJournal j = e.getValue();
      try {
        if (servers.find(j.server()).isPresent()) {
          servers.reloadDefinition(j.server());
          if (j.wasRunning()) {
            startQuietly(j.server());
          }
        }
        Files.deleteIfExists(e.getKey());
      } catch (IOException | RuntimeException ex) {
        LOG.atError()
            .addKeyValue("serverId", j.server())
            .addKeyValue("reason", ex.getMessage())
            .log("could not bring a server back after an interrupted restore");
      }
    }
    for (BackupRecord r : repository.unfinished()) {
      LOG.atWarn()
          .addKeyValue("serverId", r.server())
          .addKeyValue("backup", r.id())
          .log("removing a backup interrupted by a crash");
      abandon(r);
      if (r.wasRunning() && servers.find(r.server()).isPresent()) {
        if (r.consistency() == Consistency.PAUSE) {
          try {
            servers.unpause(r.server());
          } catch (RuntimeException e) {
            LOG.atError()
                .addKeyValue("serverId", r.server())
                .log("could not unpause: " + e.getMessage());
          }
        } else if (r.consistency() == Consistency.STOP) {
          startQuietly(r.server());
        }
      }
    }
    try {
      destination.restrictAccess();
    } catch (IOException e) {
      LOG.atWarn().log("could not make the backups owner-only: " + e.getMessage());
    }
    try {
      int n = destination.removePartials();
      if (n > 0) {
        LOG.atWarn().addKeyValue("files", n).log("removed partial archives left by a crash");
      }
    } catch (IOException e) {
      LOG.atWarn().log("could not remove partial archives: " + e.getMessage());
    }
    RestoreFolders.removeStray(servers.layout());
  }

  private void startQuietly(ServerId id) {
    try {
      servers.start(id);
    } catch (RuntimeException e) {
      LOG.atError()
          .addKeyValue("serverId", id)
          .addKeyValue("reason", e.getMessage())
          .log("could not start the server again after a crash");
    }
  }

  // ------------------------------------------------------------------ JSON

  private static Map<String, Object> event(BackupRecord r) {
    return Map.of("server", r.server().uid(), "backup", r.id().value(), "size", r.size());
  }

  /** The wire form of a backup. */
  public static Map<String, Object> json(BackupRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id().value());
    m.put("server", r.server().uid());
    m.put("createdAt", r.createdAt().toString());
    m.put("finishedAt", r.finishedAt() == null ? null : r.finishedAt().toString());
    m.put("size", r.size());
    m.put("contentSize", r.contentSize());
    m.put("files", r.files());
    m.put("sha256", r.sha256());
    m.put("locked", r.locked());
    m.put("consistency", r.consistency().wire());
    m.put("origin", r.origin().wire());
    return m;
  }
}
