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
 * The bookkeeping of the worker pool: every worker by id, and the idle ones keyed by what they were
 * started with, their {@link PoolKey}: GPU set and job environment (a JVM's environment and class
 * path are fixed at start, so a worker only ever serves leases of its own key; CPU-only workers
 * have the empty GPU set, workers on the node's class path the empty environment). Not thread safe:
 * guarded by the {@link LeaseScheduler}'s monitor.
 */
final class WorkerPool {

  private final Map<String, WorkerHandle> workers = new LinkedHashMap<>();
  private final Map<PoolKey, ArrayDeque<WorkerHandle>> idle = new HashMap<>();

  /** A fresh worker id: 8 random bytes as 16 lower-case hex digits (it fits a {@code long}). */
  static String newWorkerId() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  /** Adds a worker in state STARTING. */
  WorkerHandle create(PoolKey key) {
    WorkerHandle w = new WorkerHandle(newWorkerId(), key, System.nanoTime());
    workers.put(w.id, w);
    return w;
  }

  WorkerHandle get(String id) {
    return workers.get(id);
  }

  /** Counts the workers of a pool key that are still starting. */
  int starting(PoolKey key) {
    int n = 0;
    for (WorkerHandle w : workers.values()) {
      if (w.state == WorkerInfo.State.STARTING && w.key.equals(key)) {
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

  /** Takes the most recently used idle worker of a pool key (its JIT is warmest), or null. */
  WorkerHandle pollIdle(PoolKey key) {
    ArrayDeque<WorkerHandle> q = idle.get(key);
    if (q == null) {
      return null;
    }
    WorkerHandle w = q.pollLast();
    if (q.isEmpty()) {
      idle.remove(key);
    }
    return w;
  }

  /** Puts a worker into the idle set. */
  void pushIdle(WorkerHandle w, long nowNanos) {
    w.state = WorkerInfo.State.IDLE;
    w.idleSinceNanos = nowNanos;
    w.leases.clear();
    idle.computeIfAbsent(w.key, k -> new ArrayDeque<>()).addLast(w);
  }

  /** Forgets a worker (it died or is being stopped). */
  void remove(WorkerHandle w) {
    workers.remove(w.id);
    removeIdle(w);
  }

  void removeIdle(WorkerHandle w) {
    ArrayDeque<WorkerHandle> q = idle.get(w.key);
    if (q != null && q.remove(w) && q.isEmpty()) {
      idle.remove(w.key);
    }
  }

  /**
   * Returns the idle workers to stop: idle longer than the timeout, oldest first, GPU workers and
   * workers of a job environment always, shared CPU workers only while more than {@code keepCpu}
   * CPU workers would remain.
   */
  List<WorkerHandle> expiredIdle(long nowNanos, Duration timeout, int keepCpu) {
    long limit = timeout.toNanos();
    int cpuWorkers = 0;
    for (WorkerHandle w : workers.values()) {
      if (w.isCpuOnly() && w.key.isDefaultEnvironment() && w.state != WorkerInfo.State.STOPPING) {
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
      if (!w.isCpuOnly() || !w.key.isDefaultEnvironment()) {
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
