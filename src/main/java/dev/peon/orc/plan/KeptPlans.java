package dev.peon.orc.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.peon.orc.fs.FileTrees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The last good version of plans (and of the registry) whose newer version in the source is broken,
 * in {@code <plans>-kept/}: a plan keeps working until its source is fixed, across restarts too.
 */
final class KeptPlans {
  static final String REGISTRY_FILE = PlanFolderLoader.REGISTRY_FILE;

  /** Writes a plan folder's content into a new folder. */
  @FunctionalInterface
  interface FolderWriter {
    void writeTo(Path target) throws IOException;
  }

  private final Path root;
  private final ObjectMapper mapper;

  KeptPlans(Path plansDir, ObjectMapper mapper) {
    this.root = plansDir.resolveSibling(plansDir.getFileName() + "-kept");
    this.mapper = mapper;
  }

  /** The kept folder of {@code id}, if there is one. */
  Optional<Path> folder(PlanId id) {
    Path folder = root.resolve(id.value());
    return Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)
        ? Optional.of(folder)
        : Optional.empty();
  }

  /** Replaces the kept version of {@code id} with what {@code writer} writes. */
  void keep(PlanId id, FolderWriter writer) throws IOException {
    Files.createDirectories(root);
    Path target = root.resolve(id.value());
    Path temp = DirectorySwap.temporarySibling(target, "keep");
    try {
      Files.createDirectories(temp);
      writer.writeTo(temp);
      DirectorySwap.replace(target, temp);
    } finally {
      DirectorySwap.deleteQuietly(temp);
    }
  }

  /** Drops every kept plan not in {@code stillNeeded}. */
  void retainOnly(Set<PlanId> stillNeeded) throws IOException {
    for (PlanId id : ids()) {
      if (!stillNeeded.contains(id)) {
        FileTrees.deleteTree(root.resolve(id.value()));
      }
    }
  }

  private Set<PlanId> ids() throws IOException {
    Set<PlanId> ids = new TreeSet<>();
    if (!Files.isDirectory(root)) {
      return ids;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        if (PlanId.isValid(name) && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
          ids.add(new PlanId(name));
        }
      }
    }
    return ids;
  }

  /** The kept registry, if there is one and it is readable. */
  Optional<List<RegistryEntry>> registry() {
    Path file = root.resolve(REGISTRY_FILE);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try {
      List<RegistryEntry> entries = new ArrayList<>();
      for (JsonNode node : mapper.readTree(file.toFile())) {
        entries.add(
            new RegistryEntry(
                node.path("title").asText(),
                node.path("game_uid").asText(),
                node.path("plan_url").asText()));
      }
      return Optional.of(entries);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Keeps {@code entries} as the registry to use while the source's registry is broken. */
  void keepRegistry(List<RegistryEntry> entries) throws IOException {
    Files.createDirectories(root);
    ArrayNode list = mapper.createArrayNode();
    for (RegistryEntry e : entries) {
      list.addObject()
          .put("title", e.title())
          .put("game_uid", e.gameUid())
          .put("plan_url", e.planUrl());
    }
    FileTrees.writeAtomically(root.resolve(REGISTRY_FILE), mapper.writeValueAsBytes(list));
  }

  void dropRegistry() throws IOException {
    Files.deleteIfExists(root.resolve(REGISTRY_FILE));
  }
}
