package dev.peon.orc.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.plan.PortEntry.PortProtocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one plan folder's {@code plan.json} leniently: tolerated oddities become {@link
 * Plan#warnings()}; only what cannot be deployed is rejected with {@link PlanRejectedException}.
 */
public final class PlanParser {
  static final String PLAN_FILE = "plan.json";
  private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,5}");

  private final ObjectMapper mapper;

  public PlanParser(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public PlanParser() {
    this(new ObjectMapper());
  }

  /** Parses {@code <folder>/plan.json}; the folder name is the plan id. */
  public Plan parse(Path folder) {
    Path file = folder.resolve(PLAN_FILE);
    Path name = folder.getFileName();
    String folderName = name == null ? "" : name.toString();
    if (!PlanId.isValid(folderName)) {
      throw new PlanRejectedException(
          file, "folder name '" + folderName + "' is not a valid game_uid");
    }
    ObjectNode root = read(file);
    return parse(new PlanId(folderName), root, file, folder);
  }

  private ObjectNode read(Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new PlanRejectedException(file, "missing or not a regular file");
    }
    JsonNode tree;
    try {
      tree = mapper.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new PlanRejectedException(
          file, "broken JSON: " + e.getOriginalMessage(), e.getLocation());
    } catch (IOException e) {
      throw new PlanRejectedException(file, "unreadable: " + e.getMessage());
    }
    if (tree instanceof ObjectNode object) {
      return object;
    }
    throw new PlanRejectedException(file, "top level must be a JSON object");
  }

  private static Plan parse(PlanId id, ObjectNode root, Path file, Path folder) {
    List<String> warnings = new ArrayList<>();
    JsonNode metadata = root.path("metadata");
    if (!metadata.isObject()) {
      throw new PlanRejectedException(file, "missing metadata (and so metadata.image)");
    }
    JsonNode imageNode = metadata.path("image");
    if (!imageNode.isTextual() || imageNode.asText().isBlank()) {
      throw new PlanRejectedException(file, "missing or empty metadata.image");
    }
    String image = imageNode.asText().trim();
    JsonNode gameUid = metadata.path("game_uid");
    if (!gameUid.isTextual()) {
      warnings.add("metadata.game_uid is missing; using the folder name '" + id + "'");
    } else if (!gameUid.asText().equals(id.value())) {
      warnings.add(
          "metadata.game_uid '"
              + gameUid.asText()
              + "' differs from the folder name; using '"
              + id
              + "'");
    }
    return new Plan(
        id,
        image,
        scalarText(metadata.path("version")),
        scalarText(metadata.path("description")),
        scalarText(metadata.path("mode")),
        PortParser.parse(root.path("ports"), warnings),
        environment(root.path("environment"), warnings),
        mounts("volumes", root.path("volumes"), new HashSet<>(), warnings),
        files(root, warnings),
        root,
        folder,
        warnings);
  }

  private static String scalarText(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return "";
    }
    return node.isTextual() ? node.asText() : node.toString();
  }

  private static List<PlanVariable> environment(JsonNode node, List<String> warnings) {
    List<PlanVariable> variables = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return variables;
    }
    if (!node.isObject()) {
      warnings.add("environment is not an object; ignored");
      return variables;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode value = e.getValue();
      String text;
      if (value.isNull()) {
        text = null;
      } else if (value.isTextual()) {
        text = value.asText();
      } else {
        if (value.isContainerNode()) {
          warnings.add("environment." + e.getKey() + " is not a scalar; kept as its JSON text");
        }
        text = value.toString();
      }
      variables.add(new PlanVariable(e.getKey(), text));
    }
    return variables;
  }

  private static List<VolumeMount> files(ObjectNode root, List<String> warnings) {
    Set<String> targets = new HashSet<>();
    JsonNode volumes = root.path("volumes");
    if (volumes.isObject()) {
      volumes.properties().forEach(e -> targets.add(e.getValue().asText()));
    }
    return mounts("files", root.path("files"), targets, warnings);
  }

  /** Source -> target mounts; a container path already taken keeps its first mount. */
  private static List<VolumeMount> mounts(
      String field, JsonNode node, Set<String> takenTargets, List<String> warnings) {
    List<VolumeMount> mounts = new ArrayList<>();
    if (node.isMissingNode() || node.isNull()) {
      return mounts;
    }
    if (!node.isObject()) {
      warnings.add(field + " is not an object; ignored");
      return mounts;
    }
    Set<String> ownTargets = new HashSet<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String source = e.getKey();
      JsonNode targetNode = e.getValue();
      if (!targetNode.isTextual() || targetNode.asText().isBlank()) {
        warnings.add(field + "." + source + ": target is not a path; skipped");
        continue;
      }
      String target = targetNode.asText();
      boolean duplicate =
          ownTargets.contains(target)
              || (!field.equals("volumes") && takenTargets.contains(target));
      if (duplicate) {
        warnings.add(
            field + "." + source + ": container path " + target + " is already mounted; skipped");
        continue;
      }
      ownTargets.add(target);
      mounts.add(new VolumeMount(source, target));
    }
    return mounts;
  }

  /** The {@code ports} field: a list of alternative groups of one-key objects. */
  static final class PortParser {
    private PortParser() {}

    static List<PortGroup> parse(JsonNode node, List<String> warnings) {
      List<PortGroup> groups = new ArrayList<>();
      if (node.isMissingNode() || node.isNull()) {
        return groups;
      }
      if (node.isObject()) {
        warnings.add("ports is a single object instead of a list of groups; used as one group");
        addGroup(groups, List.of(node), 0, warnings);
        return groups;
      }
      if (!node.isArray()) {
        warnings.add("ports is not a list; ignored");
        return groups;
      }
      if (!node.isEmpty() && allObjects(node)) {
        warnings.add("ports is a single group instead of a list of groups; used as one group");
        addGroup(groups, list(node), 0, warnings);
        return groups;
      }
      int index = 0;
      for (JsonNode group : node) {
        if (group.isArray()) {
          addGroup(groups, list(group), index, warnings);
        } else {
          warnings.add("ports[" + index + "] is not a list of ports; skipped");
        }
        index++;
      }
      return groups;
    }

    private static boolean allObjects(JsonNode array) {
      for (JsonNode element : array) {
        if (!element.isObject()) {
          return false;
        }
      }
      return true;
    }

    private static List<JsonNode> list(JsonNode array) {
      List<JsonNode> nodes = new ArrayList<>();
      array.forEach(nodes::add);
      return nodes;
    }

    private static void addGroup(
        List<PortGroup> groups, List<JsonNode> nodes, int index, List<String> warnings) {
      List<PortEntry> entries = new ArrayList<>();
      for (JsonNode node : nodes) {
        if (!node.isObject()) {
          warnings.add("ports[" + index + "]: " + node + " is not a NAME -> [port, protocol]");
          continue;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          PortEntry entry = entry(e.getKey(), e.getValue(), index, warnings);
          if (entry != null) {
            entries.add(entry);
          }
        }
      }
      if (entries.isEmpty()) {
        warnings.add("ports[" + index + "] has no valid port; group skipped");
        return;
      }
      groups.add(new PortGroup(entries));
    }

    private static PortEntry entry(String name, JsonNode value, int index, List<String> warnings) {
      String where = "ports[" + index + "]." + name;
      JsonNode portNode = value.isArray() ? value.path(0) : value;
      JsonNode protocolNode = value.isArray() ? value.path(1) : null;
      if (!value.isArray()) {
        warnings.add(where + ": expected [port, protocol]; using tcp and udp");
      }
      int port = port(portNode);
      if (port < 0) {
        warnings.add(where + ": invalid port " + portNode + "; skipped");
        return null;
      }
      String protocolText =
          protocolNode != null && protocolNode.isTextual() ? protocolNode.asText() : "";
      return new PortEntry(name, port, protocol(protocolText), protocolText);
    }

    private static int port(JsonNode node) {
      int port = -1;
      if (node.isIntegralNumber() && node.canConvertToInt()) {
        port = node.intValue();
      } else if (node.isTextual() && DECIMAL.matcher(node.asText().trim()).matches()) {
        port = Integer.parseInt(node.asText().trim());
      }
      return port >= 1 && port <= 65535 ? port : -1;
    }

    static PortProtocol protocol(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "tcp" -> PortProtocol.TCP;
        case "udp" -> PortProtocol.UDP;
        default -> PortProtocol.BOTH;
      };
    }
  }
}
