package dev.prism.runtime.spi;

import dev.prism.runtime.cluster.ProcessCluster;

/** Creates {@link LocalClusterRuntime}s. */
public final class LocalClusters {

  private LocalClusters() {}

  /**
   * Starts a cluster on this machine: a GCS and a head node in this JVM, on loopback.
   *
   * @param head what the head offers
   * @return the running cluster
   * @throws dev.prism.PrismException if the head cannot start
   */
  public static LocalClusterRuntime start(LocalClusterRuntime.NodeSpec head) {
    return ProcessCluster.start(head);
  }
}
