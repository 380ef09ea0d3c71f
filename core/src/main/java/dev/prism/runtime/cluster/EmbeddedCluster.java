package dev.prism.runtime.cluster;

import dev.prism.PrismException;
import dev.prism.runtime.gcs.GcsConfig;
import dev.prism.runtime.gcs.GcsServer;
import dev.prism.runtime.job.JobManager;
import dev.prism.runtime.job.JobManagerConfig;
import dev.prism.runtime.job.JobServiceImpl;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.node.NodeManager;
import dev.prism.runtime.security.ClusterToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster inside this JVM: a {@link GcsServer} and a head {@link NodeManager} on {@code
 * 127.0.0.1} with ephemeral ports (loopback only, whatever the configurations say: every server of
 * the cluster, the workers' included, binds loopback), the node registered with the GCS, its
 * workers child JVMs. Extra node managers can join the same GCS with {@link #addNode}, each with
 * its own port, object store and resources. The GCS port also serves the head's file store (the
 * {@code JobService}, in a temporary directory removed on close), from which nodes fetch the jars
 * of runtime environments.
 *
 * <p>Its cluster token is the GCS configuration's ({@link GcsConfig#token()}; by default {@link
 * ClusterToken#processDefault()}, a random token that lives in this JVM's memory only and reaches
 * the workers through their environment); every node of the cluster gets it.
 *
 * <pre>{@code
 * try (EmbeddedCluster cluster = EmbeddedCluster.start(NodeConfig.builder().numCpus(4).build())) {
 *   String nodeManager = cluster.nodeManagerAddress();
 *   ...
 * }
 * }</pre>
 */
