package dev.prism.metrics;

import dev.prism.runtime.spi.MetricRegistry;
import java.util.List;

/**
 * A value that only goes up, such as requests answered; exported as its total since the node
 * started. Thread safe. See {@link dev.prism.metrics} for where values go.
 */
public final class Counter {

  private final MetricRegistry.Definition definition;

  private Counter(MetricRegistry.Definition definition) {
    this.definition = definition;
  }

  /**
   * Starts a counter.
   *
   * @param name the name, {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, by convention ending in {@code _total}
   * @return a builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Adds one.
   *
   * @param tagValues one value per tag key, in the keys' order
   * @throws IllegalArgumentException for a wrong number of tag values or a null one
   */
  public void inc(String... tagValues) {
    definition.record(1.0, tagValues);
  }

  /**
   * Adds an amount.
   *
   * @param amount the increase, finite and not negative
   * @param tagValues one value per tag key, in the keys' order
   * @throws IllegalArgumentException for a negative or non-finite amount, a wrong number of tag
   *     values or a null one
   */
  public void inc(double amount, String... tagValues) {
    definition.record(amount, tagValues);
  }

  /**
   * The name.
   *
   * @return it
   */
  public String name() {
    return definition.name();
  }

  /**
   * The tag keys, in order.
   *
   * @return them
   */
  public List<String> tagKeys() {
    return definition.tagKeys();
  }

  /** Builds a {@link Counter}. */
  public static final class Builder {
    private final String name;
    private String description = "";
    private List<String> tagKeys = List.of();

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Says what it counts (the Prometheus HELP text).
     *
     * @param description the text
     * @return this builder
     */
    public Builder description(String description) {
      this.description = java.util.Objects.requireNonNull(description, "description");
      return this;
    }

    /**
     * Names its tags; each recorded value gives their values in this order. None by default.
     *
     * @param keys the keys, {@code [a-zA-Z_][a-zA-Z0-9_]*}, distinct
     * @return this builder
     */
    public Builder tagKeys(String... keys) {
      this.tagKeys = java.util.Arrays.asList(keys.clone());
      return this;
    }

    /**
     * Defines the counter in this process (the first metric starts the process's reporting).
     *
     * @return the counter
     * @throws IllegalArgumentException for a bad name or tag key, or a name this process defined
     *     with another kind or other tag keys
     */
    public Counter build() {
      return new Counter(
          MetricRegistry.get()
              .define(MetricRegistry.Kind.COUNTER, name, description, tagKeys, new double[0]));
    }
  }
}
