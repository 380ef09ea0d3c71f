package dev.prism.runtime.node;

import java.util.List;
import java.util.Objects;

/**
 * A snapshot of one worker process of a node manager's pool.
 *
 * @param workerId the worker id (hex), also in the worker's {@code PRISM_WORKER_ID}
 * @param pid the process id, or -1 while the process is being launched
 * @param address where its CoreWorkerService listens ({@code host:port}); empty until it registered
 * @param gpuIds the GPU ids the worker was started with ({@code CUDA_VISIBLE_DEVICES} tokens);
 *     empty for a CPU-only worker
 * @param state its state in the pool
 */
public record WorkerInfo(
    String workerId, long pid, String address, List<String> gpuIds, State state) {

  /** Where a worker is in its life. */
  public enum State {
    /** Launched, not yet registered. */
    STARTING,
    /** Registered and waiting in the pool for a lease. */
    IDLE,
    /** Leased to a submitter. */
    LEASED,
    /** Asked to exit (idle timeout, failure, shutdown), or killed. */
    STOPPING
  }

  /**
   * Validates and copies.
   *
   * @throws NullPointerException if a reference is null
   */
  public WorkerInfo {
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(state, "state");
    gpuIds = List.copyOf(gpuIds);
  }
}
