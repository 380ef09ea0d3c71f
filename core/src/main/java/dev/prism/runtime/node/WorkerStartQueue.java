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
 * its pool key (GPU set and job environment) that wait for a worker are already covered by the
 * workers starting (they were cancelled, timed out, or served by a worker that came back). A
 * prestart is always launched.
 *
 * <p>Not thread safe: guarded by the {@link LeaseScheduler}'s monitor.
 */
final class WorkerStartQueue {

  private record Pending(PoolKey key, boolean prestart) {}

  private final int max;
  private final WorkerPool pool;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();

  WorkerStartQueue(int max, WorkerPool pool) {
    this.max = max;
    this.pool = pool;
  }

  /** Queues a prestart of a CPU worker (launched even if no lease needs it). */
  void prestart() {
    pending.addLast(new Pending(PoolKey.SHARED_CPU, true));
  }

  /**
   * Queues a start for the leases of a GPU set that wait for a worker, unless the workers of that
   * set starting or queued to start already cover them.
   *
   * @param waiting how many leases of the set wait for a worker
   */
  void startFor(PoolKey key, int waiting) {
    if (!covers(key, waiting)) {
      pending.addLast(new Pending(key, false));
    }
  }

  /** Whether the workers of a GPU set starting or queued to start cover {@code waiting} leases. */
  boolean covers(PoolKey key, int waiting) {
    return waiting <= pool.starting(key) + queued(key);
  }

  /** Counts the queued starts of a GPU set. */
  int queued(PoolKey key) {
    int n = 0;
    for (Pending p : pending) {
      if (p.key.equals(key)) {
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
  List<WorkerHandle> take(ToIntFunction<PoolKey> waiting) {
    List<WorkerHandle> out = new ArrayList<>();
    int starting = pool.starting();
    while (starting < max && !pending.isEmpty()) {
      Pending p = pending.pollFirst();
      if (p.prestart || waiting.applyAsInt(p.key) > pool.starting(p.key)) {
        out.add(pool.create(p.key));
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
