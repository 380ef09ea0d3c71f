package dev.prism.metrics;

import dev.prism.runtime.spi.MetricRegistry;

/**
 * A value that only goes up, such as requests answered; exported as its total since the node
 * started. Thread safe. See {@link dev.prism.metrics} for where values go.
 */
public final class Counter extends Metric {

  private Counter(MetricRegistry.Definition definition) {
    super(definition);
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

  /** Builds a {@link Counter}. */
  public static final class Builder extends Metric.Builder<Builder> {

    private Builder(String name) {
      super(name);
    }

    @Override
    Builder self() {
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
