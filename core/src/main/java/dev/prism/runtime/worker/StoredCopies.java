package dev.prism.runtime.worker;

import dev.prism.store.ObjectId;
import dev.prism.store.StoreClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copies this process's objects have in the node's shared-memory store: how many bytes they
 * hold, their deletion when the objects are freed, and the garbage collection that finds dropped
 * refs before the store fills up.
 */
final class StoredCopies {

  private static final Logger LOG = LoggerFactory.getLogger(StoredCopies.class);

  private final StoreClient store;
  private final String nodeId;
  private final ExecutorService releaser;

  StoredCopies(StoreClient store, String nodeId, ExecutorService releaser) {
    this.store = store;
    this.nodeId = nodeId;
    this.releaser = releaser;
  }

  /** Counts a copy this process's object now has in the store. */
  void written(long size) {
    ownedStoreBytes.addAndGet(size);
  }

  /**
   * Objects are freed when their refs are garbage collected, which the JVM does lazily: large
   * objects whose refs are already unreachable could fill the store and be spilled to disk for
   * nothing. When this process's objects in the store approach half its capacity, collect garbage
   * (at most every 50 ms) and give the frees a moment to reach the store.
   */
  void collectIfFillingUp(long incoming) {
    long capacity = store.capacity();
    if (ownedStoreBytes.get() + incoming <= capacity / 2) {
      return;
    }
    long now = System.nanoTime();
    long last = lastCollection.get();
    if (now - last < 50_000_000L || !lastCollection.compareAndSet(last, now)) {
      return;
    }
    long before = ownedStoreBytes.get();
    System.gc();
    long deadline = System.nanoTime() + 200_000_000L;
    while (System.nanoTime() < deadline
        && ownedStoreBytes.get() >= before
        && ownedStoreBytes.get() + incoming > capacity / 2) {
      Thread.onSpinWait();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private final AtomicLong ownedStoreBytes = new AtomicLong();
  private final AtomicLong lastCollection = new AtomicLong(System.nanoTime() - 1_000_000_000L);

  /** Deletes this process's object from the node's store (off the caller's thread). */
  void delete(ObjectId id, String onNode, long size) {
    if (!nodeId.equals(onNode)) {
      ownedStoreBytes.addAndGet(-size);
      LOG.debug(
          "object {} lives on node {}; freeing copies on other nodes is not supported"
              + " on a single node",
          id,
          onNode);
      return;
    }
    try {
      releaser.execute(
          () -> {
            try {
              store.delete(id);
            } catch (RuntimeException e) {
              LOG.debug("deleting object {} from the store: {}", id, e.toString());
            } finally {
              ownedStoreBytes.addAndGet(-size);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Shutting down: the store goes away with its node.
    }
  }
}
