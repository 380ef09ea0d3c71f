package dev.prism.tune.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers the schedulers share: reading results, checking options, configs to JSON and back. */
final class SchedulerSupport {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SchedulerSupport() {}

  /**
   * A result's value as a double.
   *
   * @return the value, or null when the key is missing or not a number
   */
  static Double number(Map<String, Object> result, String key) {
    if (result == null) {
      return null;
    }
    return result.get(key) instanceof Number n ? n.doubleValue() : null;
  }

  static void require(boolean ok, String option, Object value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(option + " " + rule + ", got " + value);
    }
  }

  static String requireName(String value, String option) {
    require(value != null && !value.isBlank(), option, value, "must be a non-blank name");
    return value;
  }

  /** Fails when {@link TrialScheduler#setup} was not called. */
  static void requireSetup(Object metric) {
    if (metric == null) {
      throw new IllegalStateException("setup(metric, mode) must be called first");
    }
  }

  /** A configuration as JSON that keeps each value's Java type (ints stay ints). */
  static ObjectNode encodeConfig(Map<String, Object> config) {
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, Object> e : config.entrySet()) {
      ArrayNode typed = out.putArray(e.getKey());
      Object v = e.getValue();
      switch (v) {
        case null -> typed.add("null").addNull();
        case Integer i -> typed.add("int").add(i);
        case Long l -> typed.add("long").add(l);
        case Double d -> typed.add("double").add(d);
        case Float f -> typed.add("float").add(f);
        case Short s -> typed.add("short").add(s);
        case Byte b -> typed.add("byte").add(b);
        case String s -> typed.add("string").add(s);
        case Boolean b -> typed.add("boolean").add(b);
        default -> typed.add("json").add(MAPPER.valueToTree(v));
      }
    }
    return out;
  }

  /** The inverse of {@link #encodeConfig}. */
  static Map<String, Object> decodeConfig(JsonNode node) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode v = e.getValue().get(1);
      Object value =
          switch (e.getValue().get(0).asText()) {
            case "null" -> null;
            case "int" -> v.asInt();
            case "long" -> v.asLong();
            case "double" -> v.asDouble();
            case "float" -> (float) v.asDouble();
            case "short" -> (short) v.asInt();
            case "byte" -> (byte) v.asInt();
            case "string" -> v.asText();
            case "boolean" -> v.asBoolean();
            default -> MAPPER.convertValue(v, Object.class);
          };
      out.put(e.getKey(), value);
    }
    return out;
  }

  static ArrayNode strings(Iterable<String> values) {
    ArrayNode out = NODES.arrayNode();
    values.forEach(out::add);
    return out;
  }

  static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node != null) {
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  /** A double that survives JSON text (NaN and infinities are written as strings). */
  static double asDouble(JsonNode node) {
    return node.isTextual() ? Double.parseDouble(node.asText()) : node.asDouble();
  }
}
