package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build's OpenAPI linter: the rules of Redocly's {@code recommended} set (and Spectral's {@code
 * oas} rules of the same meaning) that code generators and documentation tools trip over, checked
 * on {@code openapi.json} in Java so that the build needs no JavaScript toolchain. {@code
 * tools/lint-openapi} runs Redocly itself on the same file, for a second opinion.
 *
 * <p>Not checked: {@code info-license} (the project has not chosen a licence yet) and {@code
 * operation-4xx-response} for the unauthenticated probes ({@code security: []}), which have no
 * client error to document; {@code .redocly.lint-ignore.yaml} lists the same exceptions.
 */
class OpenApiLintTest {
  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
  private static final Pattern URL_SAFE = Pattern.compile("[A-Za-z0-9._~-]+");
  private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}/]+)}");

  private static JsonNode doc;

  @BeforeAll
  static void readDocument() throws IOException {
    try (InputStream in = OpenApiLintTest.class.getResourceAsStream("/openapi.json")) {
      doc = new ObjectMapper().readTree(in);
    }
  }

  /** Calls {@code each} with "METHOD path" and the operation object, for every operation. */
  private static void operations(BiConsumer<String, JsonNode> each) {
    doc.path("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        op -> {
                          if (METHODS.contains(op.getKey())) {
                            each.accept(
                                op.getKey().toUpperCase() + " " + path.getKey(), op.getValue());
                          }
                        }));
  }

  @Test
  void operationIdsArePresentUniqueAndUrlSafe() {
    Map<String, List<String>> where = new HashMap<>();
    List<String> bad = new ArrayList<>();
    operations(
        (name, op) -> {
          String id = op.path("operationId").asText("");
          if (!URL_SAFE.matcher(id).matches()) {
            bad.add(name + ": operationId '" + id + "'");
          }
          where.computeIfAbsent(id, k -> new ArrayList<>()).add(name);
        });
    where.forEach(
        (id, ops) -> {
          if (ops.size() > 1) {
            bad.add("operationId '" + id + "' used by " + ops);
          }
        });
    assertThat(bad).as("operation-operationId-unique / -url-safe").isEmpty();
  }

  @Test
  void everyOperationHasASummaryATagASuccessAndAClientError() {
    Set<String> tags = new HashSet<>();
    doc.path("tags").forEach(t -> tags.add(t.path("name").asText()));
    List<String> bad = new ArrayList<>();
    operations(
        (name, op) -> {
          if (op.path("summary").asText("").isBlank()) {
            bad.add(name + ": no summary");
          }
          if (op.path("tags").isEmpty()) {
            bad.add(name + ": no tag");
          }
          op.path("tags")
              .forEach(
                  t -> {
                    if (!tags.contains(t.asText())) {
                      bad.add(name + ": tag '" + t.asText() + "' is not declared");
                    }
                  });
          Set<String> codes = new TreeSet<>();
          op.path("responses").fieldNames().forEachRemaining(codes::add);
          if (codes.stream().noneMatch(c -> c.startsWith("2") || c.startsWith("3"))) {
            bad.add(name + ": no 2xx response");
          }
          boolean open = op.has("security") && op.path("security").isEmpty();
          if (!open && codes.stream().noneMatch(c -> c.startsWith("4"))) {
            bad.add(name + ": no 4xx response");
          }
        });
    assertThat(bad)
        .as("operation-summary, operation-tag-defined, operation-2xx/4xx-response")
        .isEmpty();
  }

  @Test
  void pathsAreCleanUnambiguousAndTheirParametersDefined() {
    List<String> bad = new ArrayList<>();
    Map<String, String> shapes = new HashMap<>();
    doc.path("paths")
        .properties()
        .forEach(
            path -> {
              String p = path.getKey();
              if (p.length() > 1 && p.endsWith("/")) {
                bad.add(p + ": trailing slash");
              }
              if (p.contains("?")) {
                bad.add(p + ": query in the path");
              }
              String shape = TEMPLATE_PARAM.matcher(p).replaceAll("{}");
              String other = shapes.putIfAbsent(shape, p);
              if (other != null) {
                bad.add(p + ": same shape as " + other);
              }
              Set<String> inTemplate = new TreeSet<>();
              Matcher m = TEMPLATE_PARAM.matcher(p);
              while (m.find()) {
                inTemplate.add(m.group(1));
              }
              List<JsonNode> shared = resolved(path.getValue().path("parameters"));
              path.getValue()
                  .properties()
                  .forEach(
                      op -> {
                        if (!METHODS.contains(op.getKey())) {
                          return;
                        }
                        List<JsonNode> all = new ArrayList<>(shared);
                        List<JsonNode> own = resolved(op.getValue().path("parameters"));
                        all.addAll(own);
                        Set<String> declared = new TreeSet<>();
                        Set<String> seen = new HashSet<>();
                        for (JsonNode param : own) {
                          String key =
                              param.path("in").asText() + ":" + param.path("name").asText();
                          if (!seen.add(key)) {
                            bad.add(op.getKey() + " " + p + ": parameter " + key + " twice");
                          }
                        }
                        for (JsonNode param : all) {
                          if (param.path("in").asText().equals("path")) {
                            declared.add(param.path("name").asText());
                            if (!param.path("required").asBoolean(false)) {
                              bad.add(op.getKey() + " " + p + ": path parameter not required");
                            }
                          }
                        }
                        if (!declared.equals(inTemplate)) {
                          bad.add(
                              op.getKey()
                                  + " "
                                  + p
                                  + ": path parameters "
                                  + declared
                                  + " but template has "
                                  + inTemplate);
                        }
                      });
            });
    assertThat(bad)
        .as(
            "no-path-trailing-slash, path-not-include-query, no-ambiguous-paths,"
                + " path-parameters-defined, operation-parameters-unique")
        .isEmpty();
  }

  @Test
  void securitySchemesUsedAreDefined() {
    Set<String> schemes = new HashSet<>();
    doc.path("components").path("securitySchemes").fieldNames().forEachRemaining(schemes::add);
    List<String> bad = new ArrayList<>();
    List<JsonNode> requirements = new ArrayList<>();
    doc.path("security").forEach(requirements::add);
    operations((name, op) -> op.path("security").forEach(requirements::add));
    for (JsonNode requirement : requirements) {
      requirement
          .fieldNames()
          .forEachRemaining(
              s -> {
                if (!schemes.contains(s)) {
                  bad.add("security scheme '" + s + "' is not defined");
                }
              });
    }
    assertThat(doc.path("security").isEmpty()).as("a global security requirement").isFalse();
    assertThat(bad).as("security-defined").isEmpty();
  }

  @Test
  void everyComponentIsUsed() {
    Set<String> refs = new HashSet<>();
    collectRefs(doc, refs);
    List<String> unused = new ArrayList<>();
    doc.path("components")
        .properties()
        .forEach(
            kind -> {
              if (kind.getKey().equals("securitySchemes")) {
                return;
              }
              kind.getValue()
                  .fieldNames()
                  .forEachRemaining(
                      name -> {
                        String ref = "#/components/" + kind.getKey() + "/" + name;
                        if (!refs.contains(ref)) {
                          unused.add(ref);
                        }
                      });
            });
    assertThat(unused).as("no-unused-components").isEmpty();
  }

  @Test
  void requiredPropertiesAreDefined() {
    List<String> bad = new ArrayList<>();
    checkRequired(doc, "#", bad);
    assertThat(bad).as("no-required-schema-properties-undefined").isEmpty();
  }

  private static void checkRequired(JsonNode node, String at, List<String> bad) {
    if (node.isObject()) {
      boolean composed = node.has("allOf") || node.has("anyOf") || node.has("oneOf");
      if (node.path("required").isArray() && !composed) {
        for (JsonNode name : node.path("required")) {
          if (!node.path("properties").has(name.asText())) {
            bad.add(at + ": required '" + name.asText() + "' is not among the properties");
          }
        }
      }
      node.properties().forEach(e -> checkRequired(e.getValue(), at + "/" + e.getKey(), bad));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkRequired(node.get(i), at + "/" + i, bad);
      }
    }
  }

  private static void collectRefs(JsonNode node, Set<String> refs) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
                  refs.add(e.getValue().asText());
                } else {
                  collectRefs(e.getValue(), refs);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, refs));
    }
  }

  private static List<JsonNode> resolved(JsonNode parameters) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : parameters) {
      out.add(p.has("$ref") ? doc.at(p.path("$ref").asText().substring(1)) : p);
    }
    return out;
  }
}
