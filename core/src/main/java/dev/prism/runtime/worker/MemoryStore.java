package dev.prism.runtime.worker;

import dev.prism.store.ObjectId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process object table: for objects this process owns, their state (pending until the
 * task that makes them finishes, then ready); for borrowed objects, a cache of what the owner
 * answered. Waiting is through futures, so {@code get} and {@code wait} block only the caller.
 */
final class MemoryStore {

  private final ConcurrentHashMap<ObjectId, CompletableFuture<StoredValue>> slots =
      new ConcurrentHashMap<>();

  /** The future of an object, created pending if absent. */
  CompletableFuture<StoredValue> slot(ObjectId id) {
    CompletableFuture<StoredValue> f = slots.get(id);
    return f != null ? f : slots.computeIfAbsent(id, k -> new CompletableFuture<>());
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

  /** Forgets an object; returns what was there (ready value or null). */
  StoredValue remove(ObjectId id) {
    CompletableFuture<StoredValue> f = slots.remove(id);
    return f != null && f.isDone() && !f.isCompletedExceptionally() ? f.getNow(null) : null;
  }

  int size() {
    return slots.size();
  }
}
