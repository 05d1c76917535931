package dev.peon.orc.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.plan.PlanSnapshot.RegistryOrigin;
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
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads every plan folder and the registry of a plans directory into a snapshot. A plan or registry
 * that cannot be read falls back to its kept previous version when there is one. Logs nothing: the
 * catalog reports a snapshot's problems and warnings once, summarised.
 */
final class PlanFolderLoader {
  static final String REGISTRY_FILE = "plans.json";
  private static final Comparator<RegistryEntry> BY_TITLE =
      Comparator.comparing((RegistryEntry e) -> e.title().toLowerCase(Locale.ROOT))
          .thenComparing(RegistryEntry::gameUid);

  private final ObjectMapper mapper;
  private final PlanParser parser;

  PlanFolderLoader(ObjectMapper mapper) {
    this.mapper = mapper;
    this.parser = new PlanParser(mapper);
  }

  PlanSnapshot load(Path plansDir, KeptPlans kept) {
    if (!Files.isDirectory(plansDir)) {
      return PlanSnapshot.EMPTY;
    }
    Map<PlanId, Plan> plans = new TreeMap<>();
    Map<String, String> rejected = new TreeMap<>();
    List<PlanProblem> problems = new ArrayList<>();
    for (Path folder : planFolders(plansDir)) {
      String name = folder.getFileName().toString();
      try {
        Plan plan = parser.parse(folder);
        plans.put(plan.id(), plan);
      } catch (PlanRejectedException e) {
        PlanProblem problem = problem(plansDir, name, e);
        Optional<Plan> previous = previous(name, kept);
        if (previous.isPresent()) {
          plans.put(previous.get().id(), previous.get());
          problems.add(problem.keptPrevious());
        } else {
          rejected.put(name, e.getMessage());
          problems.add(problem);
        }
      }
    }
    List<String> registryWarnings = new ArrayList<>();
    Path file = plansDir.resolve(REGISTRY_FILE);
    RegistryOrigin origin = RegistryOrigin.FOLDERS;
    List<RegistryEntry> registry = null;
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      try {
        registry = readRegistry(file, registryWarnings);
        origin = RegistryOrigin.FILE;
      } catch (PlanRejectedException e) {
        PlanProblem problem = problem(plansDir, null, e);
        registry = kept.registry().orElse(null);
        origin = registry == null ? RegistryOrigin.FOLDERS : RegistryOrigin.KEPT;
        problems.add(registry == null ? problem : problem.keptPrevious());
      }
    }
    if (registry == null) {
      registry = new ArrayList<>();
      for (PlanId id : plans.keySet()) {
        registry.add(new RegistryEntry(id.value(), id.value(), ""));
      }
    }
    registry = new ArrayList<>(registry);
    registry.sort(BY_TITLE);
    return new PlanSnapshot(plans, registry, rejected, problems, origin, registryWarnings);
  }

  private Optional<Plan> previous(String name, KeptPlans kept) {
    if (!PlanId.isValid(name)) {
      return Optional.empty();
    }
    return kept.folder(new PlanId(name))
        .flatMap(
            folder -> {
              try {
                return Optional.of(parser.parse(folder));
              } catch (PlanRejectedException e) {
                return Optional.empty();
              }
            });
  }

  private static PlanProblem problem(Path plansDir, String plan, PlanRejectedException e) {
    Path file = e.file();
    String relative =
        file.startsWith(plansDir) ? plansDir.relativize(file).toString() : file.toString();
    return new PlanProblem(plan, relative, e.line(), e.column(), e.problem(), false);
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
      // an unlistable folder reads as empty; the sync that filled it reported the cause
      return folders;
    }
    folders.sort(Comparator.naturalOrder());
    return folders;
  }

  /**
   * The entries of plans.json; entries without game_uid or repeated are skipped into {@code
   * warnings}.
   *
   * @throws PlanRejectedException when the file is not a readable JSON list
   */
  private List<RegistryEntry> readRegistry(Path file, List<String> warnings) {
    JsonNode tree;
    try {
      tree = mapper.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new PlanRejectedException(
          file, "broken JSON: " + e.getOriginalMessage(), e.getLocation());
    } catch (IOException e) {
      throw new PlanRejectedException(file, "unreadable: " + e.getMessage());
    }
    if (tree == null || !tree.isArray()) {
      throw new PlanRejectedException(file, "the registry must be a JSON list");
    }
    List<RegistryEntry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode node : tree) {
      String gameUid = node.path("game_uid").asText("");
      if (gameUid.isBlank()) {
        warnings.add("registry entry without game_uid skipped");
        continue;
      }
      if (!seen.add(gameUid)) {
        warnings.add("registry entry repeating game_uid " + gameUid + " skipped");
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
