package dev.prism.runtime.node;

import dev.prism.runtime.security.ClusterToken;
import dev.prism.scheduler.GpuInventory;
import dev.prism.store.StoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Immutable configuration of a {@link NodeManager}: who the node is, what it offers, where its
 * object store lives, and how its worker JVMs are started. Build one with {@link #builder()} (which
 * documents each default); derive a variant with {@link #toBuilder()}.
 *
 * <p>A worker is started as {@code <javaExecutable> <jvmFlags> <workerJvmOptions> -cp <classpath>
 * <workerMainClass>}; see {@link NodeManager} for the environment it gets.
 *
 * @param nodeId the node id, lower-case hex
 * @param host the address the node manager binds
 * @param port the port the node manager binds (0: ephemeral)
 * @param gcsAddress the GCS ({@code host:port}) to register with and report to; empty for a node
 *     without a GCS (it never spills back)
 * @param numCpus the CPUs offered to tasks
 * @param gpus the node's GPUs; empty to discover them through CUDA when the node manager starts
 * @param resources custom resources, name to amount
 * @param labels node labels
 * @param objectStoreCapacity bytes of shared memory for the object store
 * @param shmDirectory the directory of the store's shared-memory file (normally /dev/shm)
 * @param socketDirectory the directory of the store's Unix domain socket
 * @param spillDirectory where the store spills (it makes its own sub-directory there)
 * @param objectTransfer how objects move to other nodes (chunk and I/O sizes, the data port, the
 *     idle timeout of data connections)
 * @param javaExecutable the {@code java} launcher of workers
 * @param jvmFlags the JVM flags every worker gets first
 * @param workerJvmOptions the worker JVM options (heap, collector, ...), after the flags
 * @param workerExtraJvmOptions more worker JVM options, after those: for profiling or diagnostics
 *     (default: the system property {@code prism.worker.extraJvmOptions} split on white space)
 * @param workerAotCache the directory of the workers' AOT caches, shared by every node on the
 *     machine; empty to start workers without one (see {@link Builder#workerAotCache})
 * @param classpath the workers' class path
 * @param workerMainClass the workers' main class
 * @param workerEnvironment extra environment variables for every worker (the {@code PRISM_*}
 *     variables and {@code CUDA_VISIBLE_DEVICES} set by the node manager win over these)
 * @param prestartWorkers how many CPU workers start with the node manager
 * @param maxConcurrentWorkerStarts how many worker JVMs may be starting (launched, not yet
 *     registered) at once, prestarted ones included; further starts wait for a slot (like Ray's
 *     {@code maximum_startup_concurrency}; default {@code max(2, numCpus)})
 * @param maxTasksPerWorker how many leases (each running its tasks in order on a thread of its own)
 *     one worker JVM may hold at once; a worker holds more than one only while tasks in it wait in
 *     get/wait, so that a waiting task's nested tasks run in its JVM instead of a new one (default
 *     {@value #DEFAULT_MAX_TASKS_PER_WORKER}; 1 gives every lease a JVM of its own)
 * @param workerStartTimeout how long a worker may take from launch to {@code RegisterWorker}
 *     (waiting for a start slot does not count)
 * @param workerIdleTimeout how long a worker beyond the prestarted ones may stay idle before it is
 *     stopped, unless it owns objects others may still read (default 60 s; the system property
 *     {@code prism.worker.idleTimeoutMs} overrides the default)
 * @param workerExitGrace how long a worker asked to exit gets before it is destroyed (and as long
 *     again before it is destroyed forcibly)
 * @param reportPeriod the heartbeat: the node reports its resources to the GCS at least this often
 * @param reportDelay how long a change of available resources waits to be reported with others
 * @param logSink where worker output goes
 * @param schedulerSeed the seed of the scheduling policy's random choices
 * @param token the cluster token: every call to this node manager and its object data port must
 *     carry it, it goes with this node's own calls, and its workers get it in their environment
 */
public record NodeConfig(
    String nodeId,
    String host,
    int port,
    Optional<String> gcsAddress,
    int numCpus,
    Optional<GpuInventory> gpus,
    Map<String, Double> resources,
    Map<String, String> labels,
    long objectStoreCapacity,
    Path shmDirectory,
    Path socketDirectory,
    Path spillDirectory,
    ObjectTransferConfig objectTransfer,
    Path javaExecutable,
    List<String> jvmFlags,
    List<String> workerJvmOptions,
    List<String> workerExtraJvmOptions,
    Optional<Path> workerAotCache,
    String classpath,
    String workerMainClass,
    Map<String, String> workerEnvironment,
    int prestartWorkers,
    int maxConcurrentWorkerStarts,
    int maxTasksPerWorker,
    Duration workerStartTimeout,
    Duration workerIdleTimeout,
    Duration workerExitGrace,
    Duration reportPeriod,
    Duration reportDelay,
    WorkerLogSink logSink,
    long schedulerSeed,
    ClusterToken token) {

  /** The main class of worker JVMs unless configured otherwise. */
  public static final String DEFAULT_WORKER_MAIN_CLASS = "dev.prism.runtime.worker.WorkerMain";

  /** The JVM flags every Prism JVM needs on JDK 25 (used when {@code prism.jvm.flags} is unset). */
  public static final List<String> STANDARD_JVM_FLAGS =
      List.of(
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
          "--sun-misc-unsafe-memory-access=allow",
          "--enable-native-access=ALL-UNNAMED");

  /**
   * The default worker JVM options: a small heap with a small young generation, the serial
   * collector, small thread stacks and a bounded code cache and metaspace, so an idle worker stays
   * small in resident memory.
   */
  public static final List<String> DEFAULT_WORKER_JVM_OPTIONS =
      List.of(
          "-Xmx256m",
          "-XX:MaxNewSize=32m",
          "-XX:+UseSerialGC",
          "-Xss512k",
          "-XX:ReservedCodeCacheSize=64m",
          "-XX:MaxMetaspaceSize=128m");

  /** The default of {@link #maxTasksPerWorker}. */
  public static final int DEFAULT_MAX_TASKS_PER_WORKER = 256;

  /** The default object store capacity: 512 MiB (the shared-memory file is sparse). */
  public static final long DEFAULT_OBJECT_STORE_CAPACITY = 512L << 20;

  /**
   * Validates and copies the configuration.
   *
   * @throws NodeManagerException if a value is out of range, naming it and the fix
   */
  public NodeConfig {
    Objects.requireNonNull(nodeId, "nodeId");
    if (nodeId.isEmpty()
        || !nodeId.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new NodeManagerException(
          "node id '" + nodeId + "' is not lower-case hex; give e.g. NodeConfig.randomNodeId()");
    }
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new NodeManagerException("node manager host is blank; give e.g. 127.0.0.1");
    }
    if (port < 0 || port > 65535) {
      throw new NodeManagerException(
          "node manager port " + port + " is out of range; give 0 (ephemeral) or 1..65535");
    }
    Objects.requireNonNull(gcsAddress, "gcsAddress");
    if (gcsAddress.isPresent() && !gcsAddress.get().matches(".+:\\d{1,5}")) {
      throw new NodeManagerException(
          "GCS address '" + gcsAddress.get() + "' is not host:port; give e.g. 127.0.0.1:6379");
    }
    if (numCpus < 0) {
      throw new NodeManagerException("numCpus " + numCpus + " is negative; give 0 or more");
    }
    Objects.requireNonNull(gpus, "gpus");
    resources = Map.copyOf(resources);
    for (String reserved : List.of("CPU", "GPU")) {
      if (resources.containsKey(reserved)) {
        throw new NodeManagerException(
            "custom resource " + reserved + " is reserved; set it with numCpus/numGpus instead");
      }
    }
    labels = Map.copyOf(labels);
    try {
      dev.prism.scheduler.Labels.checkUserLabels(labels);
    } catch (dev.prism.scheduler.InvalidResourceException e) {
      throw new NodeManagerException(e.getMessage(), e);
    }
    if (objectStoreCapacity < StoreConfig.MIN_CAPACITY) {
      throw new NodeManagerException(
          "objectStoreCapacity "
              + objectStoreCapacity
              + " bytes is below the minimum "
              + StoreConfig.MIN_CAPACITY
              + "; give more");
    }
    Objects.requireNonNull(shmDirectory, "shmDirectory");
    Objects.requireNonNull(socketDirectory, "socketDirectory");
    Objects.requireNonNull(spillDirectory, "spillDirectory");
    Objects.requireNonNull(objectTransfer, "objectTransfer");
    Objects.requireNonNull(javaExecutable, "javaExecutable");
    jvmFlags = List.copyOf(jvmFlags);
    workerJvmOptions = List.copyOf(workerJvmOptions);
    workerExtraJvmOptions = List.copyOf(workerExtraJvmOptions);
    Objects.requireNonNull(workerAotCache, "workerAotCache");
    Objects.requireNonNull(workerMainClass, "workerMainClass");
    if (workerMainClass.isBlank()) {
      throw new NodeManagerException(
          "workerMainClass is blank; give a fully qualified class"
              + " name such as "
              + DEFAULT_WORKER_MAIN_CLASS);
    }
    if (classpath == null || classpath.isBlank()) {
      throw new NodeManagerException(
          "the workers' class path is empty; set classpath(...)"
              + " to the jars and directories that hold "
              + workerMainClass);
    }
    workerEnvironment = Map.copyOf(workerEnvironment);
    if (prestartWorkers < 0) {
      throw new NodeManagerException(
          "prestartWorkers " + prestartWorkers + " is negative; give 0 or more");
    }
    if (maxTasksPerWorker < 1) {
      throw new NodeManagerException(
          "maxTasksPerWorker " + maxTasksPerWorker + " is below 1; give 1 or more");
    }
    if (maxConcurrentWorkerStarts < 1) {
      throw new NodeManagerException(
          "maxConcurrentWorkerStarts "
              + maxConcurrentWorkerStarts
              + " is below 1; give 1 or more (at least one worker must be able to start)");
    }
    positive("workerStartTimeout", workerStartTimeout);
    positive("workerIdleTimeout", workerIdleTimeout);
    positive("workerExitGrace", workerExitGrace);
    positive("reportPeriod", reportPeriod);
    Objects.requireNonNull(reportDelay, "reportDelay");
    if (reportDelay.isNegative()) {
      throw new NodeManagerException("reportDelay " + reportDelay + " is negative; give 0 or more");
    }
    Objects.requireNonNull(logSink, "logSink");
    Objects.requireNonNull(token, "token");
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new NodeManagerException(name + " " + d + " must be positive");
    }
  }

  /**
   * The JVM flags every Prism JVM this one starts gets first: the system property {@code
   * prism.jvm.flags} split on white space, or {@link #STANDARD_JVM_FLAGS} when it is unset or
   * blank.
   *
   * @return the flags
   */
  public static List<String> jvmFlagsFromSystemProperties() {
    List<String> flags = words(System.getProperty("prism.jvm.flags"));
    return flags.isEmpty() ? STANDARD_JVM_FLAGS : flags;
  }

  /** A property's value split on white space; none when it is unset or blank. */
  private static List<String> words(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    return Arrays.stream(value.trim().split("\\s+")).toList();
  }

  /**
   * Returns a new random node id: 16 random bytes as 32 lower-case hex digits.
   *
   * @return the id
   */
  public static String randomNodeId() {
    byte[] bytes = new byte[16];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * Returns a builder with the defaults (see each setter).
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder holding this configuration's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  @Override
  public String toString() {
    return "NodeConfig{nodeId="
        + nodeId
        + ", host="
        + host
        + ", port="
        + port
        + ", gcs="
        + gcsAddress.orElse("none")
        + ", numCpus="
        + numCpus
        + ", gpus="
        + gpus.map(g -> Integer.toString(g.count())).orElse("discover")
        + ", resources="
        + resources
        + ", labels="
        + labels
        + ", objectStoreCapacity="
        + objectStoreCapacity
        + ", prestartWorkers="
        + prestartWorkers
        + ", maxConcurrentWorkerStarts="
        + maxConcurrentWorkerStarts
        + ", maxTasksPerWorker="
        + maxTasksPerWorker
        + ", workerMainClass="
        + workerMainClass
        + "}";
  }

  /** Builder of {@link NodeConfig}. Every setter returns this builder. */
  public static final class Builder {
    private String nodeId;
    private String host = "127.0.0.1";
    private int port;
    private String gcsAddress;
    private int numCpus = Runtime.getRuntime().availableProcessors();
    private GpuInventory gpus;
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private long objectStoreCapacity = DEFAULT_OBJECT_STORE_CAPACITY;
    private Path shmDirectory = Path.of("/dev/shm");
    private Path socketDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    private Path spillDirectory = Path.of(System.getProperty("java.io.tmpdir"));
    private ObjectTransferConfig objectTransfer = ObjectTransferConfig.fromSystemProperties();
    private Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
    private List<String> jvmFlags = jvmFlagsFromSystemProperties();
    private List<String> workerJvmOptions = DEFAULT_WORKER_JVM_OPTIONS;
    private List<String> workerExtraJvmOptions =
        words(System.getProperty("prism.worker.extraJvmOptions"));
    private Path workerAotCache = aotCacheFromSystemProperties();
    private String classpath = System.getProperty("java.class.path", "");
    private String workerMainClass = DEFAULT_WORKER_MAIN_CLASS;
    private final Map<String, String> workerEnvironment = new LinkedHashMap<>();
    private int prestartWorkers = -1;
    private int maxConcurrentWorkerStarts = -1;
    private int maxTasksPerWorker = DEFAULT_MAX_TASKS_PER_WORKER;
    private Duration workerStartTimeout = Duration.ofSeconds(30);
    private Duration workerIdleTimeout =
        Duration.ofMillis(Long.getLong("prism.worker.idleTimeoutMs", 60_000));
    private Duration workerExitGrace = Duration.ofSeconds(2);
    private Duration reportPeriod = Duration.ofSeconds(1);
    private Duration reportDelay = Duration.ofMillis(20);
    private WorkerLogSink logSink = WorkerLogSink.console();
    private long schedulerSeed = ThreadLocalRandom.current().nextLong();
    private ClusterToken token;

    private Builder() {}

    private Builder(NodeConfig c) {
      nodeId = c.nodeId();
      host = c.host();
      port = c.port();
      gcsAddress = c.gcsAddress().orElse(null);
      numCpus = c.numCpus();
      gpus = c.gpus().orElse(null);
      resources.putAll(c.resources());
      labels.putAll(c.labels());
      objectStoreCapacity = c.objectStoreCapacity();
      shmDirectory = c.shmDirectory();
      socketDirectory = c.socketDirectory();
      spillDirectory = c.spillDirectory();
      objectTransfer = c.objectTransfer();
      javaExecutable = c.javaExecutable();
      jvmFlags = c.jvmFlags();
      workerJvmOptions = c.workerJvmOptions();
      workerExtraJvmOptions = c.workerExtraJvmOptions();
      workerAotCache = c.workerAotCache().orElse(null);
      classpath = c.classpath();
      workerMainClass = c.workerMainClass();
      workerEnvironment.putAll(c.workerEnvironment());
      prestartWorkers = c.prestartWorkers();
      maxConcurrentWorkerStarts = c.maxConcurrentWorkerStarts();
      maxTasksPerWorker = c.maxTasksPerWorker();
      workerStartTimeout = c.workerStartTimeout();
      workerIdleTimeout = c.workerIdleTimeout();
      workerExitGrace = c.workerExitGrace();
      reportPeriod = c.reportPeriod();
      reportDelay = c.reportDelay();
      logSink = c.logSink();
      schedulerSeed = c.schedulerSeed();
      token = c.token();
    }

    /**
     * Sets the node id (default: {@link NodeConfig#randomNodeId()}).
     *
     * @param nodeId lower-case hex digits
     * @return this builder
     */
    public Builder nodeId(String nodeId) {
      this.nodeId = nodeId;
      return this;
    }

    /**
     * Sets the address to bind (default {@code 127.0.0.1}).
     *
     * @param host an IP literal or host name
     * @return this builder
     */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * Sets the port (default 0: ephemeral).
     *
     * @param port 0..65535
     * @return this builder
     */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Sets the GCS (default none: the node runs alone and never spills back).
     *
     * @param address {@code host:port}, or null for none
     * @return this builder
     */
    public Builder gcsAddress(String address) {
      this.gcsAddress = address;
      return this;
    }

    /**
     * Sets the CPUs offered (default: this machine's processors). Also the default number of
     * prestarted workers.
     *
     * @param numCpus zero or more
     * @return this builder
     */
    public Builder numCpus(int numCpus) {
      this.numCpus = numCpus;
      return this;
    }

    /**
     * Declares this many logical GPUs (ids 0..n-1, memory unknown) instead of discovering them; 0
     * declares none.
     *
     * @param numGpus zero or more
     * @return this builder
     */
    public Builder numGpus(int numGpus) {
      this.gpus = GpuInventory.logical(numGpus);
      return this;
    }

    /**
     * Sets the GPUs (e.g. logical devices with memory, or a discovered inventory); null (the
     * default) discovers them through CUDA when the node manager starts.
     *
     * @param gpus the inventory, or null to discover
     * @return this builder
     */
    public Builder gpus(GpuInventory gpus) {
      this.gpus = gpus;
      return this;
    }

    /**
     * Adds a custom resource.
     *
     * @param name the resource name (not CPU or GPU: use {@link #numCpus}/{@link #numGpus})
     * @param amount the amount
     * @return this builder
     */
    public Builder resource(String name, double amount) {
      resources.put(Objects.requireNonNull(name, "name"), amount);
      return this;
    }

    /**
     * Adds custom resources.
     *
     * @param resources name to amount
     * @return this builder
     */
    public Builder resources(Map<String, Double> resources) {
      resources.forEach(this::resource);
      return this;
    }

    /**
     * Adds node labels.
     *
     * @param labels keys to values (not under the reserved {@code prism.io/} prefix)
     * @return this builder
     */
    public Builder labels(Map<String, String> labels) {
      labels.forEach(this::label);
      return this;
    }

    /**
     * Adds a node label.
     *
     * @param key the key
     * @param value the value
     * @return this builder
     */
    public Builder label(String key, String value) {
      labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets the object store capacity (default {@link NodeConfig#DEFAULT_OBJECT_STORE_CAPACITY}).
     *
     * @param bytes at least {@link StoreConfig#MIN_CAPACITY}
     * @return this builder
     */
    public Builder objectStoreCapacity(long bytes) {
      this.objectStoreCapacity = bytes;
      return this;
    }

    /**
     * Sets the directory of the store's shared-memory file (default {@code /dev/shm}).
     *
     * @param dir a RAM-backed directory
     * @return this builder
     */
    public Builder shmDirectory(Path dir) {
      this.shmDirectory = dir;
      return this;
    }

    /**
     * Sets the directory of the store's socket (default {@code java.io.tmpdir}; keep it short).
     *
     * @param dir the directory
     * @return this builder
     */
    public Builder socketDirectory(Path dir) {
      this.socketDirectory = dir;
      return this;
    }

    /**
     * Sets the spill directory (default {@code java.io.tmpdir}; the store makes its own {@code
     * prism-<pid>-<random>.spill} sub-directory there and removes it on close).
     *
     * @param dir a directory on local disk
     * @return this builder
     */
    public Builder spillDirectory(Path dir) {
      this.spillDirectory = dir;
      return this;
    }

    /**
     * Sets how objects move to other nodes (default: {@link
     * ObjectTransferConfig#fromSystemProperties()}).
     *
     * @param transfer the settings
     * @return this builder
     */
    public Builder objectTransfer(ObjectTransferConfig transfer) {
      this.objectTransfer = Objects.requireNonNull(transfer, "transfer");
      return this;
    }

    /**
     * Sets the {@code java} launcher of workers (default: this JVM's).
     *
     * @param java the executable
     * @return this builder
     */
    public Builder javaExecutable(Path java) {
      this.javaExecutable = java;
      return this;
    }

    /**
     * Sets the JVM flags workers get first (default: the system property {@code prism.jvm.flags}
     * split on white space, or {@link NodeConfig#STANDARD_JVM_FLAGS}).
     *
     * @param flags the flags
     * @return this builder
     */
    public Builder jvmFlags(List<String> flags) {
      this.jvmFlags = List.copyOf(flags);
      return this;
    }

    /**
     * Sets the worker JVM options (default {@link NodeConfig#DEFAULT_WORKER_JVM_OPTIONS}).
     *
     * @param options e.g. {@code -Xmx1g}
     * @return this builder
     */
    public Builder workerJvmOptions(List<String> options) {
      this.workerJvmOptions = List.copyOf(options);
      return this;
    }

    /**
     * Sets more worker JVM options, given after the others (default: the system property {@code
     * prism.worker.extraJvmOptions} split on white space, or none).
     *
     * @param options e.g. a profiler's agent
     * @return this builder
     */
    public Builder workerExtraJvmOptions(List<String> options) {
      this.workerExtraJvmOptions = List.copyOf(options);
      return this;
    }

    /**
     * Sets the directory of the workers' AOT caches (JEP 483/514/515), or turns them off. With a
     * directory, the node manager keeps there one cache per worker class path, {@code java} and JVM
     * options: if none exists yet it trains one in the background with a short run of the worker
     * main class, and workers started after that start with it (classes loaded and linked, method
     * profiles ready). A changed class path (a jar or a class file changed, an entry added) gives a
     * new cache; a cache the JVM cannot use is ignored with one warning. The JVM caches classes
     * from jars only, so workers with a cache get the class path's directories as jars snapshotted
     * into the same directory. Default: the system property {@code prism.worker.aotCache} ({@code
     * off} turns the caches off; else a directory), or {@code prism-<user>/aot} in {@code
     * java.io.tmpdir}.
     *
     * @param directory the directory (made if missing), or null to start workers without a cache
     * @return this builder
     */
    public Builder workerAotCache(Path directory) {
      this.workerAotCache = directory;
      return this;
    }

    private static Path aotCacheFromSystemProperties() {
      String value = System.getProperty("prism.worker.aotCache");
      if (value == null || value.isBlank()) {
        return Path.of(
            System.getProperty("java.io.tmpdir"),
            "prism-" + System.getProperty("user.name", "user"),
            "aot");
      }
      return value.trim().equalsIgnoreCase("off") ? null : Path.of(value.trim());
    }

    /**
     * Sets the workers' maximum heap, replacing any {@code -Xmx} among the worker JVM options.
     *
     * @param bytes the heap size, at least 16 MiB
     * @return this builder
     */
    public Builder workerHeap(long bytes) {
      if (bytes < (16L << 20)) {
        throw new NodeManagerException(
            "worker heap " + bytes + " bytes is too small; give at least 16 MiB");
      }
      List<String> opts = new ArrayList<>();
      for (String o : workerJvmOptions) {
        if (!o.startsWith("-Xmx")) {
          opts.add(o);
        }
      }
      opts.add(0, "-Xmx" + (bytes >> 10) + "k");
      this.workerJvmOptions = List.copyOf(opts);
      return this;
    }

    /**
     * Sets the workers' class path (default: this JVM's {@code java.class.path}).
     *
     * @param classpath the class path
     * @return this builder
     */
    public Builder classpath(String classpath) {
      this.classpath = classpath;
      return this;
    }

    /**
     * Sets the workers' main class (default {@link NodeConfig#DEFAULT_WORKER_MAIN_CLASS}).
     *
     * @param className a fully qualified class name on the class path
     * @return this builder
     */
    public Builder workerMainClass(String className) {
      this.workerMainClass = className;
      return this;
    }

    /**
     * Adds an environment variable for every worker.
     *
     * @param name the variable
     * @param value its value
     * @return this builder
     */
    public Builder workerEnvironment(String name, String value) {
      workerEnvironment.put(
          Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets how many CPU workers start with the node manager (default: {@link #numCpus}).
     *
     * @param count zero or more
     * @return this builder
     */
    public Builder prestartWorkers(int count) {
      if (count < 0) {
        throw new NodeManagerException("prestartWorkers " + count + " is negative; give 0 or more");
      }
      this.prestartWorkers = count;
      return this;
    }

    /**
     * Sets how many worker JVMs may be starting at once (default {@code max(2, numCpus)}), as Ray's
     * {@code maximum_startup_concurrency}. A worker counts from its launch until it registers,
     * fails to start or times out; prestarted workers count too. Further workers wait for a slot,
     * in order, and each lease that waits for a worker still gets one; the {@linkplain
     * #workerStartTimeout start timeout} counts from the launch, not from the wait. Many leases at
     * once (e.g. actors without resources, each needing its own JVM) thus start their JVMs a few at
     * a time instead of all competing for the CPUs.
     *
     * @param max 1 or more
     * @return this builder
     * @throws NodeManagerException if {@code max} is below 1
     */
    public Builder maxConcurrentWorkerStarts(int max) {
      if (max < 1) {
        throw new NodeManagerException(
            "maxConcurrentWorkerStarts "
                + max
                + " is below 1; give 1 or more (at least one worker must be able to start)");
      }
      this.maxConcurrentWorkerStarts = max;
      return this;
    }

    /**
     * Sets how many leases one worker JVM may hold at once (default {@value
     * #DEFAULT_MAX_TASKS_PER_WORKER}). A worker gets a second lease only while a task in it waits
     * in get/wait (its CPU is then lent) and only for tasks (never while it hosts an actor): the
     * waiting task's nested tasks then run on other threads of the same JVM instead of each waiting
     * level costing a new worker process. Beyond this bound the node starts another worker. 1 gives
     * every lease a JVM of its own, as Ray does.
     *
     * @param max 1 or more
     * @return this builder
     * @throws NodeManagerException if {@code max} is below 1
     */
    public Builder maxTasksPerWorker(int max) {
      if (max < 1) {
        throw new NodeManagerException(
            "maxTasksPerWorker " + max + " is below 1; give 1 or more (1: a JVM per lease)");
      }
      this.maxTasksPerWorker = max;
      return this;
    }

    /**
     * Sets how long a worker may take from its launch to registering before it is killed (default
     * 30 s); time spent waiting for a start slot does not count.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder workerStartTimeout(Duration timeout) {
      this.workerStartTimeout = timeout;
      return this;
    }

    /**
     * Sets how long an extra worker may stay idle before it is stopped (default 60 s).
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder workerIdleTimeout(Duration timeout) {
      this.workerIdleTimeout = timeout;
      return this;
    }

    /**
     * Sets how long a worker asked to exit gets before it is destroyed (default 2 s).
     *
     * @param grace positive
     * @return this builder
     */
    public Builder workerExitGrace(Duration grace) {
      this.workerExitGrace = grace;
      return this;
    }

    /**
     * Sets the heartbeat period of resource reports to the GCS (default 1 s; keep it well below the
     * GCS node timeout).
     *
     * @param period positive
     * @return this builder
     */
    public Builder reportPeriod(Duration period) {
      this.reportPeriod = period;
      return this;
    }

    /**
     * Sets how long a resource change waits to be reported with others (default 20 ms).
     *
     * @param delay zero or more
     * @return this builder
     */
    public Builder reportDelay(Duration delay) {
      this.reportDelay = delay;
      return this;
    }

    /**
     * Sets the cluster token (default {@link ClusterToken#processDefault()}).
     *
     * @param token the token
     * @return this builder
     */
    public Builder token(ClusterToken token) {
      this.token = token;
      return this;
    }

    /**
     * Sets where worker output goes (default {@link WorkerLogSink#console()}).
     *
     * @param sink the sink
     * @return this builder
     */
    public Builder logSink(WorkerLogSink sink) {
      this.logSink = sink;
      return this;
    }

    /**
     * Sets the seed of the scheduling policy (default random).
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder schedulerSeed(long seed) {
      this.schedulerSeed = seed;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     * @throws NodeManagerException if a value is out of range, naming it
     */
    public NodeConfig build() {
      return new NodeConfig(
          nodeId == null ? randomNodeId() : nodeId,
          host,
          port,
          Optional.ofNullable(gcsAddress),
          numCpus,
          Optional.ofNullable(gpus),
          resources,
          labels,
          objectStoreCapacity,
          shmDirectory,
          socketDirectory,
          spillDirectory,
          objectTransfer,
          javaExecutable,
          jvmFlags,
          workerJvmOptions,
          workerExtraJvmOptions,
          Optional.ofNullable(workerAotCache),
          classpath,
          workerMainClass,
          workerEnvironment,
          prestartWorkers < 0 ? numCpus : prestartWorkers,
          maxConcurrentWorkerStarts < 0 ? Math.max(2, numCpus) : maxConcurrentWorkerStarts,
          maxTasksPerWorker,
          workerStartTimeout,
          workerIdleTimeout,
          workerExitGrace,
          reportPeriod,
          reportDelay,
          logSink,
          schedulerSeed,
          token == null ? ClusterToken.processDefault() : token);
    }
  }
}
