package dev.prism;

import dev.prism.runtime.spi.LocalClusterRuntime;
import dev.prism.runtime.spi.LocalClusters;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Several Prism nodes on this machine, for tests and examples (what Ray's {@code
 * ray.cluster_utils.Cluster} is to Ray). The head (the GCS and a node manager) runs inside this
 * JVM; every node added with {@link #addNode} is a separate node process, started the way {@code
 * prism start --address} starts one, with its own object store and worker processes. A driver joins
 * with {@code Prism.init(cluster.address())} and attaches to the head; tasks and actors then run on
 * whichever node fits their resources.
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.start(NodeOptions.builder().cpus(2).build())) {
 *   LocalCluster.Node gpuNode =
 *       cluster.addNode(NodeOptions.builder().cpus(1).gpus(1).resource("accelerator", 1).build());
 *   Prism.init(cluster.address());
 *   try {
 *     ObjectRef<String> where =
 *         Prism.task(MyTasks::whereAmI).setResource("accelerator", 1).remote();
 *     System.out.println(Prism.get(where)); // gpuNode.id()
 *     cluster.killNode(gpuNode); // a crash: the cluster declares the node dead within seconds
 *   } finally {
 *     Prism.shutdown();
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops every node process with its workers, then the head, and removes their
 * shared memory and files; a shutdown hook does the same if the JVM exits first. A node that this
 * JVM cannot hear from for 5 seconds (a killed one) is declared dead by the cluster: tasks that
 * were running there are retried elsewhere, and tasks that only it could run wait for a node that
 * fits. Nodes listen on loopback only.
 */
public final class LocalCluster implements AutoCloseable {

  private final LocalClusterRuntime runtime;
  private final Node head;

  private LocalCluster(LocalClusterRuntime runtime) {
    this.runtime = runtime;
    this.head = new Node(runtime.head());
  }

  /**
   * Starts a cluster whose head offers {@link NodeOptions#defaults()}.
   *
   * @return the running cluster; close it
   * @throws PrismException if the head cannot start
   */
  public static LocalCluster start() {
    return start(NodeOptions.defaults());
  }

  /**
   * Starts a cluster: the GCS and a head node inside this JVM.
   *
   * @param head what the head node offers
   * @return the running cluster; close it
   * @throws NullPointerException if {@code head} is null
   * @throws PrismException if the head cannot start
   */
  public static LocalCluster start(NodeOptions head) {
    Objects.requireNonNull(head, "head");
    return new LocalCluster(LocalClusters.start(spec(head)));
  }

  private static LocalClusterRuntime.NodeSpec spec(NodeOptions o) {
    return new LocalClusterRuntime.NodeSpec(
        o.cpus(),
        o.gpus(),
        o.memory(),
        o.resources(),
        o.objectStoreMemory(),
        o.workerHeap(),
        o.labels());
  }

  /**
   * Returns the address drivers join: give it to {@link PrismConfig.Builder#address(String)}.
   *
   * @return {@code 127.0.0.1:port} of the cluster's GCS
   */
  public String address() {
    return runtime.address();
  }

  /**
   * Returns the head node.
   *
   * @return the head
   */
  public Node head() {
    return head;
  }

  /**
   * Starts a node process that joins this cluster and returns once the cluster lists it and the
   * head schedules onto it (a few seconds: a JVM starts).
   *
   * @param options what the node offers
   * @return the running node
   * @throws NullPointerException if {@code options} is null
   * @throws IllegalStateException if the cluster is closed
   * @throws PrismException if the node process does not start (the message ends with its log)
   */
  public Node addNode(NodeOptions options) {
    Objects.requireNonNull(options, "options");
    return new Node(runtime.addNode(spec(options)));
  }

  /**
   * Stops a node gracefully, like {@code prism stop}: it leaves the cluster, its workers exit and
   * its store is removed. Returns once its process exited.
   *
   * @param node a node {@link #addNode} returned
   * @throws NullPointerException if {@code node} is null
   * @throws IllegalArgumentException if it is the head, or no longer (or never was) a node of this
   *     cluster
   */
  public void removeNode(Node node) {
    runtime.removeNode(Objects.requireNonNull(node, "node").node);
  }

  /**
   * Kills a node as a crash would: SIGKILL to its process and its workers, with no goodbye to the
   * cluster, which notices within seconds; then removes the shared memory it leaves. Returns once
   * its processes exited.
   *
   * @param node a node {@link #addNode} returned
   * @throws NullPointerException if {@code node} is null
   * @throws IllegalArgumentException if it is the head, or no longer (or never was) a node of this
   *     cluster
   */
  public void killNode(Node node) {
    runtime.killNode(Objects.requireNonNull(node, "node").node);
  }

  /**
   * Returns the nodes not removed or killed, the head first (none once closed).
   *
   * @return the nodes
   */
  public List<Node> nodes() {
    return runtime.nodes().stream().map(n -> n == head.node ? head : new Node(n)).toList();
  }

  /** Stops every node process, then the head, and removes their files. Idempotent. */
  @Override
  public void close() {
    runtime.close();
  }

  /** One node of a {@link LocalCluster}. Two handles of the same node are equal. */
  public static final class Node {
    private final LocalClusterRuntime.Node node;

    private Node(LocalClusterRuntime.Node node) {
      this.node = node;
    }

    /**
     * Returns the node's id, the one tasks see in {@link RuntimeContext#nodeId()} and that {@link
     * SchedulingStrategy#nodeAffinity} takes.
     *
     * @return lower-case hex
     */
    public String id() {
      return node.id();
    }

    /**
     * Returns whether this is the head node.
     *
     * @return true for the head
     */
    public boolean isHead() {
      return node.head();
    }

    /**
     * Returns what the node offers.
     *
     * @return {@code CPU}, {@code GPU} and {@code memory} when not 0, and the custom resources
     */
    public Map<String, Double> resources() {
      return node.resources();
    }

    /**
     * Returns whether the node runs.
     *
     * @return false once it was removed or killed, its process exited, or the cluster closed
     */
    public boolean isAlive() {
      return node.alive();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Node other && other.node == node;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(node);
    }

    @Override
    public String toString() {
      return node.toString();
    }
  }
}