public final class EmbeddedCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCluster.class);

  /** The loopback address every embedded server binds. */
  public static final String LOOPBACK = "127.0.0.1";

  private final GcsServer gcs;
  private final NodeManager head;
  private final JobManager jobs;
  private final Path jobsDirectory;
  private final List<NodeManager> nodes = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private EmbeddedCluster(GcsServer gcs, NodeManager head, JobManager jobs, Path jobsDirectory) {
    this.gcs = gcs;
    this.head = head;
    this.jobs = jobs;
    this.jobsDirectory = jobsDirectory;
    nodes.add(head);
  }

  /**
   * Starts a GCS with the default configuration and a head node manager configured by {@code head},
   * whose host, port and GCS address are replaced by loopback, an ephemeral port and the new GCS.
   *
   * @param head the head node's configuration
   * @return the running cluster
   * @throws PrismException if a server, the store or the registration fails
   */
  public static EmbeddedCluster start(NodeConfig head) {
    return start(GcsConfig.builder().build(), head);
  }

  /**
   * Starts a GCS and a head node manager.
   *
   * @param gcsConfig the GCS configuration; its host and port are replaced by loopback and an
   *     ephemeral port
   * @param head the head node's configuration (host, port, GCS address and token are replaced)
   * @return the running cluster
   * @throws PrismException if a server, the store or the registration fails
   */
  public static EmbeddedCluster start(GcsConfig gcsConfig, NodeConfig head) {
    Path jobsDirectory;
    try {
      jobsDirectory = Files.createTempDirectory("prism-embedded-");
    } catch (IOException e) {
      throw new PrismException(
          "cannot create the embedded head's file store in the temporary directory "
              + System.getProperty("java.io.tmpdir")
              + ": "
              + e
              + "; check that it exists and is writable (or set java.io.tmpdir)",
          e);
    }
    JobManager jobs;
    try {
      jobs =
          new JobManager(
              new JobManagerConfig(
                  jobsDirectory.resolve("jobs"),
                  JobManagerConfig.DEFAULT_MAX_UPLOAD_BYTES,
                  Path.of(System.getProperty("java.home"), "bin", "java"),
                  NodeConfig.jvmFlagsFromSystemProperties(),
                  System.getProperty("java.class.path", ""),
                  Map.of(),
                  Duration.ofSeconds(10)));
    } catch (RuntimeException e) {
      deleteTree(jobsDirectory);
      throw e;
    }
    GcsServer gcs;
    try {
      gcs =
          GcsServer.start(
              gcsConfig.toBuilder().host(LOOPBACK).port(0).build(),
              List.of(new JobServiceImpl(jobs)));
    } catch (RuntimeException e) {
      jobs.close();
      deleteTree(jobsDirectory);
      throw e;
    }
    jobs.clusterAddress(gcs.address());
    try {
      NodeManager nm = NodeManager.start(onLoopback(head, gcs));
      LOG.info(
          "embedded cluster: GCS {}, head node {} at {}", gcs.address(), nm.nodeId(), nm.address());
      return new EmbeddedCluster(gcs, nm, jobs, jobsDirectory);
    } catch (RuntimeException e) {
      gcs.close();
      jobs.close();
      deleteTree(jobsDirectory);
      throw e;
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not remove the embedded head's files in {}: {}", root, e.toString());
    }
  }

  private static NodeConfig onLoopback(NodeConfig config, GcsServer gcs) {
    return config.toBuilder()
        .host(LOOPBACK)
        .port(0)
        .gcsAddress(gcs.address())
        .token(gcs.config().token())
        .build();
  }

  /**
   * Starts another node manager against this cluster's GCS (loopback, ephemeral port). It is closed
   * with the cluster, or earlier with {@link #removeNode}.
   *
   * @param config the node's configuration (host, port, GCS address and token are replaced); give
   *     it its own node id, or leave the default random one
   * @return the running node manager
   * @throws PrismException if the cluster is closed
   */
  public NodeManager addNode(NodeConfig config) {
    if (closed) {
      throw new PrismException("the embedded cluster is closed; start a new one");
    }
    NodeManager nm = NodeManager.start(onLoopback(config, gcs));
    nodes.add(nm);
    return nm;
  }

  /**
   * Stops one node manager of this cluster (not the head: close the cluster for that).
   *
   * @param node a node manager returned by {@link #addNode}
   * @return true when it belonged to this cluster and was stopped
   */
  public boolean removeNode(NodeManager node) {
    if (node == head || !nodes.remove(node)) {
      return false;
    }
    node.close();
    return true;
  }

  /**
   * Returns the GCS.
   *
   * @return the GCS server
   */
  public GcsServer gcs() {
    return gcs;
  }

  /**
   * Returns the GCS address.
   *
   * @return {@code 127.0.0.1:port}
   */
  public String gcsAddress() {
    return gcs.address();
  }

  /**
   * Returns the cluster token, which every call to this cluster must carry.
   *
   * @return the token
   */
  public ClusterToken token() {
    return gcs.config().token();
  }

  /**
   * Returns the head node manager.
   *
   * @return the head node
   */
  public NodeManager headNode() {
    return head;
  }

  /**
   * Returns the head node manager's address.
   *
   * @return {@code 127.0.0.1:port}
   */
  public String nodeManagerAddress() {
    return head.address();
  }

  /**
   * Returns the head node's id.
   *
   * @return lower-case hex
   */
  public String nodeId() {
    return head.nodeId();
  }

  /**
   * Returns the head node's object store socket.
   *
   * @return the socket path
   */
  public Path storeSocketPath() {
    return head.storeSocketPath();
  }

  /**
   * Returns the head node's object store socket as a string.
   *
   * @return the socket path
   */
  public String storeSocket() {
    return head.storeSocketPath().toString();
  }

  /**
   * Returns every node manager of the cluster, the head first.
   *
   * @return the node managers
   */
  public List<NodeManager> nodes() {
    return List.copyOf(nodes);
  }

  /** Stops every node manager (added nodes first, the head last), then the GCS. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<NodeManager> all = new ArrayList<>(nodes);
    Collections.reverse(all);
    for (NodeManager nm : all) {
      try {
        nm.close();
      } catch (RuntimeException e) {
        LOG.error("error while stopping node {}", nm.nodeId(), e);
      }
    }
    nodes.clear();
    try {
      gcs.close();
    } finally {
      try {
        jobs.close();
      } finally {
        deleteTree(jobsDirectory);
      }
    }
  }
}
