package dev.prism.runtime.worker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One concurrency group of an actor that has named groups: its calls queue here in arrival order,
 * and a thread of its own starts them as its permits allow, so a group whose calls all wait never
 * holds up another group. With a limit of 1 a call runs on that thread, one at a time in order (as
 * the default group of an actor without named groups runs on the executor's thread); above 1 each
 * runs on a virtual thread. The runner releases the permit when the call ends (for an async method,
 * when its stage completes).
 *
 * @param <W> a queued call
 */
final class CallGroup<W> {

  private static final Logger LOG = LoggerFactory.getLogger(CallGroup.class);

  final String name;
  final int maxConcurrency;

  /** One permit per call that may run (or, for async methods, be pending) at once. */
  final Semaphore permits;

  private final ExecutorService pool;
  private final LinkedBlockingDeque<W> queue = new LinkedBlockingDeque<>();
  private volatile boolean stopped;
  private Thread dispatcher;

  CallGroup(String name, int maxConcurrency) {
    this.name = name;
    this.maxConcurrency = maxConcurrency;
    this.permits = new Semaphore(maxConcurrency);
    this.pool =
        maxConcurrency > 1
            ? Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("prism-actor-" + name + "-", 0).factory())
            : null;
  }

  /**
   * Starts the group's thread.
   *
   * @param run runs a call holding one of {@link #permits}, and releases it when the call ends
   * @param refuse answers a call that cannot run because the process is shutting down
   */
  synchronized void start(BiConsumer<W, Semaphore> run, Consumer<W> refuse) {
    dispatcher =
        Thread.ofPlatform()
            .daemon()
            .name("prism-actor-group-" + name)
            .start(() -> dispatch(run, refuse));
  }

  /** Queues a call (on the executor's thread, in arrival order). */
  void add(W work) {
    queue.add(work);
  }

  /** Takes a queued call out (a cancel, or its stream broke); null when none matches. */
  W remove(Predicate<W> which) {
    for (W w : queue) {
      if (which.test(w) && queue.remove(w)) {
        return w;
      }
    }
    return null;
  }

  /** Drops the queued calls that match (their stream broke). */
  void removeIf(Predicate<W> which) {
    queue.removeIf(which);
  }

  private void dispatch(BiConsumer<W, Semaphore> run, Consumer<W> refuse) {
    while (!stopped) {
      W work;
      try {
        work = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue; // only the flag stops this thread
      }
      if (work == null) {
        continue;
      }
      if (!acquire()) {
        refuse.accept(work);
        break;
      }
      if (pool == null) {
        runSafely(run, work);
        continue;
      }
      try {
        pool.execute(() -> runSafely(run, work));
      } catch (RejectedExecutionException e) {
        permits.release();
        refuse.accept(work);
      }
    }
    for (W w; (w = queue.poll()) != null; ) {
      refuse.accept(w);
    }
  }

  private void runSafely(BiConsumer<W, Semaphore> run, W work) {
    try {
      run.accept(work, permits);
    } catch (RuntimeException e) {
      LOG.error("a call in concurrency group {} could not be run", name, e);
    }
  }

  /** Takes a permit to run a call; false only when the group stops. */
  private boolean acquire() {
    while (!stopped) {
      try {
        if (permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          return true;
        }
      } catch (InterruptedException e) {
        // A stray interrupt is not a stop: only the flag is.
      }
    }
    return false;
  }

  /** Stops the group's thread; calls running on virtual threads are interrupted. */
  synchronized void close() {
    stopped = true;
    if (dispatcher != null) {
      dispatcher.interrupt();
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
