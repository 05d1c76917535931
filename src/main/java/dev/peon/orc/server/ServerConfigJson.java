package dev.peon.orc.server;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peon.orc.plan.Plan;
import dev.peon.orc.plan.PlanVariable;
import dev.peon.orc.plan.PortEntry;
import dev.peon.orc.plan.PortGroup;
import dev.peon.orc.plan.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds, reads and rewrites a server's {@code config.json} (the PEON consolidated plan). */
final class ServerConfigJson {
  private final ObjectMapper mapper;
  private final DefaultPrettyPrinter printer;

  ServerConfigJson(ObjectMapper mapper) {
    this.mapper = mapper;
    DefaultIndenter four = new DefaultIndenter("    ", DefaultIndenter.SYS_LF);
    this.printer = new DefaultPrettyPrinter().withObjectIndenter(four).withArrayIndenter(four);
  }

  /** The {@code ports} of a config.json: one {@code {NAME: ["port", "protocol"]}} per entry. */
  ArrayNode portsNode(PortGroup group) {
    ArrayNode ports = mapper.createArrayNode();
    for (PortEntry e : group.entries()) {
      ObjectNode one = ports.addObject();
      ArrayNode v = one.putArray(e.name());
      v.add(Integer.toString(e.port()));
      v.add(e.protocolText());
    }
    return ports;
  }

  /** The consolidated plan of a new server. */
  ObjectNode build(
      Plan plan, ServerId id, PortGroup group, Map<String, String> userValues, String description) {
    ObjectNode cfg = plan.raw().deepCopy();
    ObjectNode meta = cfg.get("metadata") instanceof ObjectNode m ? m : cfg.putObject("metadata");
    meta.put("game_uid", id.game().value());
    meta.put("warcamp", id.name());
    meta.put(
        "description",
        description != null && !description.isEmpty() ? description : plan.description());
    meta.put("hostname", id.containerName());
    meta.put("container_name", id.containerName());
    cfg.set("ports", portsNode(group));
    ObjectNode env = mapper.createObjectNode();
    for (PlanVariable v : plan.environment()) {
      String value = userValues.getOrDefault(v.name(), v.defaultValue());
      env.put(v.name(), value == null ? "" : value);
    }
    cfg.set("environment", env);
    if (cfg.has("limits")) {
      try {
        ResourceSettings.read(cfg.get("limits")).writeTo(cfg); // the plan's hint, normalised
      } catch (IllegalArgumentException e) {
        cfg.remove("limits"); // a bad hint is the plan's problem: run with the defaults
      }
    }
    return cfg;
  }

  byte[] render(JsonNode node) throws IOException {
    return (mapper.writer(printer).writeValueAsString(node) + "\n")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  ObjectNode read(Path file) throws IOException {
    JsonNode n = mapper.readTree(Files.readAllBytes(file));
    if (!(n instanceof ObjectNode o)) {
      throw new IOException("config.json is not a JSON object");
    }
    return o;
  }

  /** Parses a config.json tree (ours or the Python original's) into a definition. */
  ServerDefinition definition(ServerId id, ObjectNode cfg) {
    JsonNode meta = cfg.path("metadata");
    String image = meta.path("image").asText("");
    if (image.isBlank()) {
      throw new ServerException(
          ServerException.Kind.INVALID, "config.json of " + id + " has no metadata.image");
    }
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode envNode = cfg.path("environment");
    for (Iterator<Map.Entry<String, JsonNode>> it = envNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      env.put(e.getKey(), v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString());
    }
    List<PortEntry> ports = new ArrayList<>();
    JsonNode portsNode = cfg.path("ports");
    if (portsNode.isArray() && !portsNode.isEmpty() && portsNode.get(0).isArray()) {
      portsNode = portsNode.get(0); // an unflattened plan: the first group
    }
    for (JsonNode one : portsNode) {
      for (Iterator<Map.Entry<String, JsonNode>> it = one.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        PortEntry p = portEntry(e.getKey(), e.getValue());
        if (p != null) {
          ports.add(p);
        }
      }
    }
    return new ServerDefinition(
        id,
        image,
        meta.path("description").asText(""),
        env,
        ports,
        mounts(cfg.path("volumes")),
        mounts(cfg.path("files")),
        limits(id, cfg.get("limits")));
  }

  private static ResourceSettings limits(ServerId id, JsonNode node) {
    try {
      return ResourceSettings.read(node);
    } catch (IllegalArgumentException e) {
      throw new ServerException(
          ServerException.Kind.INVALID, "config.json of " + id + ": " + e.getMessage());
    }
  }

  private static PortEntry portEntry(String name, JsonNode v) {
    if (!v.isArray() || v.isEmpty()) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(v.get(0).asText().trim());
    } catch (NumberFormatException e) {
      return null;
    }
    if (port < 1 || port > 65535) {
      return null;
    }
    String proto = v.size() > 1 ? v.get(1).asText("") : "";
    PortEntry.PortProtocol p =
        switch (proto.toLowerCase(Locale.ROOT)) {
          case "tcp" -> PortEntry.PortProtocol.TCP;
          case "udp" -> PortEntry.PortProtocol.UDP;
          default -> PortEntry.PortProtocol.BOTH;
        };
    return new PortEntry(name, port, p, proto);
  }

  private static List<VolumeMount> mounts(JsonNode node) {
    List<VolumeMount> out = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String target = e.getValue().asText("");
      if (target.isEmpty() || targets.contains(target)) {
        continue; // Docker refuses duplicate mount points: the first wins, as in plans
      }
      targets.add(target);
      out.add(new VolumeMount(e.getKey(), target));
    }
    return out;
  }
}
