package dev.prism.metrics;

import dev.prism.runtime.spi.MetricRegistry;
import java.util.List;

/**
 * Observations, such as latencies, counted in buckets; exported as a Prometheus histogram ({@code
 * _bucket} per upper bound {@code le} and {@code +Inf}, {@code _sum}, {@code _count}). Thread safe.
 * See {@link dev.prism.metrics} for where values go.
 */
public final class Histogram {

  private final MetricRegistry.Definition definition;

  private Histogram(MetricRegistry.Definition definition) {
    this.definition = definition;
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

  /**
   * The buckets' upper bounds, ascending.
   *
   * @return a copy
   */
  public double[] boundaries() {
    return definition.boundaries();
  }

  /** Builds a {@link Histogram}. */
  public static final class Builder {
    private final String name;
    private String description = "";
    private List<String> tagKeys = List.of();
    private double[] boundaries = new double[0];

    private Builder(String name) {
      this.name = name;
    }

    /**
     * Says what it measures (the Prometheus HELP text).
     *
     * @param description the text
     * @return this builder
     */
    public Builder description(String description) {
      this.description = java.util.Objects.requireNonNull(description, "description");
      return this;
    }

    /**
     * Names its tags; each observation gives their values in this order. None by default.
     *
     * @param keys the keys, {@code [a-zA-Z_][a-zA-Z0-9_]*}, distinct
     * @return this builder
     */
    public Builder tagKeys(String... keys) {
      this.tagKeys = java.util.Arrays.asList(keys.clone());
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
