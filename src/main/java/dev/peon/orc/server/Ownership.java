package dev.peon.orc.server;

import dev.peon.orc.fs.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * Which containers and networks are this orchestrator's: those carrying its labels, including its
 * instance id, so that several orchestrators can share one engine without touching each other's
 * servers. Containers made before instance ids existed (no instance label, but our other labels)
 * count as ours; they get the label when next recreated.
 */
final class Ownership {
  static final String LABEL_MANAGED = ServerService.LABEL_MANAGED;
  static final String LABEL_SERVER = ServerService.LABEL_SERVER;
  static final String LABEL_INSTANCE = "dev.peon.instance";
  static final String FILE = "instance-id";

  private final String instance;

  Ownership(String instance) {
    this.instance = instance;
  }

  /** The configured id, else the one stored in the data folder (made at first start). */
  static Ownership load(String configured, Path dataDir) {
    if (configured != null && !configured.isEmpty()) {
      return new Ownership(configured);
    }
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (stored.matches("[a-z0-9][a-z0-9-]{0,62}")) {
          return new Ownership(stored);
        }
      }
      byte[] random = new byte[8];
      new SecureRandom().nextBytes(random);
      String made = HexFormat.of().formatHex(random);
      Files.createDirectories(dataDir);
      FileTrees.writeAtomically(file, (made + "\n").getBytes(StandardCharsets.UTF_8));
      return new Ownership(made);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write " + file, e);
    }
  }

  String instance() {
    return instance;
  }

  /** The labels of a server's container and network. */
  Map<String, String> labels(ServerId id) {
    return Map.of(
        LABEL_MANAGED,
        "true",
        LABEL_SERVER,
        id.uid(),
        "dev.peon.game",
        id.game().value(),
        "dev.peon.servername",
        id.name(),
        LABEL_INSTANCE,
        instance);
  }

  /** True when labels mark something as this orchestrator's (any server). */
  boolean ownsAny(Map<String, String> labels) {
    if (!"true".equals(labels.get(LABEL_MANAGED)) || labels.get(LABEL_SERVER) == null) {
      return false;
    }
    String theirs = labels.get(LABEL_INSTANCE);
    return theirs == null || theirs.equals(instance);
  }

  /** True when labels carry this orchestrator's instance id (legacy objects do not). */
  boolean ownsExplicitly(Map<String, String> labels) {
    return ownsAny(labels) && instance.equals(labels.get(LABEL_INSTANCE));
  }

  /** True when labels mark something as this orchestrator's, for this server. */
  boolean owns(ServerId id, Map<String, String> labels) {
    return ownsAny(labels) && id.uid().equals(labels.get(LABEL_SERVER));
  }
}
