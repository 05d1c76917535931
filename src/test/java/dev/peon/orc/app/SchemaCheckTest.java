package dev.peon.orc.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The example checker must reject what it claims to check, or the agreement test proves little. */
class SchemaCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JsonNode doc =
      json(
          """
          {"components": {"schemas": {
            "Thing": {"type": "object", "required": ["id", "state"], "additionalProperties": false,
              "properties": {"id": {"type": "integer", "minimum": 1},
                "state": {"type": "string", "enum": ["on", "off"]},
                "note": {"type": ["string", "null"], "maxLength": 5},
                "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
                "next": {"oneOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "null"}]},
                "env": {"type": "object", "additionalProperties": {"type": "string"}}}}}}}
          """);
  private final SchemaCheck check = new SchemaCheck(doc);
  private final JsonNode thing = json("{\"$ref\": \"#/components/schemas/Thing\"}");

  @Test
  void acceptsAValidValue() {
    assertThat(
            check.errors(
                thing,
                json(
                    "{\"id\": 1, \"state\": \"on\", \"note\": null, \"tags\": [\"a\"],"
                        + " \"next\": {\"id\": 2, \"state\": \"off\"}, \"env\": {\"A\": \"b\"}}")))
        .isEmpty();
  }

  @Test
  void rejectsEachKindOfMistake() {
    assertThat(check.errors(thing, json("{\"id\": 1}")))
        .anyMatch(e -> e.contains("missing required state"));
    assertThat(check.errors(thing, json("{\"id\": \"1\", \"state\": \"on\"}")))
        .anyMatch(e -> e.contains("not of type"));
    assertThat(check.errors(thing, json("{\"id\": 0, \"state\": \"on\"}")))
        .anyMatch(e -> e.contains("below"));
    assertThat(check.errors(thing, json("{\"id\": 1, \"state\": \"up\"}")))
        .anyMatch(e -> e.contains("not one of"));
    assertThat(check.errors(thing, json("{\"id\": 1, \"state\": \"on\", \"x\": 1}")))
        .anyMatch(e -> e.contains("not allowed"));
    assertThat(check.errors(thing, json("{\"id\": 1, \"state\": \"on\", \"note\": \"toolong\"}")))
        .anyMatch(e -> e.contains("longer"));
    assertThat(check.errors(thing, json("{\"id\": 1, \"state\": \"on\", \"tags\": [\"A\"]}")))
        .anyMatch(e -> e.contains("does not match"));
    assertThat(check.errors(thing, json("{\"id\": 1, \"state\": \"on\", \"next\": {\"id\": 2}}")))
        .anyMatch(e -> e.contains("oneOf"));
    assertThat(check.errors(thing, json("{\"id\": 1, \"state\": \"on\", \"env\": {\"A\": 1}}")))
        .anyMatch(e -> e.contains("$.env.A"));
  }

  @Test
  void reportsUnsupportedKeywordsAndDanglingReferences() {
    assertThat(check.errors(json("{\"type\": \"string\", \"uniqueItems\": true}"), json("\"a\"")))
        .anyMatch(e -> e.contains("unsupported schema keyword uniqueItems"));
    assertThat(check.errors(json("{\"$ref\": \"#/components/schemas/Nope\"}"), json("1")))
        .anyMatch(e -> e.contains("unresolved"));
  }

  private static JsonNode json(String s) {
    try {
      return JSON.readTree(s);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
