package dev.prism.tune.search;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A sweep's parameter space: each parameter's domain, constant or computed value, in order. */
public final class Space {
  private final Map<String, Object> entries;

  private Space(Map<String, Object> entries) {
    this.entries = entries;
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

  /** Builds a space. */
  public static final class Builder {
    private final Map<String, Object> entries = new LinkedHashMap<>();

    /**
     * Adds a constant.
     *
     * @param name the parameter
     * @param value its value
     * @return this
     */
    public Builder constant(String name, Object value) {
      entries.put(name, value);
      return this;
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
}
