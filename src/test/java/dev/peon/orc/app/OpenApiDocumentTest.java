package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.peon.orc.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code openapi.json} true to the routes: every route of every {@link Routes} class in the
 * production code is documented, every documented operation exists, every {@code $ref} resolves,
 * and every example (schemas, parameters, request and response bodies) validates against its
 * schema.
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

  /**
   * The schedules routes of docs/api-v2.md, written on a parallel branch: expected as registered
   * only while no {@code ScheduleRoutes} class exists here; once it does, its real routes count.
   */
  private static final Set<String> SCHEDULES_FROM_PARALLEL_BRANCH =
      Set.of(
          "GET /api/v2/servers/{}/schedules",
          "POST /api/v2/servers/{}/schedules",
          "GET /api/v2/servers/{}/schedules/{}",
          "PATCH /api/v2/servers/{}/schedules/{}",
          "DELETE /api/v2/servers/{}/schedules/{}");

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
    assertThat(open)
        .containsExactlyInAnyOrder(
            "/openapi.json",
            "/api/v2/openapi.json",
            "/api/docs",
            "/healthz",
            "/readyz",
            "/metrics",
            "/api/v2/login",
            // the dashboard's page and assets (every API call it makes is authenticated)
            "/",
            "/assets/{file}",
            "/login",
            "/new",
            "/account",
            "/servers/{id}",
            "/servers/{id}/{tab}",
            "/admin/{page}");
  }

  @Test
  void everyAuthenticatedOperationDocumentsForbiddenAndSessionsNeedTheCsrfHeader() {
    JsonNode session = doc.at("/components/securitySchemes/Session");
    assertThat(session.path("type").asText()).isEqualTo("apiKey");
    assertThat(session.path("in").asText()).isEqualTo("cookie");
    assertThat(session.path("name").asText()).isEqualTo("peon_session");
    doc.path("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        op -> {
                          if (!OPERATION_KEYS.contains(op.getKey())) {
                            return;
                          }
                          JsonNode security = op.getValue().get("security");
                          if (security != null && security.isEmpty()) {
                            return; // public
                          }
                          String name = op.getKey() + " " + path.getKey();
                          boolean v2 = path.getKey().startsWith("/api/v2/");
                          assertThat(op.getValue().at("/responses/403/$ref").asText())
                              .as(name)
                              .isEqualTo(
                                  v2
                                      ? "#/components/responses/ProblemForbidden"
                                      : "#/components/responses/Forbidden");
                          if (!op.getKey().equals("get")) {
                            assertThat(op.getValue().path("parameters").toString())
                                .as(name)
                                .contains("#/components/parameters/CsrfToken");
                          }
                        }));
  }

  @Test
  void v2OperationsAcceptTheKeyAsHeaderOrBearerAndDocumentProblems() {
    JsonNode bearer = doc.at("/components/securitySchemes/Bearer");
    assertThat(bearer.path("type").asText()).isEqualTo("http");
    assertThat(bearer.path("scheme").asText()).isEqualTo("bearer");
    JsonNode problem = doc.at("/components/schemas/Problem/properties");
    assertThat(problem.has("errors") && problem.has("operationId") && problem.has("requestId"))
        .isTrue();
    doc.path("paths")
        .properties()
        .forEach(
            path -> {
              if (!path.getKey().startsWith("/api/v2/")
                  || path.getKey().equals("/api/v2/openapi.json")
                  || path.getKey().equals("/api/v2/login")) {
                return;
              }
              path.getValue()
                  .properties()
                  .forEach(
                      op -> {
                        if (!OPERATION_KEYS.contains(op.getKey())) {
                          return;
                        }
                        String name = op.getKey() + " " + path.getKey();
                        assertThat(op.getValue().path("security").toString())
                            .as(name)
                            .isEqualTo("[{\"ApiKey\":[]},{\"Bearer\":[]},{\"Session\":[]}]");
                        assertThat(op.getValue().at("/responses/401/$ref").asText())
                            .as(name)
                            .isEqualTo("#/components/responses/ProblemUnauthorized");
                      });
            });
  }

  @Test
  void everyExampleValidatesAgainstItsSchema() {
    SchemaCheck check = new SchemaCheck(doc);
    List<String> problems = new ArrayList<>();
    int[] checked = {0};
    doc.at("/components/schemas")
        .properties()
        .forEach(
            s ->
                s.getValue()
                    .path("examples")
                    .forEach(
                        ex -> {
                          checked[0]++;
                          check
                              .errors(s.getValue(), ex)
                              .forEach(e -> problems.add("schema " + s.getKey() + " " + e));
                        }));
    collectExamples(doc.path("paths"), "paths", check, problems, checked);
    collectExamples(doc.at("/components/responses"), "responses", check, problems, checked);
    collectExamples(doc.at("/components/parameters"), "parameters", check, problems, checked);
    assertThat(checked[0]).as("examples checked").isGreaterThan(60);
    assertThat(problems).isEmpty();
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

  /**
   * Registers every production {@link Routes} class, found by scanning the classes (so a new
   * feature's routes cannot be forgotten here), built with null or zero arguments: route classes
   * only store their collaborators until a request comes.
   */
  private static Set<String> registeredOperations() throws Exception {
    Javalin app = Javalin.create();
    List<String> found = new ArrayList<>();
    for (JavaClass c :
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.peon.orc")) {
      Class<?> type = c.reflect();
      if (Routes.class.isAssignableFrom(type)
          && !type.isInterface()
          && !Modifier.isAbstract(type.getModifiers())
          && !type.isAnonymousClass()
          && !type.isSynthetic()
          && type.getEnclosingClass() == null) {
        instantiate(type).register(app);
        found.add(type.getSimpleName());
      }
    }
    assertThat(found).contains("PeonV1Routes", "ServerRoutes", "DocsRoutes", "MetricsRoutes");
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
    if (!found.contains("ScheduleRoutes")) {
      ops.addAll(SCHEDULES_FROM_PARALLEL_BRANCH);
    }
    return ops;
  }

  private static Routes instantiate(Class<?> type) throws Exception {
    Constructor<?> c =
        Arrays.stream(type.getDeclaredConstructors())
            .max(Comparator.comparingInt(Constructor::getParameterCount))
            .orElseThrow();
    c.setAccessible(true);
    Object[] args =
        Arrays.stream(c.getParameterTypes()).map(OpenApiDocumentTest::neutral).toArray();
    return (Routes) c.newInstance(args);
  }

  private static Object neutral(Class<?> t) {
    if (!t.isPrimitive()) {
      return null;
    }
    if (t == boolean.class) {
      return false;
    }
    if (t == char.class) {
      return '\0';
    }
    // separate returns: a chained ?: would promote every branch to double
    if (t == long.class) {
      return 0L;
    }
    if (t == double.class) {
      return 0.0;
    }
    if (t == float.class) {
      return 0f;
    }
    return 0;
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

  /** Checks {@code example} and {@code examples.*.value} of every node that has a schema. */
  private static void collectExamples(
      JsonNode node, String at, SchemaCheck check, List<String> problems, int[] checked) {
    if (node.isObject() && node.has("schema")) {
      JsonNode schema = node.get("schema");
      if (node.has("example")) {
        checked[0]++;
        check.errors(schema, node.get("example")).forEach(e -> problems.add(at + " " + e));
      }
      node.path("examples")
          .properties()
          .forEach(
              ex -> {
                checked[0]++;
                check
                    .errors(schema, ex.getValue().path("value"))
                    .forEach(e -> problems.add(at + "/examples/" + ex.getKey() + " " + e));
              });
    }
    if (node.isObject()) {
      node.properties()
          .forEach(
              f -> {
                if (!f.getKey().equals("schema")) {
                  collectExamples(f.getValue(), at + "/" + f.getKey(), check, problems, checked);
                }
              });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectExamples(node.get(i), at + "/" + i, check, problems, checked);
      }
    }
  }

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
