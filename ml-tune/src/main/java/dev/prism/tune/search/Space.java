package dev.prism.tune.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A sweep's parameter space, as the {@code param_space} of Ray Tune: each parameter's {@link
 * Domain}, constant or {@link Computed computed} value, in the order they were added. Immutable.
 */
public final class Space {
  private final Map<String, Entry> entries;

  private Space(Map<String, Entry> entries) {
    this.entries = Collections.unmodifiableMap(entries);
  }

  /**
   * A builder.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The parameter names in the order they were added.
   *
   * @return the names
   */
  public List<String> names() {
    return List.copyOf(entries.keySet());
  }

  /**
   * The entries in the order they were added.
   *
   * @return the entries
   */
  public List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  /**
   * One parameter's entry.
   *
   * @param name the parameter
   * @return its entry
   * @throws IllegalArgumentException when the space has no such parameter
   */
  public Entry get(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no parameter '" + name + "' in the space " + names());
    }
    return e;
  }

  /**
   * The number of grid points: the product of the sizes of the {@link Domain#grid grid} entries (1
   * when there are none).
   *
   * @return the number of points
   * @throws ArithmeticException when it exceeds {@code Integer.MAX_VALUE}
   */
  public int gridSize() {
    int size = 1;
    for (Entry e : entries.values()) {
      if (e instanceof Sampled(String n, Domain.Grid g)) {
        size = Math.multiplyExact(size, g.values().size());
      }
    }
    return size;
  }

  /**
   * A configuration: every parameter resolved, in the space's order. A parameter in {@code
   * fixedValues} takes that value (points to evaluate, a grid point); the other sampled parameters
   * are drawn from their domains in order, then the computed ones are computed in order, each
   * seeing every non-computed value and the computed values before it.
   *
   * @param rnd the random source
   * @param fixedValues values that win over the space's (keys must be parameters of the space)
   * @return the configuration (a fresh mutable map)
   * @throws IllegalArgumentException when {@code fixedValues} names an unknown parameter or a
   *     computed function fails (the message names the parameter)
   */
  public Map<String, Object> sample(Random rnd, Map<String, Object> fixedValues) {
    for (String k : fixedValues.keySet()) {
      if (!entries.containsKey(k)) {
        throw new IllegalArgumentException(
            "fixed value for '" + k + "', which is not a parameter of the space " + names());
      }
    }
    Map<String, Object> soFar = new LinkedHashMap<>();
    for (Entry e : entries.values()) {
      String n = e.name();
      if (fixedValues.containsKey(n)) {
        soFar.put(n, fixedValues.get(n));
      } else if (e instanceof Sampled s) {
        soFar.put(n, s.domain().sample(rnd));
      } else if (e instanceof Constant c) {
        soFar.put(n, c.value());
      }
    }
    Map<String, Object> view = Collections.unmodifiableMap(soFar);
    for (Entry e : entries.values()) {
      if (e instanceof Derived d && !fixedValues.containsKey(d.name())) {
        Object v;
        try {
          v = d.fn().compute(view);
        } catch (RuntimeException ex) {
          throw new IllegalArgumentException(
              "parameter '" + d.name() + "': its computed function failed: " + ex, ex);
        }
        soFar.put(d.name(), v);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (String n : entries.keySet()) {
      out.put(n, soFar.get(n));
    }
    return out;
  }

  /** One parameter of a space: {@link Sampled}, {@link Constant} or {@link Derived}. */
  public sealed interface Entry permits Sampled, Constant, Derived {
    /**
     * The parameter's name.
     *
     * @return the name
     */
    String name();
  }

  /**
   * A parameter drawn from a domain.
   *
   * @param name the parameter
   * @param domain its domain
   */
  public record Sampled(String name, Domain domain) implements Entry {}

  /**
   * A parameter with a fixed value.
   *
   * @param name the parameter
   * @param value its value
   */
  public record Constant(String name, Object value) implements Entry {}

  /**
   * A parameter computed from the others.
   *
   * @param name the parameter
   * @param fn how it is computed
   */
  public record Derived(String name, Computed fn) implements Entry {}

  /** Builds a space. */
  public static final class Builder {
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds a parameter drawn from a domain.
     *
     * @param name the parameter
     * @param domain its domain
     * @return this
     * @throws IllegalArgumentException when the name is empty or taken, or the domain is invalid
     */
    public Builder add(String name, Domain domain) {
      checkName(name);
      if (domain == null) {
        throw new IllegalArgumentException("parameter '" + name + "': the domain is null");
      }
      try {
        domain.validate();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("parameter '" + name + "': " + e.getMessage(), e);
      }
      entries.put(name, new Sampled(name, domain));
      return this;
    }

    /**
     * Adds a constant.
     *
     * @param name the parameter
     * @param value its value
     * @return this
     * @throws IllegalArgumentException when the name is empty or taken
     */
    public Builder constant(String name, Object value) {
      checkName(name);
      entries.put(name, new Constant(name, value));
      return this;
    }

    /**
     * Adds a parameter computed from the others (Ray's {@code sample_from}).
     *
     * @param name the parameter
     * @param fn computes its value from the configuration so far
     * @return this
     * @throws IllegalArgumentException when the name is empty or taken, or {@code fn} is null
     */
    public Builder computed(String name, Computed fn) {
      checkName(name);
      if (fn == null) {
        throw new IllegalArgumentException("parameter '" + name + "': the function is null");
      }
      entries.put(name, new Derived(name, fn));
      return this;
    }

    private void checkName(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("a parameter name must not be empty");
      }
      if (entries.containsKey(name)) {
        throw new IllegalArgumentException("parameter '" + name + "' is defined twice");
      }
    }

    /**
     * The space.
     *
     * @return the space
     */
    public Space build() {
      return new Space(new LinkedHashMap<>(entries));
    }
  }

  /**
   * The point at {@code index} of the cartesian product of {@code values} (the last list varies
   * fastest).
   */
  static Map<String, Object> product(List<String> names, List<List<Object>> values, long index) {
    Map<String, Object> point = new LinkedHashMap<>();
    long rest = index;
    Object[] picked = new Object[names.size()];
    for (int i = names.size() - 1; i >= 0; i--) {
      int n = values.get(i).size();
      picked[i] = values.get(i).get((int) (rest % n));
      rest /= n;
    }
    for (int i = 0; i < names.size(); i++) {
      point.put(names.get(i), picked[i]);
    }
    return point;
  }

  /** The value lists of the named grid or choice entries, for {@link #product}. */
  static List<List<Object>> valuesOf(List<String> names, Space space) {
    List<List<Object>> out = new ArrayList<>();
    for (String n : names) {
      Entry e = space.get(n);
      if (e instanceof Sampled(String x, Domain.Grid g)) {
        out.add(g.values());
      } else if (e instanceof Sampled(String x, Domain.Choice c)) {
        out.add(c.values());
      } else {
        throw new IllegalArgumentException("parameter '" + n + "' is neither a grid nor a choice");
      }
    }
    return out;
  }
}
