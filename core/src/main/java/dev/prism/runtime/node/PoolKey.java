package dev.prism.runtime.node;

import java.util.List;

/**
 * What a worker JVM is fixed to at its start, so it serves only leases that want the same: its GPU
 * set and its job environment (the sha-256 hashes of the jars on its class path beyond the node's,
 * comma separated; empty for the node's class path only).
 *
 * @param gpus the GPUs it was started with
 * @param jobJars its job's jars, comma separated; empty for none
 */
record PoolKey(GpuSet gpus, String jobJars) {

  /** A CPU worker on the node's class path: the shared pool. */
  static final PoolKey SHARED_CPU = new PoolKey(GpuSet.NONE, "");

  /**
   * The key of a lease's worker.
   *
   * @param lease a lease with a grant
   * @return its GPU set and environment
   */
  static PoolKey of(Lease lease) {
    return new PoolKey(GpuSet.of(lease.grant), lease.jobJars);
  }

  /** The environment's hashes, in class path order (none for the shared pool). */
  List<String> jarHashes() {
    return jobJars.isEmpty() ? List.of() : List.of(jobJars.split(","));
  }

  /** Whether its workers load classes from a job's jars. */
  boolean hasJobJars() {
    return !jobJars.isEmpty();
  }
}
