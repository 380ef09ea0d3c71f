package dev.prism.serve.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One mapping of the config file with its key path ({@code applications[0].deployments[1]}): reads
 * its values by kind, each refused with a message that names the key path and says what is
 * expected. A mapping is made with the keys it may hold; any other key is refused at once (keys
 * that Ray Serve knows and Prism Serve does not get their own message).
 */
final class ConfigNode {

  private final String path;
  private final ObjectNode node;

  private ConfigNode(String path, ObjectNode node) {
    this.path = path;
    this.node = node;
  }

  /**
   * Checks that a value is a mapping with known keys only.
   *
   * @param path its key path, empty for the file's top level
   * @param value the value
   * @param known the keys it may hold
   * @param unsupported Ray Serve's keys Prism Serve does not offer, with what to do instead
   * @return the mapping
   */
  static ConfigNode of(
      String path, JsonNode value, List<String> known, Map<String, String> unsupported) {
    if (value == null || !value.isObject()) {
      throw bad(path, "expected a mapping (key: value lines), not " + describe(value));
    }
    ObjectNode node = (ObjectNode) value;
    for (String key : iterable(node)) {
      if (known.contains(key)) {
        continue;
      }
      String at = join(path, key);
      String instead = unsupported.get(key);
      if (instead != null) {
        throw bad(at, "Ray Serve's " + key + " is not supported by Prism Serve; " + instead);
      }
      String near = nearest(key, known);
      throw bad(
          at,
          "unknown key '"
              + key
              + "'"
              + (near == null ? "" : " (did you mean '" + near + "'?)")
              + "; the keys here are: "
              + String.join(", ", known));
    }
    return new ConfigNode(path, node);
  }

  String path() {
    return path;
  }

  String path(String key) {
    return join(path, key);
  }

  /** Whether the key is there, even with a null value. */
  boolean has(String key) {
    return node.has(key);
  }

  /** The value, or null when absent or null. */
  JsonNode get(String key) {
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  Optional<String> string(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw bad(path(key), describe(v) + " is not a string");
    }
    return Optional.of(v.asText());
  }

  /** A string, or a number written as the text the file has (a version: {@code version: 2}). */
  Optional<String> text(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isTextual() && !v.isNumber()) {
      throw bad(path(key), describe(v) + " is not a string");
    }
    String s = v.asText();
    if (s.isBlank()) {
      throw bad(path(key), "is blank");
    }
    return Optional.of(s);
  }

  Optional<Integer> integer(String key, int min) {
    return integer(key, min, Integer.MAX_VALUE);
  }

  Optional<Integer> integer(String key, int min, int max) {
    JsonNode v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber()) {
      throw bad(path(key), describe(v) + " is not a whole number");
    }
    if (!v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw bad(
          path(key),
          v.asText()
              + (max == Integer.MAX_VALUE
                  ? " is not >= " + min
                  : " is not within " + min + ".." + max));
    }
    return Optional.of(v.asInt());
  }

  /**
   * A number that is at least (or above) a bound.
   *
   * @param key the key
   * @param min the bound
   * @param above whether the bound itself is refused
   * @return the number, if given
   */
  Optional<Double> number(String key, double min, boolean above) {
    JsonNode v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw bad(path(key), describe(v) + " is not a number");
    }
    double d = v.asDouble();
    if (above ? !(d > min) : !(d >= min)) {
      throw bad(path(key), v.asText() + " is not " + (above ? "> " : ">= ") + number(min));
    }
    return Optional.of(d);
  }

  /**
   * A duration given in seconds (a {@code _s} key), whole or fractional.
   *
   * @param key the key
   * @param zeroAllowed whether 0 is allowed
   * @return the duration, to the millisecond (at least 1 ms when above 0)
   */
  Optional<Duration> seconds(String key, boolean zeroAllowed) {
    return number(key, 0, !zeroAllowed)
        .map(s -> Duration.ofMillis(s == 0 ? 0 : Math.max(1, Math.round(s * 1000))));
  }

  Optional<JsonNode> mapping(String key) {
    JsonNode v = get(key);
    if (v != null && !v.isObject()) {
      throw bad(path(key), "expected a mapping (key: value lines), not " + describe(v));
    }
    return Optional.ofNullable(v);
  }

  /** The items of a list, each with its key path ({@code key[i]}). */
  Optional<List<Item>> list(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      throw bad(path(key), "expected a list ('- ' lines or [a, b]), not " + describe(v));
    }
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      items.add(new Item(path(key) + "[" + i + "]", v.get(i)));
    }
    return Optional.of(items);
  }

  /** A mapping's values as plain Java values (maps, lists, strings, numbers, booleans). */
  Optional<Map<String, Object>> values(String key) {
    return mapping(key).map(m -> toMap(path(key), m));
  }

  /** A mapping of names to amounts ({@code resources: {accel: 1}}). */
  Optional<Map<String, Double>> amounts(String key) {
    Optional<JsonNode> m = mapping(key);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (String name : iterable((ObjectNode) m.get())) {
      JsonNode v = m.get().get(name);
      String at = path(key) + "." + name;
      if (name.isBlank()) {
        throw bad(at, "a resource name must not be blank");
      }
      if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
        throw bad(at, describe(v) + " is not a number");
      }
      if (v.asDouble() < 0) {
        throw bad(at, v.asText() + " is not >= 0");
      }
      out.put(name, v.asDouble());
    }
    return Optional.of(out);
  }

  /** One item of a list, with its key path. */
  record Item(String path, JsonNode value) {}

  static Map<String, Object> toMap(String path, JsonNode mapping) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : iterable((ObjectNode) mapping)) {
      JsonNode v = mapping.get(name);
      if (v.isNull()) {
        throw bad(
            path + "." + name,
            "is null; give it a value or leave the key out (null values cannot be passed on)");
      }
      out.put(name, toValue(v));
    }
    return Collections.unmodifiableMap(out);
  }

  static Object toValue(JsonNode v) {
    return ServeYaml.MAPPER.convertValue(v, Object.class);
  }

  static IllegalArgumentException bad(String path, String problem) {
    return new IllegalArgumentException(path.isEmpty() ? problem : path + ": " + problem);
  }

  static String describe(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "nothing (null)";
    }
    if (v.isTextual()) {
      return "'" + v.asText() + "'";
    }
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.asText();
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static Iterable<String> iterable(ObjectNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The known key within two edits of a mistyped one, if any. */
  private static String nearest(String key, List<String> known) {
    String best = null;
    int bestDistance = 3;
    for (String k : known) {
      int d = distance(key, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
