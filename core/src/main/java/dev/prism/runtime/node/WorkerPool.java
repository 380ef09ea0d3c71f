package dev.prism.runtime.node;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The bookkeeping of the worker pool: every worker by id, and the idle ones keyed by the GPU set
 * they were started with (a JVM's environment is fixed at start, so a worker only ever serves
 * leases of its own GPU set; CPU-only workers have the empty set). Not thread safe: guarded by the
 * {@link LeaseScheduler}'s monitor.
 */
final class WorkerPool {

  private final Map<String, WorkerHandle> workers = new LinkedHashMap<>();
  private final Map<GpuSet, ArrayDeque<WorkerHandle>> idle = new HashMap<>();

  /** A fresh worker id: 8 random bytes as 16 lower-case hex digits (it fits a {@code long}). */
  static String newWorkerId() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  /** Adds a worker in state STARTING. */
  WorkerHandle create(GpuSet gpus) {
    WorkerHandle w = new WorkerHandle(newWorkerId(), gpus, System.nanoTime());
    workers.put(w.id, w);
    return w;
  }

  WorkerHandle get(String id) {
    return workers.get(id);
  }

  /** Counts the workers of a GPU set that are still starting. */
  int starting(GpuSet gpus) {
    int n = 0;
    for (WorkerHandle w : workers.values()) {
      if (w.state == WorkerInfo.State.STARTING && w.gpus.equals(gpus)) {
        n++;
      }
    }
    return n;
  }

  /** Counts the workers that are still starting (every GPU set). */
  int starting() {
    int n = 0;
    for (WorkerHandle w : workers.values()) {
      if (w.state == WorkerInfo.State.STARTING) {
        n++;
      }
    }
    return n;
  }

  /** Takes the most recently used idle worker of a GPU set (its JIT is warmest), or null. */
  WorkerHandle pollIdle(GpuSet gpus) {
    ArrayDeque<WorkerHandle> q = idle.get(gpus);
    if (q == null) {
      return null;
    }
    WorkerHandle w = q.pollLast();
    if (q.isEmpty()) {
      idle.remove(gpus);
    }
    return w;
  }

  /** Puts a worker into the idle set. */
  void pushIdle(WorkerHandle w, long nowNanos) {
    w.state = WorkerInfo.State.IDLE;
    w.idleSinceNanos = nowNanos;
    w.leases.clear();
    idle.computeIfAbsent(w.gpus, k -> new ArrayDeque<>()).addLast(w);
  }

  /** Forgets a worker (it died or is being stopped). */
  void remove(WorkerHandle w) {
    workers.remove(w.id);
    removeIdle(w);
  }

  void removeIdle(WorkerHandle w) {
    ArrayDeque<WorkerHandle> q = idle.get(w.gpus);
    if (q != null && q.remove(w) && q.isEmpty()) {
      idle.remove(w.gpus);
    }
  }

  /**
   * Returns the idle workers to stop: idle longer than the timeout, oldest first, GPU workers
   * always, CPU workers only while more than {@code keepCpu} CPU workers would remain.
   */
  List<WorkerHandle> expiredIdle(long nowNanos, Duration timeout, int keepCpu) {
    long limit = timeout.toNanos();
    int cpuWorkers = 0;
    for (WorkerHandle w : workers.values()) {
      if (w.isCpuOnly() && w.state != WorkerInfo.State.STOPPING) {
        cpuWorkers++;
      }
    }
    List<WorkerHandle> candidates = new ArrayList<>();
    for (ArrayDeque<WorkerHandle> q : idle.values()) {
      for (WorkerHandle w : q) {
        if (nowNanos - w.idleSinceNanos >= limit && !w.ownsObjects) {
          candidates.add(w);
        }
      }
    }
    candidates.sort((a, b) -> Long.compare(a.idleSinceNanos, b.idleSinceNanos));
    List<WorkerHandle> out = new ArrayList<>();
    for (WorkerHandle w : candidates) {
      if (!w.isCpuOnly()) {
        out.add(w);
      } else if (cpuWorkers > keepCpu) {
        out.add(w);
        cpuWorkers--;
      }
    }
    return out;
  }

  /** Returns every worker the pool still tracks. */
  List<WorkerHandle> all() {
    return new ArrayList<>(workers.values());
  }

  /** Counts the registered workers (idle or leased). */
  int registered() {
    int n = 0;
    for (WorkerHandle w : workers.values()) {
      if (w.state == WorkerInfo.State.IDLE || w.state == WorkerInfo.State.LEASED) {
        n++;
      }
    }
    return n;
  }
}
