package dev.prism;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one node of a {@link LocalCluster} offers. Immutable and validated; build it with {@link
 * #builder()}, or take {@link #defaults()}.
 *
 * <pre>{@code
 * NodeOptions gpuNode = NodeOptions.builder().cpus(2).gpus(1).resource("accelerator", 1).build();
 * }</pre>
 *
 * @param cpus CPUs the node offers (default 1)
 * @param gpus logical GPUs the node offers (default 0: none, whatever this machine has); on a
 *     machine without GPUs this is how tests exercise GPU scheduling
 * @param memory bytes of the {@code memory} resource tasks may ask for (default 0: not declared)
 * @param resources custom resources, by name (default none); {@code CPU}, {@code GPU} and {@code
 *     memory} are set with their own options
 * @param objectStoreMemory bytes of the node's shared-memory object store (default 256 MiB, at
 *     least 1 MiB)
 * @param workerHeap the maximum heap of the node's worker JVMs in bytes (default 0: Prism's default
 *     worker options, a 256 MiB heap); at least 16 MiB when given
 * @param labels the node's labels, which label selectors match ({@link
 *     TaskCaller#setLabelSelector}; default none); keys may not start with {@code prism.io/}: every
 *     node gets {@code prism.io/node-id} (and, with GPUs, {@code prism.io/accelerator-type})
 */
