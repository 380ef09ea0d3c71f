package dev.prism.runtime.cluster;

import dev.prism.runtime.cli.NodeLauncher;
import dev.prism.runtime.cli.NodeRecord;
import dev.prism.runtime.cli.SessionDir;
import dev.prism.runtime.cli.StartOptions;
import dev.prism.runtime.gcs.GcsConfig;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.spi.LocalClusterRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LocalClusterRuntime}: an {@link EmbeddedCluster} (GCS and head node manager in this JVM)
 * plus node processes launched with {@link NodeLauncher}, exactly as {@code prism start --address}
 * launches them, each with its own session under a temporary directory of this cluster. The GCS
 * declares a silent node dead after {@link #NODE_TIMEOUT}, so a killed node is noticed within
 * seconds. A shutdown hook closes the cluster if this JVM exits first.
 */
public final class ProcessCluster implements LocalClusterRuntime {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessCluster.class);

  /** How long a node may stay silent before the GCS declares it dead. */
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration HEALTH_CHECK_PERIOD = Duration.ofMillis(500);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration KNOWN_WAIT = Duration.ofSeconds(30);

  private final Path root;
  private final EmbeddedCluster embedded;
  private final HeadNode head;
  private final List<ProcessNode> added = new CopyOnWriteArrayList<>();
  private final Thread shutdownHook;
  private final Object lock = new Object();
  private boolean closed;

  private ProcessCluster(Path root, EmbeddedCluster embedded, NodeSpec headSpec) {
    this.root = root;
    this.embedded = embedded;
    this.head = new HeadNode(embedded.nodeId(), resourcesOf(headSpec));
    this.shutdownHook = new Thread(this::close, "prism-local-cluster-shutdown");
  }

  /**
   * Starts the GCS and the head node in this JVM, on loopback.
   *
   * @param spec what the head offers
   * @return the running cluster
   * @throws dev.prism.PrismException if the head cannot start
   */
  public static ProcessCluster start(NodeSpec spec) {
    Path root;
    try {
      root = Files.createTempDirectory("prism-local-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the local cluster's temporary directory", e);
    }
    try {
      NodeConfig.Builder node =
          NodeConfig.builder()
              .numCpus(spec.cpus())
              .numGpus(spec.gpus())
              .objectStoreCapacity(spec.objectStoreMemory())
              .resources(customResourcesOf(spec))
              .labels(spec.labels());
      if (spec.workerHeap() > 0) {
        node.workerHeap(spec.workerHeap());
      }
      GcsConfig gcs =
          GcsConfig.builder()
              .nodeTimeout(NODE_TIMEOUT)
              .healthCheckPeriod(HEALTH_CHECK_PERIOD)
              .build();
      ProcessCluster cluster =
          new ProcessCluster(root, EmbeddedCluster.start(gcs, node.build()), spec);
      Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
      LOG.info("local cluster: GCS {}, files under {}", cluster.address(), root);
      return cluster;
    } catch (RuntimeException e) {
      deleteTree(root);
      throw e;
    }
  }

  @Override
  public String address() {
    return embedded.gcsAddress();
  }

  @Override
  public Node head() {
    return head;
  }

  @Override
  public Node addNode(NodeSpec spec) {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the local cluster is closed; start a new one");
      }
    }
    StartOptions options =
        new StartOptions(
            false,
            Optional.of(address()),
            Optional.of(EmbeddedCluster.LOOPBACK),
            StartOptions.DEFAULT_PORT,
            0,
            Optional.of(spec.cpus()),
            Optional.of(spec.gpus()),
            customResourcesOf(spec),
            Optional.of(spec.objectStoreMemory()),
            Optional.empty(),
            Optional.of(root),
            START_TIMEOUT,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            spec.workerHeap() > 0 ? Optional.of(spec.workerHeap()) : Optional.empty(),
            dev.prism.runtime.cli.TlsOptions.NONE,
            StartOptions.DEFAULT_HTTP_PORT,
            spec.labels());
    NodeLauncher.Started started = NodeLauncher.launch(options);
    ProcessNode node = new ProcessNode(started, resourcesOf(spec));
    int expected;
    synchronized (lock) {
      if (closed) {
        node.stop(false);
        throw new IllegalStateException("the local cluster was closed while the node started");
      }
      added.add(node);
      expected = 1 + added.size();
    }
    awaitKnownToHead(node, expected);
    return node;
  }

  /**
   * Waits until the head's scheduler counts {@code expected} nodes (it learns of a new one from the
   * GCS within a report period), so that what runs next can be placed on the new node at once. A
   * killed node still counts until the GCS declares it dead ({@link #NODE_TIMEOUT}), so right after
   * a kill this may return before the head knows the new node; it then learns of it a moment later.
   */
  private void awaitKnownToHead(ProcessNode node, int expected) {
    long deadline = System.nanoTime() + KNOWN_WAIT.toNanos();
    while (embedded.headNode().knownNodes() < expected && node.alive()) {
      if (System.nanoTime() > deadline) {
        LOG.warn(
            "the head does not know node {} after {} s; going on",
            node.id(),
            KNOWN_WAIT.toSeconds());
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void removeNode(Node node) {
    own(node, "remove").stop(false);
  }

  @Override
  public void killNode(Node node) {
    own(node, "kill").stop(true);
  }

  private ProcessNode own(Node node, String what) {
    if (node == head) {
      throw new IllegalArgumentException(
          "cannot " + what + " the head node " + head.id() + "; close the cluster to stop it");
    }
    synchronized (lock) {
      if (node instanceof ProcessNode p && added.remove(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "node "
            + node.id()
            + " is not a node of this cluster (any more): it was removed or killed already, or"
            + " belongs to another cluster");
  }

  @Override
  public List<Node> nodes() {
    List<Node> out = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return List.of();
      }
      out.add(head);
      out.addAll(added);
    }
    return List.copyOf(out);
  }

  @Override
  public void close() {
    List<ProcessNode> running;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      running = new ArrayList<>(added);
      added.clear();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // closing from the hook itself: the JVM is exiting
    }
    // All at once: each node stops its workers and store in parallel with the others.
    running.forEach(ProcessNode::requestStop);
    for (ProcessNode n : running.reversed()) {
      try {
        n.stop(false);
      } catch (RuntimeException e) {
        LOG.error("error while stopping node {}", n.id(), e);
      }
    }
    try {
      embedded.close();
    } finally {
      head.stopped = true;
      deleteTree(root);
    }
  }

  /** {@code CPU}, {@code GPU} and {@code memory} when not 0, then the custom resources. */
  private static Map<String, Double> resourcesOf(NodeSpec spec) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (spec.cpus() > 0) {
      out.put("CPU", (double) spec.cpus());
    }
    if (spec.gpus() > 0) {
      out.put("GPU", (double) spec.gpus());
    }
    out.putAll(customResourcesOf(spec));
    return Map.copyOf(out);
  }

  /** What a node manager takes as custom resources: {@code memory} when not 0, and the rest. */
  private static Map<String, Double> customResourcesOf(NodeSpec spec) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (spec.memory() > 0) {
      out.put("memory", (double) spec.memory());
    }
    out.putAll(spec.resources());
    return out;
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot remove the local cluster's directory {}: {}", p, e.toString());
    }
  }

  private static boolean awaitExit(ProcessHandle p, Duration wait) {
    try {
      p.onExit().get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      return !p.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }

  /** The head: its node manager runs in this JVM. */
  private static final class HeadNode implements Node {
    private final String id;
    private final Map<String, Double> resources;
    private volatile boolean stopped;

    HeadNode(String id, Map<String, Double> resources) {
      this.id = id;
      this.resources = resources;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public boolean head() {
      return true;
    }

    @Override
    public Map<String, Double> resources() {
      return resources;
    }

    @Override
    public boolean alive() {
      return !stopped;
    }

    @Override
    public String toString() {
      return "head node " + id + " " + resources;
    }
  }

  /** A node process and its session. */
  private static final class ProcessNode implements Node {
    private final NodeRecord record;
    private final SessionDir session;
    private final Map<String, Double> resources;
    private final ProcessHandle process;
    private volatile boolean stopped;

    ProcessNode(NodeLauncher.Started started, Map<String, Double> resources) {
      this.record = started.record();
      this.session = started.session();
      this.resources = resources;
      this.process =
          ProcessHandle.of(record.pid())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "node process " + record.pid() + " exited right after it was ready"));
    }

    @Override
    public String id() {
      return record.nodeId();
    }

    @Override
    public boolean head() {
      return false;
    }

    @Override
    public Map<String, Double> resources() {
      return resources;
    }

    @Override
    public boolean alive() {
      return !stopped && process.isAlive();
    }

    /** Sends SIGTERM without waiting. */
    void requestStop() {
      process.destroy();
    }

    /**
     * Stops the process: SIGTERM and a bounded wait (then SIGKILL), or SIGKILL at once; its workers
     * are killed if they outlive it, and the store files it could not remove are removed.
     */
    void stop(boolean kill) {
      stopped = true;
      List<ProcessHandle> workers = process.descendants().toList();
      if (kill) {
        process.destroyForcibly();
        workers.forEach(ProcessHandle::destroyForcibly);
      } else {
        process.destroy();
        if (!awaitExit(process, STOP_GRACE)) {
          LOG.warn(
              "node {} (pid {}) did not stop within {} s; killing it",
              id(),
              record.pid(),
              STOP_GRACE.toSeconds());
          process.destroyForcibly();
        }
      }
      awaitExit(process, KILL_WAIT);
      // Workers leave when their node manager dies; make sure of it.
      for (ProcessHandle w : workers) {
        w.destroyForcibly();
        awaitExit(w, KILL_WAIT);
      }
      for (Path f : session.removeLeftovers(record, true)) {
        LOG.info("removed {}, left by node {}", f, id());
      }
    }

    @Override
    public String toString() {
      return "node " + id() + " (pid " + record.pid() + ") " + resources;
    }
  }
}
