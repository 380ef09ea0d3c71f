package dev.prism.metrics;

import dev.prism.runtime.spi.MetricRegistry;

/**
 * A value that is set, such as a queue's length or the last loss; exported as the latest value set
 * with the same tags by any process of the node. Thread safe. See {@link dev.prism.metrics} for
 * where values go.
 */
public final class Gauge extends Metric {

  private Gauge(MetricRegistry.Definition definition) {
    super(definition);
  }

  /**
   * Starts a gauge.
   *
   * @param name the name, {@code [a-zA-Z_:][a-zA-Z0-9_:]*}
   * @return a builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Sets the value.
   *
   * @param value the value, not NaN
   * @param tagValues one value per tag key, in the keys' order
   * @throws IllegalArgumentException for NaN, a wrong number of tag values or a null one
   */
  public void set(double value, String... tagValues) {
    definition.record(value, tagValues);
  }

  /** Builds a {@link Gauge}. */
  public static final class Builder extends Metric.Builder<Builder> {

    private Builder(String name) {
      super(name);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Defines the gauge in this process (the first metric starts the process's reporting).
     *
     * @return the gauge
     * @throws IllegalArgumentException for a bad name or tag key, or a name this process defined
     *     with another kind or other tag keys
     */
    public Gauge build() {
      return new Gauge(
          MetricRegistry.get()
              .define(MetricRegistry.Kind.GAUGE, name, description, tagKeys, new double[0]));
    }
  }
}
