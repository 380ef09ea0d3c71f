package dev.prism;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link Prism#init(PrismConfig)} starts or joins a cluster. Immutable; build it with {@link
 * #builder()}. Without an {@link Builder#address(String) address} (and without the {@code
 * PRISM_ADDRESS} environment variable) Prism starts an embedded local cluster: the control store
 * and one node manager inside this JVM, workers as child JVMs.
 *
 * @param address {@code host:port} of a running cluster's GCS to join, or empty to start an
 *     embedded one
 * @param nodeIp the address of the node on this machine that a driver joining a cluster attaches to
 *     (and binds its own server to); empty: the node at an address of this machine, preferring the
 *     one that routes to the head ({@code PRISM_NODE_IP} sets it too)
 * @param numCpus CPUs the embedded node offers (default: this machine's processors)
 * @param numGpus GPUs the embedded node offers (default: those CUDA finds, else none); on a machine
 *     without GPUs this declares logical GPUs, which is how tests run GPU code paths
 * @param resources custom resources the embedded node offers
 * @param objectStoreMemory bytes of the embedded node's shared-memory object store
 * @param namespace the namespace for named actors and the KV store
 * @param workerJvmOptions JVM options for worker processes (heap, GC); empty for the defaults
 * @param prestartWorkers workers the embedded node starts at once (default: {@code numCpus})
 * @param controlTimeout how long one request to the cluster's control service (joining it,
 *     placement groups) may take before it fails with {@link PrismException}; a wait the caller
 *     asks for (as in {@link PlacementGroup#waitUntilReady}) comes on top
 * @param runtimeEnv the default {@link RuntimeEnv} of this driver's tasks and actors (the job's);
 *     {@link RuntimeEnv#empty()} for the node's defaults
 */
public record PrismConfig(
    Optional<String> address,
    Optional<String> nodeIp,
    int numCpus,
    Optional<Double> numGpus,
    Map<String, Double> resources,
    long objectStoreMemory,
    String namespace,
    List<String> workerJvmOptions,
    int prestartWorkers,
    Duration controlTimeout,
    RuntimeEnv runtimeEnv) {

  /** The default object store size of an embedded node when none is given: 2 GiB. */
  public static final long DEFAULT_OBJECT_STORE_MEMORY = 2L << 30;

  /** The default {@link #controlTimeout()}: 10 seconds. */
  public static final Duration DEFAULT_CONTROL_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Validates and copies the parts.
   *
   * @param address the address
   * @param nodeIp the local node's address
   * @param numCpus the CPUs
   * @param numGpus the GPUs
   * @param resources the custom resources
   * @param objectStoreMemory the store size
   * @param namespace the namespace
   * @param workerJvmOptions the worker JVM options
   * @param prestartWorkers the workers to prestart
   * @param controlTimeout the control-request timeout
   * @param runtimeEnv the driver's default runtime environment
   * @throws IllegalArgumentException naming the bad value
   */
  public PrismConfig {
    address = address == null ? Optional.empty() : address;
    nodeIp = nodeIp == null ? Optional.empty() : nodeIp.map(String::trim);
    nodeIp.ifPresent(
        ip -> {
          // One colon: a host:port; an IPv6 address has several.
          if (ip.isEmpty() || ip.chars().filter(c -> c == ':').count() == 1) {
            throw new IllegalArgumentException(
                "nodeIp '"
                    + ip
                    + "' is not an address; give the IP of this machine's node, without a port");
          }
        });
    address.ifPresent(
        a -> {
          int colon = a.lastIndexOf(':');
          if (colon <= 0 || colon == a.length() - 1) {
            throw new IllegalArgumentException("address '" + a + "' is not host:port");
          }
          try {
            int port = Integer.parseInt(a.substring(colon + 1));
            if (port <= 0 || port > 65_535) {
              throw new IllegalArgumentException(
                  "address '" + a + "' has port " + port + ", outside 1..65535");
            }
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address '" + a + "' has no numeric port", e);
          }
        });
    if (numCpus < 0) {
      throw new IllegalArgumentException("numCpus is " + numCpus + "; give 0 or more");
    }
    numGpus = numGpus == null ? Optional.empty() : numGpus;
    numGpus.ifPresent(
        g -> {
          if (!(g >= 0) || g != Math.rint(g) || g > 1024) {
            throw new IllegalArgumentException(
                "numGpus is " + g + "; a node has a whole number of GPUs (0 to 1024)");
          }
        });
    resources = Map.copyOf(Objects.requireNonNull(resources, "resources"));
    resources.forEach(
        (name, amount) -> {
          if (name.isBlank()) {
            throw new IllegalArgumentException("a custom resource has a blank name");
          }
          if (amount == null || !(amount >= 0) || amount.isInfinite()) {
            throw new IllegalArgumentException(
                "custom resource '"
                    + name
                    + "' has amount "
                    + amount
                    + "; give a finite amount of 0 or more");
          }
        });
    if (objectStoreMemory < (1L << 20)) {
      throw new IllegalArgumentException(
          "objectStoreMemory is " + objectStoreMemory + " bytes; give at least 1 MiB");
    }
    if (Objects.requireNonNull(namespace, "namespace").isBlank()) {
      throw new IllegalArgumentException("namespace is blank; give a name or leave the default");
    }
    workerJvmOptions = List.copyOf(Objects.requireNonNull(workerJvmOptions, "workerJvmOptions"));
    if (prestartWorkers < 0) {
      throw new IllegalArgumentException(
          "prestartWorkers is " + prestartWorkers + "; give 0 or more");
    }
    Objects.requireNonNull(controlTimeout, "controlTimeout");
    if (controlTimeout.isNegative() || controlTimeout.isZero()) {
      throw new IllegalArgumentException(
          "controlTimeout is " + controlTimeout + "; give a positive duration");
    }
    runtimeEnv = runtimeEnv == null ? RuntimeEnv.empty() : runtimeEnv;
  }

  /**
   * A builder with the defaults: an embedded cluster sized to this machine.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link PrismConfig}; every setter validates when {@link #build()} runs. */
  public static final class Builder {
    private String address;
    private String nodeIp;
    private int numCpus = Runtime.getRuntime().availableProcessors();
    private Double numGpus;
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private long objectStoreMemory = DEFAULT_OBJECT_STORE_MEMORY;
    private String namespace = "default";
    private List<String> workerJvmOptions = List.of();
    private Integer prestartWorkers;
    private Duration controlTimeout = DEFAULT_CONTROL_TIMEOUT;
    private RuntimeEnv runtimeEnv = RuntimeEnv.empty();

    private Builder() {}

    /**
     * Joins the cluster whose GCS listens at {@code host:port} instead of starting one.
     *
     * @param address the GCS address
     * @return this builder
     */
    public Builder address(String address) {
      this.address = address;
      return this;
    }

    /**
     * When joining a cluster, attaches this driver to the node of this machine at {@code ip} and
     * binds the driver's own server there (default: {@code PRISM_NODE_IP}, else the node at an
     * address of this machine, preferring the one that routes to the head). Needed only where
     * several nodes of one cluster run on this machine at different addresses.
     *
     * @param ip an address of this machine where a node of the cluster listens
     * @return this builder
     */
    public Builder nodeIp(String ip) {
      this.nodeIp = ip;
      return this;
    }

    /**
     * Sets the CPUs of the embedded node.
     *
     * @param numCpus the CPU count
     * @return this builder
     */
    public Builder numCpus(int numCpus) {
      this.numCpus = numCpus;
      return this;
    }

    /**
     * Sets the GPUs of the embedded node (logical GPUs where the machine has none).
     *
     * @param numGpus a whole number of GPUs
     * @return this builder
     */
    public Builder numGpus(double numGpus) {
      this.numGpus = numGpus;
      return this;
    }

    /**
     * Adds a custom resource to the embedded node.
     *
     * @param name the resource's name
     * @param amount how much of it the node has
     * @return this builder
     */
    public Builder resource(String name, double amount) {
      resources.put(Objects.requireNonNull(name, "name"), amount);
      return this;
    }

    /**
     * Sets the size of the embedded node's shared-memory object store.
     *
     * @param bytes the size in bytes (at least 1 MiB)
     * @return this builder
     */
    public Builder objectStoreMemory(long bytes) {
      this.objectStoreMemory = bytes;
      return this;
    }

    /**
     * Sets the namespace for named actors and the KV store.
     *
     * @param namespace the namespace
     * @return this builder
     */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      return this;
    }

    /**
     * Sets the JVM options of worker processes, e.g. {@code List.of("-Xmx2g")}.
     *
     * @param options the options
     * @return this builder
     */
    public Builder workerJvmOptions(List<String> options) {
      this.workerJvmOptions = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Sets how many workers the embedded node starts at once (default: its CPU count).
     *
     * @param count the number of workers
     * @return this builder
     */
    public Builder prestartWorkers(int count) {
      this.prestartWorkers = count;
      return this;
    }

    /**
     * Sets how long one request to the cluster's control service may take (default {@link
     * #DEFAULT_CONTROL_TIMEOUT}).
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder controlTimeout(Duration timeout) {
      this.controlTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets the default runtime environment of this driver's tasks and actors (the job's): a task or
     * actor that sets its own combines it with this one (see {@link RuntimeEnv}).
     *
     * @param env the environment
     * @return this builder
     */
    public Builder runtimeEnv(RuntimeEnv env) {
      this.runtimeEnv = Objects.requireNonNull(env, "env");
      return this;
    }

    /**
     * Validates and builds the config.
     *
     * @return the config
     * @throws IllegalArgumentException naming the bad value
     */
    public PrismConfig build() {
      return new PrismConfig(
          Optional.ofNullable(address),
          Optional.ofNullable(nodeIp),
          numCpus,
          Optional.ofNullable(numGpus),
          resources,
          objectStoreMemory,
          namespace,
          workerJvmOptions,
          prestartWorkers == null ? numCpus : prestartWorkers,
          controlTimeout,
          runtimeEnv);
    }
  }
}
