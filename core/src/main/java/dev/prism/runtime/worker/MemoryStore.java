package dev.prism.runtime.worker;

import dev.prism.store.ObjectId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process object table: for objects this process owns, their state (pending until the task
 * that makes them finishes, then ready); for borrowed objects, a cache of what the owner answered.
 * Waiting is through futures, so {@code get} and {@code wait} block only the caller.
 */
final class MemoryStore {

  private final ConcurrentHashMap<ObjectId, CompletableFuture<StoredValue>> slots =
      new ConcurrentHashMap<>();

  /**
   * Incremented (and waiters woken) whenever an object of this process becomes ready, so that
   * {@code wait} can sleep on one monitor instead of hanging a callback on every future it watches
   * (a wait loop over many pending objects would pile callbacks up).
   */
  private long generation;

  private final java.util.concurrent.atomic.AtomicInteger waiters =
      new java.util.concurrent.atomic.AtomicInteger();

  /** A future that wakes {@link #awaitChange waiters} when it completes. */
  final class Slot extends CompletableFuture<StoredValue> {
    @Override
    public boolean complete(StoredValue value) {
      boolean done = super.complete(value);
      if (done) {
        fire();
      }
      return done;
    }

    @Override
    public boolean completeExceptionally(Throwable error) {
      boolean done = super.completeExceptionally(error);
      if (done) {
        fire();
      }
      return done;
    }
  }

  CompletableFuture<StoredValue> newSlot() {
    return new Slot();
  }

  private void fire() {
    if (waiters.get() > 0) {
      synchronized (this) {
        generation++;
        notifyAll();
      }
    }
  }

  /** Registers a waiter and returns the current generation; pair with {@link #leave()}. */
  synchronized long enter() {
    waiters.incrementAndGet();
    return generation;
  }

  void leave() {
    waiters.decrementAndGet();
  }

  /**
   * Sleeps until an object completes after generation {@code seen}, or {@code nanos} pass.
   *
   * @return the generation now
   */
  synchronized long awaitChange(long seen, long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    while (generation == seen) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return generation;
  }

  /** The future of an object, created pending if absent. */
  CompletableFuture<StoredValue> slot(ObjectId id) {
    CompletableFuture<StoredValue> f = slots.get(id);
    return f != null ? f : slots.computeIfAbsent(id, k -> new Slot());
  }

  /** The future of an object if this process has one. */
  CompletableFuture<StoredValue> find(ObjectId id) {
    return slots.get(id);
  }

  /** Makes an object ready; false if this process no longer tracks it (nobody can read it). */
  boolean complete(ObjectId id, StoredValue value) {
    CompletableFuture<StoredValue> f = slots.get(id);
    if (f == null) {
      return false;
    }
    f.complete(value);
    return true;
  }

  /**
   * Makes a ready object pending again (it is being rebuilt): later reads wait for the new value.
   * Returns false if this process no longer tracks it.
   */
  boolean reopen(ObjectId id) {
    CompletableFuture<StoredValue> f = slots.get(id);
    if (f == null) {
      return false;
    }
    if (!f.isDone()) {
      return true;
    }
    return slots.replace(id, f, new Slot()) || slots.get(id) != null;
  }

  /** Forgets an object; returns what was there (ready value or null). */
  StoredValue remove(ObjectId id) {
    CompletableFuture<StoredValue> f = slots.remove(id);
    return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.getNow(null) : null;
  }

  int size() {
    return slots.size();
  }
}
