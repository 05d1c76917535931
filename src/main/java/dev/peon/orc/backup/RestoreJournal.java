package dev.peon.orc.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.fs.FileTrees;
import dev.peon.orc.server.ServerId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The on-disk record of a restore in progress, {@code <game>/.restore-<name>.json} beside the
 * server folder, so that the next start can finish or undo one interrupted by a crash. Phases:
 * {@code PREPARING} (the live folder is untouched: undo by deleting the extracted copy) and {@code
 * SWAPPING} (the extracted copy is verified: finish the swap).
 *
 * @param paths the chosen paths of a partial restore; empty for a full one
 * @param excludes the backup's excludes: what a full restore carries over from the live folder
 */
record RestoreJournal(
    ServerId server,
    BackupId backup,
    Phase phase,
    boolean wasRunning,
    List<String> paths,
    List<String> excludes) {
  private static final ObjectMapper JSON = new ObjectMapper();

  RestoreJournal {
    paths = List.copyOf(paths);
    excludes = List.copyOf(excludes);
  }

  enum Phase {
    PREPARING,
    SWAPPING,
    /** Repaired before the servers were read; the server still has to be started again. */
    DONE
  }

  RestoreJournal in(Phase p) {
    return new RestoreJournal(server, backup, p, wasRunning, paths, excludes);
  }

  static Path file(Path serverDir) {
    return serverDir.resolveSibling(".restore-" + serverDir.getFileName() + ".json");
  }

  static Path extracted(Path serverDir, BackupId id) {
    return serverDir.resolveSibling(".restore-" + serverDir.getFileName() + "-" + id);
  }

  static Path previous(Path serverDir, BackupId id) {
    return serverDir.resolveSibling(".previous-" + serverDir.getFileName() + "-" + id);
  }

  void write(Path serverDir) {
    ObjectNode o = JSON.createObjectNode();
    o.put("server", server.uid());
    o.put("backup", backup.value());
    o.put("phase", phase.name());
    o.put("wasRunning", wasRunning);
    var pa = o.putArray("paths");
    paths.forEach(pa::add);
    var ex = o.putArray("excludes");
    excludes.forEach(ex::add);
    try {
      FileTrees.writeAtomically(file(serverDir), JSON.writeValueAsBytes(o));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Optional<RestoreJournal> read(Path journal) throws IOException {
    if (!Files.isRegularFile(journal, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    JsonNode o = JSON.readTree(Files.readAllBytes(journal));
    List<String> paths = new ArrayList<>();
    o.path("paths").forEach(n -> paths.add(n.asText()));
    List<String> excludes = new ArrayList<>();
    o.path("excludes").forEach(n -> excludes.add(n.asText()));
    return Optional.of(
        new RestoreJournal(
            ServerId.parse(o.path("server").asText()),
            new BackupId(o.path("backup").asText()),
            Phase.valueOf(o.path("phase").asText()),
            o.path("wasRunning").asBoolean(),
            paths,
            excludes));
  }
}
