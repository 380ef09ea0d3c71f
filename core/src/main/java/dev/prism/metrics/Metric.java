package dev.prism.metrics;

import dev.prism.runtime.spi.MetricRegistry;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What every metric has: a name and tag keys, fixed when it is built (Ray's {@code Metric}). See
 * {@link Counter}, {@link Gauge} and {@link Histogram}.
 */
public abstract sealed class Metric permits Counter, Gauge, Histogram {

  final MetricRegistry.Definition definition;

  Metric(MetricRegistry.Definition definition) {
    this.definition = definition;
  }

  /**
   * The name.
   *
   * @return it
   */
  public final String name() {
    return definition.name();
  }

  /**
   * The tag keys, in order.
   *
   * @return them
   */
  public final List<String> tagKeys() {
    return definition.tagKeys();
  }

  /**
   * What every metric's builder takes: a description and tag keys.
   *
   * @param <B> the concrete builder
   */
  public abstract static sealed class Builder<B extends Builder<B>>
      permits Counter.Builder, Gauge.Builder, Histogram.Builder {
    final String name;
    String description = "";
    List<String> tagKeys = List.of();

    Builder(String name) {
      this.name = name;
    }

    /**
     * Says what it measures (the Prometheus HELP text).
     *
     * @param description the text
     * @return this builder
     */
    public final B description(String description) {
      this.description = Objects.requireNonNull(description, "description");
      return self();
    }

    /**
     * Names its tags; each recorded value gives their values in this order. None by default.
     *
     * @param keys the keys, {@code [a-zA-Z_][a-zA-Z0-9_]*}, distinct
     * @return this builder
     */
    public final B tagKeys(String... keys) {
      this.tagKeys = Arrays.asList(keys.clone());
      return self();
    }

    abstract B self();
  }
}
