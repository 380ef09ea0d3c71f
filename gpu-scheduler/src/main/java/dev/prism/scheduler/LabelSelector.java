package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A conjunction of label constraints a node must satisfy (equals, in, not-in, exists,
 * does-not-exist). The empty selector matches every node.
 *
 * @param constraints the constraints, all of which must hold
 */
public record LabelSelector(List<Constraint> constraints) {
  private static final LabelSelector ANY = new LabelSelector(List.of());

  /** Copies the constraints. */
  public LabelSelector {
    constraints = List.copyOf(constraints);
  }

  /**
   * Returns the selector that matches every node.
   *
   * @return the empty selector
   */
  public static LabelSelector any() {
    return ANY;
  }

  /**
   * Parses a selector written as Ray's {@code label_selector} map: each key maps to {@code "value"}
   * (equals), {@code "!value"} (absent or not equal), {@code "in(a,b)"} (one of) or {@code
   * "!in(a,b)"} (absent or none of). Values are trimmed; they may not be blank nor hold {@code ( )
   * ,} outside the {@code in(...)} form.
   *
   * @param selector label key to constraint text
   * @return the selector, empty for an empty map
   * @throws InvalidResourceException naming the key and value when a key is blank, reserved text is
   *     misplaced, or an {@code in(...)} list is empty or unclosed
   * @throws NullPointerException if the map, a key or a value is null
   */
  public static LabelSelector parse(Map<String, String> selector) {
    Objects.requireNonNull(selector, "label selector");
    List<Constraint> out = new ArrayList<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(selector).entrySet()) {
      out.add(parseConstraint(e.getKey(), e.getValue()));
    }
    return new LabelSelector(out);
  }

  private static Constraint parseConstraint(String key, String text) {
    Objects.requireNonNull(key, "a label selector key is null");
    Objects.requireNonNull(text, "label selector value of '" + key + "' is null");
    if (key.isBlank()
        || !key.strip().equals(key)
        || key.chars().anyMatch(Character::isWhitespace)) {
      throw new InvalidResourceException(
          "label selector key '"
              + key
              + "' is blank or holds whitespace; give a label name such as \"region\"");
    }
    String t = text.strip();
    boolean negated = t.startsWith("!");
    String body = negated ? t.substring(1).strip() : t;
    if (body.startsWith("in(") || body.startsWith("in (")) {
      if (!body.endsWith(")")) {
        throw bad(key, text, "the in(...) list is not closed with ')'");
      }
      String inner = body.substring(body.indexOf('(') + 1, body.length() - 1);
      java.util.Set<String> values = new java.util.LinkedHashSet<>();
      for (String v : inner.split(",", -1)) {
        values.add(checkValue(key, text, v.strip()));
      }
      return new Constraint(key, negated ? Operator.NOT_IN : Operator.IN, values);
    }
    String v = checkValue(key, text, body);
    return new Constraint(key, negated ? Operator.NOT_IN : Operator.EQUALS, Set.of(v));
  }

  private static String checkValue(String key, String text, String v) {
    if (v.isEmpty()) {
      throw bad(key, text, "a value is empty");
    }
    if (v.indexOf('(') >= 0 || v.indexOf(')') >= 0 || v.indexOf(',') >= 0 || v.startsWith("!")) {
      throw bad(key, text, "value '" + v + "' holds one of ! ( ) ,");
    }
    return v;
  }

  private static InvalidResourceException bad(String key, String text, String why) {
    return new InvalidResourceException(
        "label selector "
            + key
            + "='"
            + text
            + "' is not valid: "
            + why
            + "; write \"value\", \"!value\", \"in(a,b)\" or \"!in(a,b)\"");
  }

  /**
   * Starts a builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns whether the selector has no constraints.
   *
   * @return true when it matches every node
   */
  public boolean isEmpty() {
    return constraints.isEmpty();
  }

  /**
   * Tests a node's labels.
   *
   * @param labels the node's labels
   * @return true when every constraint holds
   */
  public boolean matches(Map<String, String> labels) {
    for (Constraint c : constraints) {
      if (!c.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return constraints.toString();
  }

  /** How a constraint compares a label. */
  public enum Operator {
    /** The label equals the single value. */
    EQUALS,
    /** The label is one of the values. */
    IN,
    /** The label is absent or none of the values. */
    NOT_IN,
    /** The label is present, any value. */
    EXISTS,
    /** The label is absent. */
    DOES_NOT_EXIST
  }

  /**
   * One label constraint.
   *
   * @param key the label key
   * @param operator the comparison
   * @param values the values compared with (one for EQUALS, none for EXISTS/DOES_NOT_EXIST)
   */
  public record Constraint(String key, Operator operator, Set<String> values) {
    /**
     * Validates the constraint.
     *
     * @throws InvalidResourceException if the key is blank or the values do not suit the operator
     */
    public Constraint {
      if (key == null || key.isBlank()) {
        throw new InvalidResourceException("label key '" + key + "' is blank; give a label name");
      }
      Objects.requireNonNull(operator, "operator");
      values = Set.copyOf(values);
      switch (operator) {
        case EQUALS -> {
          if (values.size() != 1) {
            throw new InvalidResourceException(
                "label constraint " + key + " EQUALS needs exactly one value, got " + values);
          }
        }
        case IN, NOT_IN -> {
          if (values.isEmpty()) {
            throw new InvalidResourceException(
                "label constraint "
                    + key
                    + " "
                    + operator
                    + " needs at least one value; use EXISTS/DOES_NOT_EXIST to test presence");
          }
        }
        case EXISTS, DOES_NOT_EXIST -> {
          if (!values.isEmpty()) {
            throw new InvalidResourceException(
                "label constraint " + key + " " + operator + " takes no values, got " + values);
          }
        }
      }
    }

    boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      return switch (operator) {
        case EQUALS, IN -> v != null && values.contains(v);
        case NOT_IN -> v == null || !values.contains(v);
        case EXISTS -> v != null;
        case DOES_NOT_EXIST -> v == null;
      };
    }

    @Override
    public String toString() {
      return key + " " + operator + (values.isEmpty() ? "" : " " + values);
    }
  }

  /** Builder of a {@link LabelSelector}. */
  public static final class Builder {
    private final List<Constraint> constraints = new ArrayList<>();

    private Builder() {}

    /**
     * Requires {@code key == value}.
     *
     * @param key the label key
     * @param value the value
     * @return this builder
     */
    public Builder equals(String key, String value) {
      constraints.add(new Constraint(key, Operator.EQUALS, Set.of(value)));
      return this;
    }

    /**
     * Requires the label to be one of the values.
     *
     * @param key the label key
     * @param values the accepted values
     * @return this builder
     */
    public Builder in(String key, String... values) {
      constraints.add(new Constraint(key, Operator.IN, Set.of(values)));
      return this;
    }

    /**
     * Requires the label to be absent or none of the values.
     *
     * @param key the label key
     * @param values the rejected values
     * @return this builder
     */
    public Builder notIn(String key, String... values) {
      constraints.add(new Constraint(key, Operator.NOT_IN, Set.of(values)));
      return this;
    }

    /**
     * Requires the label to be present.
     *
     * @param key the label key
     * @return this builder
     */
    public Builder exists(String key) {
      constraints.add(new Constraint(key, Operator.EXISTS, Set.of()));
      return this;
    }

    /**
     * Requires the label to be absent.
     *
     * @param key the label key
     * @return this builder
     */
    public Builder doesNotExist(String key) {
      constraints.add(new Constraint(key, Operator.DOES_NOT_EXIST, Set.of()));
      return this;
    }

    /**
     * Builds the selector.
     *
     * @return the selector
     */
    public LabelSelector build() {
      return new LabelSelector(constraints);
    }
  }
}
