package dev.prism.runtime.node;

import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.ExitRequest;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops worker processes: asks a registered worker to exit ({@code Exit} on its CoreWorkerService),
 * then destroys it after a grace period, then destroys it forcibly.
 */
final class WorkerStopper {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerStopper.class);

  private final Duration grace;
  private final ScheduledExecutorService timer;
  private final dev.prism.runtime.security.ClusterToken token;

  /** Workers being stopped or killed whose process has not ended yet. */
  private final Set<WorkerHandle> stopping = ConcurrentHashMap.newKeySet();

  WorkerStopper(
      Duration grace,
      ScheduledExecutorService timer,
      dev.prism.runtime.security.ClusterToken token) {
    this.token = token;
    this.grace = grace;
    this.timer = timer;
  }

  /** Asks the worker to exit and escalates in the background. */
  void stop(WorkerHandle w, String reason) {
    Process p = w.process;
    if (p == null || !p.isAlive()) {
      closeChannel(w);
      return;
    }
    track(w, p);
    if (w.address != null) {
      requestExit(w, reason);
    } else {
      p.destroy();
    }
    timer.schedule(
        () -> {
          if (p.isAlive()) {
            LOG.debug("{} did not exit within {} ms of Exit; destroying it", w, grace.toMillis());
            p.destroy();
            timer.schedule(
                () -> {
                  if (p.isAlive()) {
                    p.destroyForcibly();
                  }
                },
                grace.toNanos(),
                TimeUnit.NANOSECONDS);
          }
        },
        grace.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /** Kills the worker now (it failed, or its lease's owner died). */
  void kill(WorkerHandle w) {
    Process p = w.process;
    if (p != null && p.isAlive()) {
      track(w, p);
      p.destroyForcibly();
    } else {
      closeChannel(w);
    }
  }

  /** Kills a process the pool no longer wants and waits (up to 5 s) for it to end. */
  static void killAndWait(Process p) {
    p.destroyForcibly();
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void track(WorkerHandle w, Process p) {
    stopping.add(w);
    p.onExit()
        .thenRun(
            () -> {
              stopping.remove(w);
              closeChannel(w);
            });
  }

  /**
   * Stops every worker and waits: Exit to the registered ones, destroy after the grace, destroy
   * forcibly after another grace, then waits up to five seconds more for the processes to end.
   *
   * @param pool the workers of the pool
   * @param reason why, for the workers' logs
   * @return the workers still alive at the end (normally none); workers already being stopped are
   *     included
   */
  List<WorkerHandle> stopAll(List<WorkerHandle> pool, String reason) {
    Set<WorkerHandle> workers = new LinkedHashSet<>(pool);
    workers.addAll(stopping);
    List<WorkerHandle> alive = new ArrayList<>();
    for (WorkerHandle w : workers) {
      if (w.process != null && w.process.isAlive()) {
        alive.add(w);
        if (w.address != null) {
          requestExit(w, reason);
        } else {
          w.process.destroy();
        }
      }
    }
    alive = awaitExit(alive, grace);
    alive.forEach(w -> w.process.destroy());
    alive = awaitExit(alive, grace);
    alive.forEach(w -> w.process.destroyForcibly());
    alive = awaitExit(alive, Duration.ofSeconds(5));
    for (WorkerHandle w : workers) {
      closeChannel(w);
    }
    for (WorkerHandle w : alive) {
      LOG.error("{} is still alive after destroyForcibly; it may be stuck in the kernel", w);
    }
    return alive;
  }

  private static List<WorkerHandle> awaitExit(List<WorkerHandle> workers, Duration timeout) {
    if (workers.isEmpty()) {
      return workers;
    }
    CompletableFuture<?>[] exits =
        workers.stream().map(w -> w.process.onExit()).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(exits).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // some are still alive: the caller escalates
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<WorkerHandle> alive = new ArrayList<>();
    for (WorkerHandle w : workers) {
      if (w.process.isAlive()) {
        alive.add(w);
      }
    }
    return alive;
  }

  private void requestExit(WorkerHandle w, String reason) {
    ManagedChannel channel;
    synchronized (w) {
      if (w.channel == null) {
        w.channel = Rpc.channel(w.address.getHost(), w.address.getPort(), token).build();
      }
      channel = w.channel;
    }
    CoreWorkerServiceGrpc.newFutureStub(channel)
        .withDeadlineAfter(grace.toNanos(), TimeUnit.NANOSECONDS)
        .exit(ExitRequest.newBuilder().setReason(reason).build());
  }

  private static void closeChannel(WorkerHandle w) {
    synchronized (w) {
      if (w.channel != null) {
        w.channel.shutdownNow();
        w.channel = null;
      }
    }
  }
}
