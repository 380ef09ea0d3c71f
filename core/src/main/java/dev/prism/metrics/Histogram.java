package dev.prism.metrics;

import dev.prism.runtime.spi.MetricRegistry;

/**
 * Observations, such as latencies, counted in buckets; exported as a Prometheus histogram ({@code
 * _bucket} per upper bound {@code le} and {@code +Inf}, {@code _sum}, {@code _count}). Thread safe.
 * See {@link dev.prism.metrics} for where values go.
 */
public final class Histogram extends Metric {

  private Histogram(MetricRegistry.Definition definition) {
    super(definition);
  }

  /**
   * Starts a histogram.
   *
   * @param name the name, {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, with its unit as by convention ({@code
   *     _seconds}, {@code _bytes})
   * @return a builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Records an observation.
   *
   * @param value the value, not NaN
   * @param tagValues one value per tag key, in the keys' order
   * @throws IllegalArgumentException for NaN, a wrong number of tag values or a null one
   */
  public void observe(double value, String... tagValues) {
    definition.record(value, tagValues);
  }

  /**
   * The buckets' upper bounds, ascending.
   *
   * @return a copy
   */
  public double[] boundaries() {
    return definition.boundaries();
  }

  /** Builds a {@link Histogram}. */
  public static final class Builder extends Metric.Builder<Builder> {
    private double[] boundaries = new double[0];

    private Builder(String name) {
      super(name);
    }

    @Override
    Builder self() {
      return this;
    }

    /**
     * Sets the buckets' upper bounds (required): an observation counts in the first bucket whose
     * bound is at least its value, or in {@code +Inf}.
     *
     * @param boundaries finite, strictly ascending, at least one
     * @return this builder
     */
    public Builder boundaries(double... boundaries) {
      this.boundaries = boundaries.clone();
      return this;
    }

    /**
     * Defines the histogram in this process (the first metric starts the process's reporting).
     *
     * @return the histogram
     * @throws IllegalArgumentException for a bad name, tag key or boundaries, or a name this
     *     process defined with another kind, other tag keys or other boundaries
     */
    public Histogram build() {
      return new Histogram(
          MetricRegistry.get()
              .define(MetricRegistry.Kind.HISTOGRAM, name, description, tagKeys, boundaries));
    }
  }
}
