package dev.prism.runtime.spi;

import java.util.List;
import java.util.Map;

/**
 * The runtime side of {@code dev.prism.LocalCluster}: a cluster of several nodes on this machine,
 * the head inside this JVM and every other node a separate process started the way {@code prism
 * start --address} starts one. {@link LocalClusters#start} creates one.
 */
public interface LocalClusterRuntime extends AutoCloseable {

  /**
   * What one node offers, already validated by the public API.
   *
   * @param cpus CPUs
   * @param gpus logical GPUs (0: none, whatever the machine has)
   * @param memory bytes of the {@code memory} resource (0: not declared)
   * @param resources custom resources
   * @param objectStoreMemory bytes of the node's shared-memory object store
   * @param workerHeap the workers' maximum heap in bytes (0: the runtime's default)
   * @param labels the node's labels
   */
  record NodeSpec(
      int cpus,
      int gpus,
      long memory,
      Map<String, Double> resources,
      long objectStoreMemory,
      long workerHeap,
      Map<String, String> labels) {

    /** Copies the custom resources and the labels. */
    public NodeSpec {
      resources = Map.copyOf(resources);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  /** One node of the cluster. */
  interface Node {

    /**
     * Returns the node's id.
     *
     * @return lower-case hex, as tasks see it in their runtime context
     */
    String id();

    /**
     * Returns whether this is the head (the GCS runs with it).
     *
     * @return true for the head
     */
    boolean head();

    /**
     * Returns what the node offers.
     *
     * @return {@code CPU}, {@code GPU} and {@code memory} when not 0, and the custom resources
     */
    Map<String, Double> resources();

    /**
     * Returns whether the node still runs.
     *
     * @return false once it was removed, killed or the cluster closed, or its process exited
     */
    boolean alive();
  }

  /**
   * Returns the GCS address drivers join.
   *
   * @return {@code 127.0.0.1:port}
   */
  String address();

  /**
   * Returns the head node.
   *
   * @return the head
   */
  Node head();

  /**
   * Starts a node process that joins the cluster and waits until the GCS lists it and the head's
   * scheduler knows it.
   *
   * @param spec what it offers
   * @return the running node
   * @throws IllegalStateException if the cluster is closed
   * @throws dev.prism.PrismException if the process does not start (with the tail of its log)
   */
  Node addNode(NodeSpec spec);

  /**
   * Stops a node gracefully (SIGTERM: its workers and store go with it) and waits until its process
   * exited.
   *
   * @param node a node of this cluster, not the head
   * @throws IllegalArgumentException if it is the head or not (any more) a node of this cluster
   */
  void removeNode(Node node);

  /**
   * Kills a node like a crash (SIGKILL to its process and its workers), then removes the store
   * files it leaves.
   *
   * @param node a node of this cluster, not the head
   * @throws IllegalArgumentException if it is the head or not (any more) a node of this cluster
   */
  void killNode(Node node);

  /**
   * Returns the nodes not removed or killed, the head first.
   *
   * @return the nodes
   */
  List<Node> nodes();

  /** Stops every node process, then the head, and removes the cluster's files. Idempotent. */
  @Override
  void close();
}
