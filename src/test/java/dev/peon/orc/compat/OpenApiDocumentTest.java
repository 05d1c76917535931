package dev.peon.orc.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peon.orc.http.Routes;
import dev.peon.orc.runtime.ContainerRuntime;
import dev.peon.orc.store.Database;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code openapi.json} true to the routes: every registered v1 and health route is
 * documented, every documented operation exists, every {@code $ref} resolves, and examples of the
 * server object are complete.
 */
class OpenApiDocumentTest {
  private static final Set<HandlerType> HTTP_METHODS =
      Set.of(
          HandlerType.GET,
          HandlerType.POST,
          HandlerType.PUT,
          HandlerType.PATCH,
          HandlerType.DELETE,
          HandlerType.HEAD);
  private static final Set<String> OPERATION_KEYS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
  private static final String SERVER_REF = "#/components/schemas/Server";

  private static JsonNode doc;

  @BeforeAll
  static void readDocument() throws IOException {
    try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/openapi.json")) {
      assertThat(in).as("openapi.json on the classpath").isNotNull();
      doc = new ObjectMapper().readTree(in);
    }
  }

  @Test
  void isAnOpenApi31Document() {
    assertThat(doc.path("openapi").asText()).startsWith("3.1.");
    assertThat(doc.path("info").path("title").isTextual()).isTrue();
    assertThat(doc.path("info").path("version").isTextual()).isTrue();
    assertThat(doc.path("paths").isObject()).isTrue();
  }

  @Test
  void documentsExactlyTheRegisteredRoutes() throws Exception {
    assertThat(documentedOperations()).isEqualTo(registeredOperations());
  }

  @Test
  void requiresTheApiKeyEverywhereButOnPublicPaths() {
    JsonNode scheme = doc.at("/components/securitySchemes/ApiKey");
    assertThat(scheme.path("type").asText()).isEqualTo("apiKey");
    assertThat(scheme.path("in").asText()).isEqualTo("header");
    assertThat(scheme.path("name").asText()).isEqualTo("X-Api-Key");
    assertThat(doc.at("/security/0").has("ApiKey")).isTrue();
    Set<String> open = new TreeSet<>();
    doc.path("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        op -> {
                          JsonNode security = op.getValue().get("security");
                          if (security != null && security.isEmpty()) {
                            open.add(path.getKey());
                          }
                        }));
    assertThat(open).containsExactlyInAnyOrder("/openapi.json", "/healthz", "/readyz");
  }

  @Test
  void everyReferenceResolves() {
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).as("local reference").startsWith("#/");
      assertThat(doc.at(ref.substring(1)).isMissingNode()).as("target of %s", ref).isFalse();
    }
  }

  @Test
  void serverExamplesCarryEveryRequiredField() {
    JsonNode server = doc.at("/components/schemas/Server");
    List<String> required = new ArrayList<>();
    server.path("required").forEach(n -> required.add(n.asText()));
    assertThat(required)
        .containsExactly(
            "game_uid",
            "servername",
            "container_type",
            "build_version",
            "container_state",
            "server_state",
            "server_config",
            "description",
            "time");
    List<String> properties = new ArrayList<>();
    server.path("properties").fieldNames().forEachRemaining(properties::add);
    assertThat(properties).containsExactlyElementsOf(required);

    List<JsonNode> examples = new ArrayList<>();
    server.path("examples").forEach(examples::add);
    collectServerExamples(doc, examples);
    assertThat(examples.size()).as("server examples found").isGreaterThan(3);
    for (JsonNode example : examples) {
      for (String field : required) {
        assertThat(example.has(field)).as("%s in example %s", field, example).isTrue();
      }
      assertThat(server.at("/properties/container_state/enum").toString())
          .contains("\"" + example.path("container_state").asText() + "\"");
    }
  }

  // ------------------------------------------------------------ routes

  private static Set<String> registeredOperations() throws Exception {
    Javalin app = Javalin.create();
    new PeonV1Routes(null, null, null, Clock.systemUTC(), "test").register(app);
    healthRoutes().register(app);
    Set<String> ops = new TreeSet<>();
    for (var parsed : app.unsafeConfig().pvt.internalRouter.allHttpHandlers()) {
      var endpoint = parsed.getEndpoint();
      if (!HTTP_METHODS.contains(endpoint.getMethod())
          || endpoint.getPath().startsWith("/api/1.0/")) {
        continue;
      }
      ops.add(endpoint.getMethod().name() + " " + normalize(endpoint.getPath()));
    }
    assertThat(ops).as("routes found in Javalin's router").isNotEmpty();
    return ops;
  }

  /** HealthRoutes is package-private in {@code app}; its constructor only stores references. */
  private static Routes healthRoutes() throws Exception {
    Constructor<?> c =
        Class.forName("dev.peon.orc.app.HealthRoutes")
            .getDeclaredConstructor(Database.class, ContainerRuntime.class);
    c.setAccessible(true);
    return (Routes) c.newInstance(null, null);
  }

  private static Set<String> documentedOperations() {
    Set<String> ops = new TreeSet<>();
    for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
      for (Iterator<String> it = path.getValue().fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (OPERATION_KEYS.contains(key)) {
          ops.add(key.toUpperCase(Locale.ROOT) + " " + normalize(path.getKey()));
        }
      }
    }
    return ops;
  }

  /** Javalin's {@code {action}} and OpenAPI's {@code {action}} may name a parameter differently. */
  private static String normalize(String path) {
    return path.replaceAll("\\{[^}/]+}|<[^>/]+>", "{}");
  }

  // ------------------------------------------------------------ tree walks

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null && ref.isTextual()) {
        refs.add(ref.asText());
      }
    }
    node.forEach(child -> collectRefs(child, refs));
  }

  /** Examples of media types whose schema is the server object, a list of it, or built on it. */
  private static void collectServerExamples(JsonNode node, List<JsonNode> found) {
    if (node.isObject() && node.has("schema") && (node.has("example") || node.has("examples"))) {
      JsonNode schema = resolve(node.get("schema"));
      List<JsonNode> values = new ArrayList<>();
      if (node.has("example")) {
        values.add(node.get("example"));
      }
      node.path("examples").forEach(e -> values.add(e.path("value")));
      for (JsonNode value : values) {
        if (isServerArray(schema) && value.isArray()) {
          value.forEach(found::add);
        } else if (mayBeServer(schema) && looksLikeServer(value)) {
          found.add(value);
        }
      }
    }
    node.forEach(child -> collectServerExamples(child, found));
  }

  private static JsonNode resolve(JsonNode schema) {
    JsonNode ref = schema.get("$ref");
    return ref == null || ref.asText().equals(SERVER_REF)
        ? schema
        : doc.at(ref.asText().substring(1));
  }

  private static boolean isServerArray(JsonNode schema) {
    return schema.path("items").path("$ref").asText().equals(SERVER_REF);
  }

  private static boolean mayBeServer(JsonNode schema) {
    return schema.toString().contains("\"" + SERVER_REF + "\"")
        || schema.toString().contains("\"#/components/schemas/ServerStats\"");
  }

  /** Among a oneOf's examples, the ones meant as a server carry its first key. */
  private static boolean looksLikeServer(JsonNode value) {
    return value.isObject() && (value.has("game_uid") || value.has("servername"));
  }
}
