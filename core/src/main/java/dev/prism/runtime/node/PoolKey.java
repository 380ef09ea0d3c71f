package dev.prism.runtime.node;

import dev.prism.runtime.rpc.RuntimeEnvProto;
import java.util.ArrayList;
import java.util.List;

/**
 * What a worker JVM is fixed to at its start, so it serves only leases that want the same: its GPU
 * set, its job environment (the sha-256 hashes of the job's jars on its class path beyond the
 * node's, comma separated; empty for the node's class path only) and its runtime environment
 * (environment variables, JVM options, extra class path; the default instance for none).
 *
 * @param gpus the GPUs it was started with
 * @param jobJars its job's jars, comma separated; empty for none
 * @param env its runtime environment; the default instance for the node's defaults
 */
record PoolKey(GpuSet gpus, String jobJars, RuntimeEnvProto env) {

  /** A CPU worker on the node's class path: the shared pool. */
  static final PoolKey SHARED_CPU = new PoolKey(GpuSet.NONE, "");

  /**
   * A key without a runtime environment.
   *
   * @param gpus the GPUs
   * @param jobJars the job's jars, comma separated
   */
  PoolKey(GpuSet gpus, String jobJars) {
    this(gpus, jobJars, RuntimeEnvProto.getDefaultInstance());
  }

  /**
   * The key of a lease's worker.
   *
   * @param lease a lease with a grant
   * @return its GPU set and environment
   */
  static PoolKey of(Lease lease) {
    return new PoolKey(GpuSet.of(lease.grant), lease.jobJars, lease.env);
  }

  /** The job's hashes, in class path order (none for the shared pool). */
  List<String> jarHashes() {
    return jobJars.isEmpty() ? List.of() : List.of(jobJars.split(","));
  }

  /** Every jar beyond the node's class path: the job's, then the runtime environment's. */
  List<String> allJarHashes() {
    List<String> all = new ArrayList<>(jarHashes());
    all.addAll(env.getClassPathList());
    return all;
  }

  /** Whether its workers load classes from a job's jars. */
  boolean hasJobJars() {
    return !jobJars.isEmpty();
  }

  /** Whether its workers have a runtime environment of their own. */
  boolean hasRuntimeEnv() {
    return !env.equals(RuntimeEnvProto.getDefaultInstance());
  }

  /** Its runtime environment for logs: variable names, JVM options, class path hashes. */
  String describeEnv() {
    List<String> jars = env.getClassPathList().stream().map(h -> h.substring(0, 12)).toList();
    return "{env vars "
        + new java.util.TreeSet<>(env.getEnvVarsMap().keySet())
        + ", JVM options "
        + env.getJvmOptionsList()
        + ", class path "
        + jars
        + "}";
  }

  /** Whether its workers run as the node's default ones do (no job jars, no runtime env). */
  boolean isDefaultEnvironment() {
    return !hasJobJars() && !hasRuntimeEnv();
  }
}
