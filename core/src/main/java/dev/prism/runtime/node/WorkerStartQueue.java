package dev.prism.runtime.node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The worker starts that wait for a start slot: at most {@link
 * NodeConfig#maxConcurrentWorkerStarts()} worker JVMs are starting (launched, not yet registered,
 * failed or timed out) at once, as Ray's {@code maximum_startup_concurrency}; the others wait here
 * in arrival order and are launched as slots free up.
 *
 * <p>A start queued for leases is dropped when it reaches the head of the queue and the leases of
 * its GPU set that wait for a worker are already covered by the workers starting (they were
 * cancelled, timed out, or served by a worker that came back). A prestart is always launched.
 *
 * <p>Not thread safe: guarded by the {@link LeaseScheduler}'s monitor.
 */
final class WorkerStartQueue {

  private record Pending(GpuSet gpus, boolean prestart) {}

  private final int max;
  private final WorkerPool pool;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();

  WorkerStartQueue(int max, WorkerPool pool) {
    this.max = max;
    this.pool = pool;
  }

  /** Queues a prestart of a CPU worker (launched even if no lease needs it). */
  void prestart() {
    pending.addLast(new Pending(GpuSet.NONE, true));
  }

  /**
   * Queues a start for the leases of a GPU set that wait for a worker, unless the workers of that
   * set starting or queued to start already cover them.
   *
   * @param waiting how many leases of the set wait for a worker
   */
  void startFor(GpuSet gpus, int waiting) {
    if (!covers(gpus, waiting)) {
      pending.addLast(new Pending(gpus, false));
    }
  }

  /** Whether the workers of a GPU set starting or queued to start cover {@code waiting} leases. */
  boolean covers(GpuSet gpus, int waiting) {
    return waiting <= pool.starting(gpus) + queued(gpus);
  }

  /** Counts the queued starts of a GPU set. */
  int queued(GpuSet gpus) {
    int n = 0;
    for (Pending p : pending) {
      if (p.gpus.equals(gpus)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Takes the queued starts that free slots allow, in order, dropping those no longer needed, and
   * adds their workers to the pool (state STARTING) for the caller to launch.
   *
   * @param waiting how many leases of a GPU set wait for a worker
   * @return the workers to launch
   */
  List<WorkerHandle> take(ToIntFunction<GpuSet> waiting) {
    List<WorkerHandle> out = new ArrayList<>();
    int starting = pool.starting();
    while (starting < max && !pending.isEmpty()) {
      Pending p = pending.pollFirst();
      if (p.prestart || waiting.applyAsInt(p.gpus) > pool.starting(p.gpus)) {
        out.add(pool.create(p.gpus));
        starting++;
      }
    }
    return out;
  }

  /** Forgets every queued start (shutdown). */
  void clear() {
    pending.clear();
  }
}
