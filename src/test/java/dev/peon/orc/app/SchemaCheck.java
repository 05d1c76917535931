package dev.peon.orc.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A JSON Schema checker for the subset {@code openapi.json} uses: {@code $ref} (local), {@code
 * type} (a name or an array of names, so {@code ["string", "null"]} is nullable), {@code
 * properties}, {@code required}, {@code additionalProperties} (false or a schema), {@code enum},
 * {@code const}, {@code items}, {@code oneOf}, {@code anyOf}, {@code allOf}, {@code pattern},
 * {@code minLength}, {@code maxLength}, {@code minimum}, {@code maximum}. Any other validation
 * keyword is reported as unsupported, so nothing is silently skipped.
 */
final class SchemaCheck {
  private static final Set<String> ANNOTATIONS =
      Set.of(
          "description",
          "default",
          "format",
          "examples",
          "example",
          "title",
          "contentMediaType",
          "contentSchema",
          "deprecated");
  private static final Set<String> KEYWORDS =
      Set.of(
          "$ref",
          "type",
          "properties",
          "required",
          "additionalProperties",
          "enum",
          "const",
          "items",
          "oneOf",
          "anyOf",
          "allOf",
          "pattern",
          "minLength",
          "maxLength",
          "minimum",
          "maximum");

  private final JsonNode doc;

  SchemaCheck(JsonNode doc) {
    this.doc = doc;
  }

  /** Every way {@code value} breaks {@code schema}; empty when it validates. */
  List<String> errors(JsonNode schema, JsonNode value) {
    List<String> out = new ArrayList<>();
    check(schema, value, "$", out, 0);
    return out;
  }

  private void check(JsonNode schema, JsonNode value, String at, List<String> out, int depth) {
    if (depth > 64) {
      out.add(at + ": schema nesting too deep (a $ref cycle?)");
      return;
    }
    if (schema.isBoolean()) {
      if (!schema.asBoolean()) {
        out.add(at + ": no value allowed");
      }
      return;
    }
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KEYWORDS.contains(k) && !ANNOTATIONS.contains(k)) {
        out.add(at + ": unsupported schema keyword " + k);
      }
    }
    if (schema.has("$ref")) {
      String ref = schema.get("$ref").asText();
      JsonNode target = ref.startsWith("#/") ? doc.at(ref.substring(1)) : null;
      if (target == null || target.isMissingNode()) {
        out.add(at + ": unresolved " + ref);
        return;
      }
      check(target, value, at, out, depth + 1);
    }
    if (schema.has("type") && !hasType(schema.get("type"), value)) {
      out.add(at + ": " + kind(value) + " is not of type " + schema.get("type"));
      return;
    }
    if (schema.has("enum") && !contains(schema.get("enum"), value)) {
      out.add(at + ": " + value + " is not one of " + schema.get("enum"));
    }
    if (schema.has("const") && !same(schema.get("const"), value)) {
      out.add(at + ": " + value + " is not " + schema.get("const"));
    }
    if (value.isTextual()) {
      String s = value.asText();
      if (schema.has("pattern")
          && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
        out.add(at + ": \"" + s + "\" does not match " + schema.get("pattern").asText());
      }
      if (schema.has("maxLength")
          && s.codePointCount(0, s.length()) > schema.get("maxLength").asInt()) {
        out.add(at + ": longer than " + schema.get("maxLength"));
      }
      if (schema.has("minLength")
          && s.codePointCount(0, s.length()) < schema.get("minLength").asInt()) {
        out.add(at + ": shorter than " + schema.get("minLength"));
      }
    }
    if (value.isNumber()) {
      if (schema.has("minimum")
          && value.decimalValue().compareTo(schema.get("minimum").decimalValue()) < 0) {
        out.add(at + ": below " + schema.get("minimum"));
      }
      if (schema.has("maximum")
          && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0) {
        out.add(at + ": above " + schema.get("maximum"));
      }
    }
    if (value.isObject()) {
      checkObject(schema, value, at, out, depth);
    }
    if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        check(schema.get("items"), value.get(i), at + "[" + i + "]", out, depth + 1);
      }
    }
    if (schema.has("allOf")) {
      for (JsonNode s : schema.get("allOf")) {
        check(s, value, at, out, depth + 1);
      }
    }
    if (schema.has("anyOf") && matching(schema.get("anyOf"), value, depth) == 0) {
      out.add(at + ": matches none of anyOf");
    }
    if (schema.has("oneOf")) {
      int n = matching(schema.get("oneOf"), value, depth);
      if (n != 1) {
        out.add(at + ": matches " + n + " branches of oneOf, not exactly one");
      }
    }
  }

  private void checkObject(
      JsonNode schema, JsonNode value, String at, List<String> out, int depth) {
    for (JsonNode r : schema.path("required")) {
      if (!value.has(r.asText())) {
        out.add(at + ": missing required " + r.asText());
      }
    }
    JsonNode props = schema.path("properties");
    Set<String> known = new HashSet<>();
    props.fieldNames().forEachRemaining(known::add);
    JsonNode extra = schema.get("additionalProperties");
    for (Map.Entry<String, JsonNode> f : value.properties()) {
      String where = at + "." + f.getKey();
      if (known.contains(f.getKey())) {
        check(props.get(f.getKey()), f.getValue(), where, out, depth + 1);
      } else if (extra != null && extra.isBoolean() && !extra.asBoolean()) {
        out.add(where + ": not allowed (additionalProperties: false)");
      } else if (extra != null && extra.isObject()) {
        check(extra, f.getValue(), where, out, depth + 1);
      }
    }
  }

  private int matching(JsonNode branches, JsonNode value, int depth) {
    int n = 0;
    for (JsonNode s : branches) {
      List<String> e = new ArrayList<>();
      check(s, value, "$", e, depth + 1);
      if (e.isEmpty()) {
        n++;
      }
    }
    return n;
  }

  private static boolean hasType(JsonNode type, JsonNode value) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (hasType(t, value)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.asText()) {
      case "null" -> value.isNull();
      case "string" -> value.isTextual();
      case "boolean" -> value.isBoolean();
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "number" -> value.isNumber();
      case "integer" ->
          value.isIntegralNumber()
              || (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0);
      default -> false;
    };
  }

  private static boolean contains(JsonNode list, JsonNode value) {
    for (JsonNode v : list) {
      if (same(v, value)) {
        return true;
      }
    }
    return false;
  }

  private static boolean same(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }

  private static String kind(JsonNode v) {
    return v.isNull() ? "null" : v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
