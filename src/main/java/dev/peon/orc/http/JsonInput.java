package dev.peon.orc.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict reading of a JSON request body: typed fields, every problem collected with its field name,
 * unknown fields refused. Call {@link #finish()} after reading every field.
 */
public final class JsonInput {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final ObjectNode node;
  private final String prefix;
  private final Set<String> read = new HashSet<>();
  private final List<Problem.FieldError> errors;
  private final List<JsonInput> nestedInputs = new ArrayList<>();

  private JsonInput(ObjectNode node, String prefix, List<Problem.FieldError> errors) {
    this.node = node;
    this.prefix = prefix;
    this.errors = errors;
  }

  /** Parses a body that must be a JSON object (an empty body counts as {@code {}}). */
  public static JsonInput parse(String body) {
    if (body == null || body.isBlank()) {
      return new JsonInput(MAPPER.createObjectNode(), "", new ArrayList<>());
    }
    JsonNode n;
    try {
      n = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new Problem.ProblemException(
          Problem.of("invalid-request", 400, "The request body is not valid JSON."));
    }
    if (!(n instanceof ObjectNode o)) {
      throw new Problem.ProblemException(
          Problem.of("invalid-request", 400, "The request body must be a JSON object."));
    }
    return new JsonInput(o, "", new ArrayList<>());
  }

  private JsonNode take(String field) {
    read.add(field);
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  private void error(String field, String message) {
    errors.add(new Problem.FieldError(prefix + field, message));
  }

  public boolean has(String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  public Optional<String> string(String field, int maxLength, Pattern pattern, String patternHint) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      error(field, "must be a string");
      return Optional.empty();
    }
    String s = v.asText();
    if (s.length() > maxLength) {
      error(field, "must be at most " + maxLength + " characters");
      return Optional.empty();
    }
    if (s.indexOf('\0') >= 0) {
      error(field, "must not contain NUL");
      return Optional.empty();
    }
    if (pattern != null && !pattern.matcher(s).matches()) {
      error(field, patternHint);
      return Optional.empty();
    }
    return Optional.of(s);
  }

  public Optional<String> string(String field, int maxLength) {
    return string(field, maxLength, null, null);
  }

  public String requiredString(String field, int maxLength, Pattern pattern, String hint) {
    if (!has(field)) {
      take(field);
      error(field, "is required");
      return null;
    }
    return string(field, maxLength, pattern, hint).orElse(null);
  }

  public Optional<Boolean> bool(String field) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      error(field, "must be true or false");
      return Optional.empty();
    }
    return Optional.of(v.asBoolean());
  }

  /** An object of string values; null values are kept as null (meaning "unset") when allowed. */
  public Optional<Map<String, String>> stringMap(String field, boolean allowNullValues) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      error(field, "must be an object of strings");
      return Optional.empty();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode val = e.getValue();
      String key = field + "." + e.getKey();
      if (val.isNull()) {
        if (allowNullValues) {
          out.put(e.getKey(), null);
        } else {
          error(key, "must be a string");
        }
      } else if (!val.isTextual()) {
        error(key, "must be a string");
      } else if (val.asText().length() > 4096 || val.asText().indexOf('\0') >= 0) {
        error(key, "must be at most 4096 characters without NUL");
      } else {
        out.put(e.getKey(), val.asText());
      }
    }
    return Optional.of(out);
  }

  /** An array of at most 100 strings, each at most {@code maxLength} characters. */
  public Optional<List<String>> stringList(String field, int maxLength) {
    return stringList(field, 100, maxLength);
  }

  /** An array of strings, each at most {@code maxLength} characters without NUL. */
  public Optional<List<String>> stringList(String field, int maxItems, int maxLength) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isArray() || v.size() > maxItems) {
      error(field, "must be an array of at most " + maxItems + " strings");
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isTextual() || e.asText().length() > maxLength || e.asText().indexOf('\0') >= 0) {
        error(field + "[" + i + "]", "must be a string of at most " + maxLength + " characters");
      } else {
        out.add(e.asText());
      }
    }
    return Optional.of(out);
  }

  /** A whole number between {@code min} and {@code max}. */
  public Optional<Long> integer(String field, long min, long max) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      error(field, "must be a whole number between " + min + " and " + max);
      return Optional.empty();
    }
    return Optional.of(v.asLong());
  }

  /**
   * An object of whole numbers between {@code min} and {@code max}, keyed by names of at most 100
   * characters (e.g. {@code {"PORT": 27016}}); each bad value is reported as {@code field.KEY}.
   */
  public Optional<Map<String, Integer>> integerMap(String field, int min, int max) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      error(field, "must be an object of whole numbers");
      return Optional.empty();
    }
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode val = e.getValue();
      String key = field + "." + e.getKey();
      if (e.getKey().isEmpty() || e.getKey().length() > 100 || e.getKey().indexOf('\0') >= 0) {
        error(field, "has a key that is empty, longer than 100 characters or contains NUL");
      } else if (!val.isIntegralNumber()
          || !val.canConvertToInt()
          || val.asInt() < min
          || val.asInt() > max) {
        error(key, "must be a whole number between " + min + " and " + max);
      } else {
        out.put(e.getKey(), val.asInt());
      }
    }
    return Optional.of(out);
  }

  /**
   * A nested object read with the same strictness; its errors are reported with {@code field.} in
   * front. Call {@link #finish()} only on the outermost input.
   */
  public Optional<JsonInput> object(String field) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof ObjectNode o)) {
      error(field, "must be an object");
      return Optional.empty();
    }
    JsonInput nested = new JsonInput(o, prefix + field + ".", errors);
    nestedInputs.add(nested);
    return Optional.of(nested);
  }

  /**
   * A nested object as it came (explicit nulls inside kept), for callers that validate it
   * themselves; empty when absent or null.
   */
  public Optional<ObjectNode> rawObject(String field) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof ObjectNode o)) {
      error(field, "must be an object");
      return Optional.empty();
    }
    return Optional.of(o);
  }

  /** An array as it came, for callers that validate it themselves; empty when absent or null. */
  public Optional<com.fasterxml.jackson.databind.node.ArrayNode> rawArray(String field) {
    JsonNode v = take(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof com.fasterxml.jackson.databind.node.ArrayNode a)) {
      error(field, "must be an array");
      return Optional.empty();
    }
    return Optional.of(a);
  }

  /** Records a validation error found by the caller. */
  public void reject(String field, String message) {
    error(field, message);
  }

  /** Throws a 400 problem listing every error and every unknown field. */
  public void finish() {
    for (JsonInput n : nestedInputs) {
      n.finishUnknownFields();
    }
    finishUnknownFields();
    throwIfErrors();
  }

  private void finishUnknownFields() {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!read.contains(f)) {
        error(f, "is not a known field");
      }
    }
  }

  private void throwIfErrors() {
    if (!errors.isEmpty()) {
      String detail =
          errors.stream()
              .map(e -> e.field() + " " + e.message())
              .reduce((a, b) -> a + "; " + b)
              .orElse("invalid request");
      throw new Problem.ProblemException(
          new Problem("invalid-request", 400, "Invalid request", detail, errors, Map.of()));
    }
  }
}
