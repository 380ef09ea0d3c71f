package dev.prism.runtime.node;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs worker launches in parallel (one thread each, tracked so shutdown can wait for them) and
 * delivers worker events to the {@link WorkerListener}s.
 */
final class WorkerEvents {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerEvents.class);

  private final List<WorkerListener> listeners = new CopyOnWriteArrayList<>();
  // Platform threads: the node's own work must not depend on free virtual-thread carriers,
  // which code in the same JVM (an embedded cluster's driver) may pin.
  private final ExecutorService launches =
      Executors.newThreadPerTaskExecutor(
          Thread.ofPlatform().daemon().name("prism-worker-launch-", 0).factory());
  private final ExecutorService exits =
      Executors.newThreadPerTaskExecutor(
          Thread.ofPlatform().daemon().name("prism-worker-exit-", 0).factory());
  private final Set<CompletableFuture<Void>> inFlight = ConcurrentHashMap.newKeySet();

  /** Where process exits are handled (they wait briefly for the last output). */
  ExecutorService exitExecutor() {
    return exits;
  }

  void addListener(WorkerListener listener) {
    listeners.add(listener);
  }

  /** Runs a launch on its own thread. */
  void launch(WorkerHandle w, Runnable launch) {
    CompletableFuture<Void> f;
    try {
      f = CompletableFuture.runAsync(launch, launches);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("not launching {}: the node manager is shutting down", w);
      return;
    }
    inFlight.add(f);
    f.whenComplete(
        (v, e) -> {
          inFlight.remove(f);
          if (e != null) {
            LOG.error("launching {} failed", w, e);
          }
        });
  }

  /** Stops accepting launches and waits for those in flight. */
  void closeLaunches(Duration timeout) {
    launches.shutdown();
    CompletableFuture<?>[] pending = inFlight.toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(pending).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      LOG.warn("worker launches still running after {} ms", timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lets the exit handlers already submitted finish, and accepts no more. */
  void closeExits() {
    exits.shutdown();
  }

  void registered(WorkerInfo w) {
    for (WorkerListener l : listeners) {
      try {
        l.workerRegistered(w);
      } catch (RuntimeException e) {
        LOG.error("worker listener {} failed", l, e);
      }
    }
  }

  void startFailed(WorkerInfo w, String reason) {
    for (WorkerListener l : listeners) {
      try {
        l.workerStartFailed(w, reason);
      } catch (RuntimeException e) {
        LOG.error("worker listener {} failed", l, e);
      }
    }
  }

  void died(WorkerInfo w, int exitCode) {
    for (WorkerListener l : listeners) {
      try {
        l.workerDied(w, exitCode);
      } catch (RuntimeException e) {
        LOG.error("worker listener {} failed", l, e);
      }
    }
  }
}
