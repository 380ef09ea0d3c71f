package dev.prism.runtime.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the {@code --resources} option: a JSON object of resource names to amounts, such as {@code
 * {"accelerator": 1, "disk_ssd": 2.5}}, as Ray's {@code ray start --resources} takes it. Only that
 * shape is accepted (no nesting, no arrays, no null); CPU and GPU are refused since {@code
 * --num-cpus} and {@code --num-gpus} set them.
 */
final class ResourcesJson {

  private final String text;
  private int pos;

  private ResourcesJson(String text) {
    this.text = text;
  }

  /**
   * Parses a JSON object of names to non-negative numbers.
   *
   * @param text the option's value
   * @return the resources, in the order given
   * @throws CliException (usage) naming what is wrong, with an example
   */
  static Map<String, Double> parse(String text) {
    return new ResourcesJson(text).object();
  }

  private Map<String, Double> object() {
    Map<String, Double> out = new LinkedHashMap<>();
    skipSpace();
    expect('{');
    skipSpace();
    if (peek() == '}') {
      pos++;
    } else {
      while (true) {
        skipSpace();
        String name = string();
        skipSpace();
        expect(':');
        skipSpace();
        double amount = number(name);
        if (out.put(name, amount) != null) {
          throw bad("resource \"" + name + "\" is given twice");
        }
        skipSpace();
        char c = peek();
        pos++;
        if (c == '}') {
          break;
        }
        if (c != ',') {
          pos--;
          throw bad("expected ',' or '}' at character " + (pos + 1));
        }
      }
    }
    skipSpace();
    if (pos != text.length()) {
      throw bad("unexpected text after the object at character " + (pos + 1));
    }
    for (Map.Entry<String, Double> e : out.entrySet()) {
      String name = e.getKey();
      if (name.isBlank()) {
        throw bad("a resource name is blank");
      }
      if (name.equals("CPU") || name.equals("GPU")) {
        throw bad(
            "\"" + name + "\" is set with --num-" + name.toLowerCase() + "s, not --resources");
      }
    }
    return out;
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw bad("a string is not closed");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c == '\\') {
        if (pos >= text.length()) {
          throw bad("a string is not closed");
        }
        char e = text.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw bad("a \\u escape is cut short");
            }
            try {
              sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw bad("bad \\u escape at character " + pos);
            }
            pos += 4;
          }
          default -> throw bad("unknown escape \\" + e + " at character " + pos);
        }
      } else {
        sb.append(c);
      }
    }
  }

  private double number(String name) {
    int start = pos;
    while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
      pos++;
    }
    String token = text.substring(start, pos);
    if (!token.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
      throw bad("the amount of \"" + name + "\" is not a number");
    }
    double v = Double.parseDouble(token);
    if (v < 0 || !Double.isFinite(v)) {
      throw bad("the amount of \"" + name + "\" is " + token + "; give 0 or more");
    }
    return v;
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) {
      throw bad("the object ends too early");
    }
    return text.charAt(pos);
  }

  private void expect(char c) {
    if (peek() != c) {
      throw bad("expected '" + c + "' at character " + (pos + 1));
    }
    pos++;
  }

  private CliException bad(String why) {
    return CliException.usage(
        "--resources '"
            + text
            + "' is not a JSON object of resource"
            + " amounts: "
            + why
            + "; give e.g. --resources '{\"accelerator\": 1, \"disk\": 2.5}'");
  }
}
