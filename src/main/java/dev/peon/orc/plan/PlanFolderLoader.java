package dev.peon.orc.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads every plan folder and the registry of a plans directory into a snapshot. */
final class PlanFolderLoader {
  static final String REGISTRY_FILE = "plans.json";
  private static final Logger LOG = LoggerFactory.getLogger(PlanFolderLoader.class);
  private static final Comparator<RegistryEntry> BY_TITLE =
      Comparator.comparing((RegistryEntry e) -> e.title().toLowerCase(Locale.ROOT))
          .thenComparing(RegistryEntry::gameUid);

  private final ObjectMapper mapper;
  private final PlanParser parser;

  PlanFolderLoader(ObjectMapper mapper) {
    this.mapper = mapper;
    this.parser = new PlanParser(mapper);
  }

  PlanSnapshot load(Path plansDir) {
    if (!Files.isDirectory(plansDir)) {
      return PlanSnapshot.EMPTY;
    }
    Map<PlanId, Plan> plans = new TreeMap<>();
    Map<String, String> rejected = new TreeMap<>();
    for (Path folder : planFolders(plansDir)) {
      String name = folder.getFileName().toString();
      try {
        Plan plan = parser.parse(folder);
        plans.put(plan.id(), plan);
        if (!plan.warnings().isEmpty()) {
          LOG.atWarn()
              .addKeyValue("plan", name)
              .addKeyValue("warnings", plan.warnings().size())
              .log("plan loaded with warnings: {}", plan.warnings());
        }
      } catch (PlanRejectedException e) {
        rejected.put(name, e.getMessage());
        LOG.atWarn().addKeyValue("plan", name).log("plan rejected: {}", e.getMessage());
      }
    }
    return new PlanSnapshot(plans, registry(plansDir, plans), rejected);
  }

  private static List<Path> planFolders(Path plansDir) {
    List<Path> folders = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(plansDir)) {
      for (Path child : children) {
        boolean hidden = child.getFileName().toString().startsWith(".");
        if (!hidden
            && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)
            && Files.exists(child.resolve(PlanParser.PLAN_FILE), LinkOption.NOFOLLOW_LINKS)) {
          folders.add(child);
        }
      }
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("dir", plansDir).log("cannot list plans: {}", e.getMessage());
    }
    folders.sort(Comparator.naturalOrder());
    return folders;
  }

  private List<RegistryEntry> registry(Path plansDir, Map<PlanId, Plan> plans) {
    Path file = plansDir.resolve(REGISTRY_FILE);
    List<RegistryEntry> entries = null;
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      entries = readRegistry(file);
    }
    if (entries == null) {
      entries = new ArrayList<>();
      for (PlanId id : plans.keySet()) {
        entries.add(new RegistryEntry(id.value(), id.value(), ""));
      }
    }
    entries.sort(BY_TITLE);
    return entries;
  }

  /** The entries of plans.json, or null when it cannot be used (then folders are listed). */
  private List<RegistryEntry> readRegistry(Path file) {
    JsonNode tree;
    try {
      tree = mapper.readTree(file.toFile());
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("file", file).log("unreadable registry, listing plan folders");
      return null;
    }
    if (!tree.isArray()) {
      LOG.atWarn().addKeyValue("file", file).log("registry is not a list, listing plan folders");
      return null;
    }
    List<RegistryEntry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode node : tree) {
      String gameUid = node.path("game_uid").asText("");
      if (gameUid.isBlank() || !seen.add(gameUid)) {
        LOG.atWarn().addKeyValue("file", file).log("registry entry skipped: {}", node);
        continue;
      }
      String title = node.path("title").asText("");
      entries.add(
          new RegistryEntry(
              title.isEmpty() ? gameUid : title, gameUid, node.path("plan_url").asText("")));
    }
    return entries;
  }

  static Map<String, RegistryEntry> byGameUid(List<RegistryEntry> entries) {
    Map<String, RegistryEntry> map = new LinkedHashMap<>();
    entries.forEach(e -> map.putIfAbsent(e.gameUid(), e));
    return map;
  }
}
