package dev.prism.runtime.node;

import dev.prism.runtime.rpc.Address;
import io.grpc.ManagedChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One worker process of the pool. Its mutable fields are guarded by the {@link LeaseScheduler}'s
 * monitor, except the output tail and the channel, which are guarded by their own monitors (the
 * tail's and this handle's).
 */
final class WorkerHandle {

  private static final int TAIL_LINES = 20;

  final String id;

  /** What the worker was started with: its GPUs and job environment. */
  final PoolKey key;

  /** The GPUs the worker was started with. */
  final GpuSet gpus;

  /** When its process was launched (when it was created, until then). */
  long launchedNanos;

  WorkerInfo.State state = WorkerInfo.State.STARTING;
  Process process;
  long pid = -1;
  Address address;
  long idleSinceNanos;

  /**
   * The leases it serves (state LEASED): one, or more while tasks in it wait (see {@link
   * NodeConfig#maxTasksPerWorker()}).
   */
  final List<Lease> leases = new ArrayList<>(1);

  /** Whether the worker owns objects that may still be read (then it is not stopped as idle). */
  boolean ownsObjects;

  ScheduledFuture<?> startTimeout;

  /** Set once the pool is done with the worker: its exit is expected or already handled. */
  boolean removed;

  /**
   * Why the node manager killed it (reported to the GCS when it exits), or null: it was not killed,
   * or it was stopped on purpose (idle, shutdown), which is not a failure.
   */
  String killReason;

  ManagedChannel channel;

  /** The threads forwarding its stdout and stderr; set once at launch. */
  volatile List<Thread> outputReaders = List.of();

  private final ArrayDeque<String> tail = new ArrayDeque<>();

  WorkerHandle(String id, PoolKey key, long launchedNanos) {
    this.id = id;
    this.key = key;
    this.gpus = key.gpus();
    this.launchedNanos = launchedNanos;
  }

  /** The lease of this id it serves, or null; an empty id names its only lease. */
  Lease lease(com.google.protobuf.ByteString leaseId) {
    if (leaseId.isEmpty()) {
      return leases.size() == 1 ? leases.get(0) : null;
    }
    for (Lease l : leases) {
      if (l.id.equals(leaseId)) {
        return l;
      }
    }
    return null;
  }

  boolean isCpuOnly() {
    return gpus.isEmpty();
  }

  String hostPort() {
    return address == null ? "" : address.getHost() + ":" + address.getPort();
  }

  WorkerInfo info() {
    return new WorkerInfo(id, pid, hostPort(), gpus.visibleIds(), state);
  }

  /** Waits (boundedly) until its output has been read to the end, after the process exited. */
  void awaitOutputDrained(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    for (Thread t : outputReaders) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return;
      }
      try {
        t.join(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Remembers one line of output for failure messages. */
  void recordOutput(String line) {
    synchronized (tail) {
      if (tail.size() == TAIL_LINES) {
        tail.removeFirst();
      }
      tail.addLast(line);
    }
  }

  /** Returns the last lines of output, or an empty string. */
  String outputTail() {
    synchronized (tail) {
      if (tail.isEmpty()) {
        return "";
      }
      return "; its last output:\n  " + String.join("\n  ", tail);
    }
  }

  @Override
  public String toString() {
    return "worker "
        + id
        + " (pid "
        + pid
        + (gpus.isEmpty() ? "" : ", GPUs " + gpus)
        + (key.hasJobJars() ? ", job jars " + key.jobJars() : "")
        + (key.hasRuntimeEnv() ? ", runtime env " + key.describeEnv() : "")
        + ")";
  }
}
