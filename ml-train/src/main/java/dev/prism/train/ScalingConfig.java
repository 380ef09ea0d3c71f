package dev.prism.train;

import dev.prism.PlacementStrategy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How many training workers to start and what each one needs: as Ray Train's {@code ScalingConfig}.
 * Each worker is an actor in a bundle of one placement group, so the whole group is placed at once
 * or not at all.
 *
 * @param numWorkers how many workers (ranks), at least 1
 * @param useGpu whether each worker gets a GPU of its own (then {@link TrainContext#device()} is
 *     that GPU)
 * @param resourcesPerWorker what each worker's bundle reserves (CPU 1 by default, plus GPU 1 with
 *     {@code useGpu})
 * @param placementStrategy how the bundles spread over nodes: PACK (default), SPREAD, STRICT_SPREAD
 *     or STRICT_PACK
 */
public record ScalingConfig(
    int numWorkers,
    boolean useGpu,
    Map<String, Double> resourcesPerWorker,
    PlacementStrategy placementStrategy) {

  /**
   * Checks the fields.
   *
   * @param numWorkers how many workers
   * @param useGpu whether each gets a GPU
   * @param resourcesPerWorker each worker's resources
   * @param placementStrategy how bundles spread
   */
  public ScalingConfig {
    Objects.requireNonNull(resourcesPerWorker, "resourcesPerWorker");
    Objects.requireNonNull(placementStrategy, "placementStrategy");
    if (numWorkers < 1) {
      throw new IllegalArgumentException(
          "ScalingConfig.numWorkers is " + numWorkers + "; a training run needs at least 1 worker");
    }
    Map<String, Double> r = new LinkedHashMap<>();
    resourcesPerWorker.forEach(
        (k, v) -> {
          if (k == null || k.isBlank() || v == null || v < 0 || v.isNaN()) {
            throw new IllegalArgumentException(
                "ScalingConfig.resourcesPerWorker has "
                    + k
                    + "="
                    + v
                    + "; give names and amounts >= 0");
          }
          if (v > 0) {
            r.put(k, v);
          }
        });
    if (useGpu && r.getOrDefault("GPU", 0.0) <= 0) {
      r.put("GPU", 1.0);
    }
    if (!useGpu && r.getOrDefault("GPU", 0.0) > 0) {
      throw new IllegalArgumentException(
          "ScalingConfig.resourcesPerWorker asks for GPU but useGpu is false; set useGpu(true)");
    }
    resourcesPerWorker = Map.copyOf(r);
  }

  /**
   * A builder, with 1 worker, 1 CPU each, no GPU, PACK.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link ScalingConfig}. */
  public static final class Builder {
    private int numWorkers = 1;
    private boolean useGpu;
    private final Map<String, Double> resources = new LinkedHashMap<>(Map.of("CPU", 1.0));
    private PlacementStrategy strategy = PlacementStrategy.PACK;

    private Builder() {}

    /**
     * Sets the number of workers.
     *
     * @param n at least 1
     * @return this builder
     */
    public Builder numWorkers(int n) {
      this.numWorkers = n;
      return this;
    }

    /**
     * Gives each worker a GPU of its own.
     *
     * @param useGpu true for a GPU per worker
     * @return this builder
     */
    public Builder useGpu(boolean useGpu) {
      this.useGpu = useGpu;
      return this;
    }

    /**
     * Sets one resource each worker reserves (0 removes it).
     *
     * @param name the resource, such as "CPU", "GPU" or a custom one
     * @param amount the amount
     * @return this builder
     */
    public Builder resourcePerWorker(String name, double amount) {
      resources.put(name, amount);
      return this;
    }

    /**
     * Sets how the workers spread over nodes.
     *
     * @param strategy PACK, SPREAD, STRICT_PACK or STRICT_SPREAD
     * @return this builder
     */
    public Builder placementStrategy(PlacementStrategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /**
     * Builds and checks the config.
     *
     * @return the config
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public ScalingConfig build() {
      return new ScalingConfig(numWorkers, useGpu, resources, strategy);
    }
  }
}