public record NodeOptions(
    int cpus,
    int gpus,
    long memory,
    Map<String, Double> resources,
    long objectStoreMemory,
    long workerHeap,
    Map<String, String> labels) {

  /** The object store size of a node when none is given: 256 MiB. */
  public static final long DEFAULT_OBJECT_STORE_MEMORY = 256L << 20;

  /** The smallest object store: 1 MiB. */
  public static final long MIN_OBJECT_STORE_MEMORY = 1L << 20;

  /** The smallest worker heap: 16 MiB. */
  public static final long MIN_WORKER_HEAP = 16L << 20;

  /** The most GPUs one node may declare. */
  public static final int MAX_GPUS = 1024;

  /**
   * Validates and copies the parts.
   *
   * @param cpus the CPUs
   * @param gpus the GPUs
   * @param memory the memory resource in bytes
   * @param resources the custom resources
   * @param objectStoreMemory the store's bytes
   * @param workerHeap the workers' heap in bytes, or 0
   * @param labels the labels
   * @throws NullPointerException if {@code resources} or {@code labels}, or a name, an amount, a
   *     key or a value in them is null
   * @throws IllegalArgumentException naming the bad value and what to give instead
   */
  public NodeOptions {
    Objects.requireNonNull(resources, "resources");
    Objects.requireNonNull(labels, "labels");
    try {
      dev.prism.scheduler.Labels.checkUserLabels(labels);
    } catch (dev.prism.scheduler.InvalidResourceException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    if (cpus < 0) {
      throw new IllegalArgumentException("cpus is " + cpus + "; give 0 or more");
    }
    if (gpus < 0 || gpus > MAX_GPUS) {
      throw new IllegalArgumentException(
          "gpus is " + gpus + "; give a whole number from 0 to " + MAX_GPUS);
    }
    if (memory < 0) {
      throw new IllegalArgumentException(
          "memory is " + memory + " bytes; give 0 (not declared) or more");
    }
    Map<String, Double> copy = new LinkedHashMap<>();
    resources.forEach(
        (name, amount) -> {
          Objects.requireNonNull(name, "resources: a resource name");
          Objects.requireNonNull(amount, "resources: the amount of '" + name + "'");
          checkResource(name, amount);
          copy.put(name, amount);
        });
    resources = java.util.Collections.unmodifiableMap(copy);
    if (objectStoreMemory < MIN_OBJECT_STORE_MEMORY) {
      throw new IllegalArgumentException(
          "objectStoreMemory is " + objectStoreMemory + " bytes; give at least 1 MiB (1048576)");
    }
    if (workerHeap != 0 && workerHeap < MIN_WORKER_HEAP) {
      throw new IllegalArgumentException(
          "workerHeap is "
              + workerHeap
              + " bytes; give at least 16 MiB (16777216), or 0 for the default");
    }
  }

  /**
   * Options without labels (see the canonical constructor).
   *
   * @param cpus the CPUs
   * @param gpus the GPUs
   * @param memory the memory resource in bytes
   * @param resources the custom resources
   * @param objectStoreMemory the store's bytes
   * @param workerHeap the workers' heap in bytes, or 0
   */
  public NodeOptions(
      int cpus,
      int gpus,
      long memory,
      Map<String, Double> resources,
      long objectStoreMemory,
      long workerHeap) {
    this(cpus, gpus, memory, resources, objectStoreMemory, workerHeap, Map.of());
  }

  private static void checkResource(String name, double amount) {
    if (name.isBlank()) {
      throw new IllegalArgumentException("a custom resource has a blank name");
    }
    switch (name) {
      case "CPU" ->
          throw new IllegalArgumentException("resource 'CPU' is set with cpus(n), not resource()");
      case "GPU" ->
          throw new IllegalArgumentException("resource 'GPU' is set with gpus(n), not resource()");
      case "memory" ->
          throw new IllegalArgumentException(
              "resource 'memory' is set with memory(bytes), not resource()");
      default -> {}
    }
    if (!(amount >= 0) || Double.isInfinite(amount)) {
      throw new IllegalArgumentException(
          "custom resource '" + name + "' has amount " + amount + "; give a finite amount >= 0");
    }
  }

  /**
   * The default node: 1 CPU, no GPU, no declared memory, no custom resources, a 256 MiB store and
   * the default worker heap.
   *
   * @return the defaults
   */
  public static NodeOptions defaults() {
    return builder().build();
  }

  /**
   * A builder that starts from {@link #defaults()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link NodeOptions}; {@link #build()} validates. */
  public static final class Builder {
    private int cpus = 1;
    private int gpus;
    private long memory;
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private long objectStoreMemory = DEFAULT_OBJECT_STORE_MEMORY;
    private long workerHeap;
    private final Map<String, String> labels = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds (or replaces) a node label, which label selectors match.
     *
     * @param key the key, not blank and not under {@code prism.io/}
     * @param value the value
     * @return this builder
     * @throws NullPointerException if the key or value is null
     */
    public Builder label(String key, String value) {
      labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets the CPUs the node offers.
     *
     * @param cpus 0 or more
     * @return this builder
     */
    public Builder cpus(int cpus) {
      this.cpus = cpus;
      return this;
    }

    /**
     * Sets the logical GPUs the node offers.
     *
     * @param gpus 0 to {@value NodeOptions#MAX_GPUS}
     * @return this builder
     */
    public Builder gpus(int gpus) {
      this.gpus = gpus;
      return this;
    }

    /**
     * Sets the {@code memory} resource, in bytes.
     *
     * @param bytes 0 (not declared) or more
     * @return this builder
     */
    public Builder memory(long bytes) {
      this.memory = bytes;
      return this;
    }

    /**
     * Adds (or replaces) one custom resource.
     *
     * @param name the name, not blank and not {@code CPU}, {@code GPU} or {@code memory}
     * @param amount a finite amount of 0 or more
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     */
    public Builder resource(String name, double amount) {
      resources.put(Objects.requireNonNull(name, "name"), amount);
      return this;
    }

    /**
     * Adds (or replaces) custom resources.
     *
     * @param resources names to amounts
     * @return this builder
     * @throws NullPointerException if {@code resources} is null
     */
    public Builder resources(Map<String, Double> resources) {
      this.resources.putAll(Objects.requireNonNull(resources, "resources"));
      return this;
    }

    /**
     * Sets the object store's size.
     *
     * @param bytes at least 1 MiB
     * @return this builder
     */
    public Builder objectStoreMemory(long bytes) {
      this.objectStoreMemory = bytes;
      return this;
    }

    /**
     * Sets the worker JVMs' maximum heap.
     *
     * @param bytes at least 16 MiB, or 0 for the default
     * @return this builder
     */
    public Builder workerHeap(long bytes) {
      this.workerHeap = bytes;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the options
     * @throws IllegalArgumentException naming the bad value
     */
    public NodeOptions build() {
      return new NodeOptions(cpus, gpus, memory, resources, objectStoreMemory, workerHeap, labels);
    }
  }
}
