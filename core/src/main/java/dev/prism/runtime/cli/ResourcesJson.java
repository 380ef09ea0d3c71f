package dev.prism.runtime.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code --resources} option: a JSON object of resource names to amounts, such as {@code
 * {"accelerator": 1, "disk_ssd": 2.5}}, as Ray's {@code ray start --resources} takes it, read and
 * written with Jackson. Only that shape is accepted (no nesting, no arrays, no null, a name once);
 * CPU and GPU are refused since {@code --num-cpus} and {@code --num-gpus} set them.
 */
final class ResourcesJson {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private ResourcesJson() {}

  /**
   * Parses a JSON object of names to non-negative numbers.
   *
   * @param text the option's value
   * @return the resources, in the order given
   * @throws CliException (usage) naming what is wrong, with an example
   */
  static Map<String, Double> parse(String text) {
    JsonNode root;
    try {
      root = MAPPER.readTree(text);
    } catch (JsonEOFException e) {
      throw bad(text, "the text ends before the object does");
    } catch (StreamReadException e) {
      throw bad(text, syntaxError(e));
    } catch (JsonProcessingException e) {
      throw bad(text, e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode()) {
      throw bad(text, "it is empty");
    }
    if (!root.isObject()) {
      throw bad(text, "it is " + article(root) + ", not an object");
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String name = e.getKey();
      JsonNode amount = e.getValue();
      if (name.isBlank()) {
        throw bad(text, "a resource name is blank");
      }
      if (name.equals("CPU") || name.equals("GPU")) {
        throw bad(
            text,
            "\""
                + name
                + "\" is set with --num-"
                + name.toLowerCase(Locale.ROOT)
                + "s, not --resources");
      }
      if (!amount.isNumber()) {
        throw bad(text, "the amount of \"" + name + "\" is " + article(amount) + ", not a number");
      }
      double v = amount.doubleValue();
      if (!Double.isFinite(v)) {
        throw bad(text, "the amount of \"" + name + "\" is too large");
      }
      if (v < 0) {
        throw bad(text, "the amount of \"" + name + "\" is " + amount + "; give 0 or more");
      }
      out.put(name, v);
    }
    return out;
  }

  /**
   * Writes resources as the JSON object {@link #parse} reads.
   *
   * @param resources names to amounts
   * @return the JSON text
   */
  static String write(Map<String, Double> resources) {
    try {
      return MAPPER.writeValueAsString(resources);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of numbers is always JSON", e);
    }
  }

  /** Jackson's account of a syntax error, without its character codes, and where it is. */
  private static String syntaxError(StreamReadException e) {
    String m = e.getOriginalMessage().replaceAll(" \\(code \\d+\\)", "");
    if (m.startsWith("Duplicate field ")) {
      m = "resource " + m.substring("Duplicate field ".length()) + " is given twice";
    }
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    return e.getLocation() == null || e.getLocation().getColumnNr() < 1
        ? m
        : m + " at character " + e.getLocation().getColumnNr();
  }

  private static String article(JsonNode n) {
    return switch (n.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string (" + n + ")";
      case BOOLEAN -> "a boolean (" + n + ")";
      case NULL -> "null";
      default -> n.toString();
    };
  }

  private static CliException bad(String text, String why) {
    return CliException.usage(
        "--resources '"
            + text
            + "' is not a JSON object of resource amounts: "
            + why
            + "; give e.g. --resources '{\"accelerator\": 1, \"disk\": 2.5}'");
  }
}
