package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The actor a worker hosts: its instance, and how many of its calls may run at once. One call at a
 * time runs on the executor's thread, in arrival order; more run on virtual threads.
 */
final class HostedActor {
  final ByteString actorId;
  final String display;
  final Object instance;
  final int maxConcurrency;
  final String namespace;

  /** One permit per call that may run (or, for async methods, be pending) at once. */
  final Semaphore permits;

  /** Where concurrent calls run; null when calls run one at a time on the executor thread. */
  final ExecutorService pool;

  HostedActor(
      ByteString actorId, String display, Object instance, int maxConcurrency, String namespace) {
    this.actorId = actorId;
    this.display = display;
    this.instance = instance;
    this.maxConcurrency = maxConcurrency;
    this.namespace = namespace;
    this.permits = new Semaphore(maxConcurrency);
    this.pool =
        maxConcurrency > 1
            ? Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("prism-actor-", 0).factory())
            : null;
  }

  void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
