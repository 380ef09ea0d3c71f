package dev.prism.runtime.node;

import dev.prism.store.ObjectInfo;
import dev.prism.store.StoreException;
import dev.prism.store.StoreServer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does when the GCS says a process that submitted tasks died elsewhere: a driver
 * (killed rather than shut down), or a worker of another node (whose own node already ended its
 * leases there). The leases it holds here end and their workers are killed ({@link
 * LeaseScheduler}); for a driver, once those workers have exited (so none can still seal a result
 * for it), the objects it owned are deleted from this node's store as well. Ownership is read from
 * the object id: its first 8 bytes are the owner's worker id.
 */
final class DeadOwnerCleanup {

  private static final Logger LOG = LoggerFactory.getLogger(DeadOwnerCleanup.class);

  /** How long to wait for the killed workers to exit before deleting the objects anyway. */
  static final Duration EXIT_WAIT = Duration.ofSeconds(30);

  private final String nodeId;
  private final LeaseScheduler scheduler;
  private final StoreServer store;
  private final Executor executor;

  DeadOwnerCleanup(String nodeId, LeaseScheduler scheduler, StoreServer store, Executor executor) {
    this.nodeId = nodeId;
    this.scheduler = scheduler;
    this.store = store;
    this.executor = executor;
  }

  /**
   * Parses a worker id (16 hex digits) into the owner part of the object ids it owns.
   *
   * @throws IllegalArgumentException naming the bad id
   */
  static long ownerOf(String workerId) {
    if (workerId == null
        || workerId.length() != 16
        || !workerId.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException(
          "worker id '" + workerId + "' is not a worker id (16 hex digits)");
    }
    return HexFormat.fromHexDigitsToLong(workerId);
  }

  /**
   * Revokes the dead process's leases now and, with {@code freeObjects}, deletes the objects it
   * owned once the workers killed for it exited.
   *
   * @return the future of the object deletion, with how many objects were deleted
   * @throws IllegalArgumentException if the worker id is malformed
   */
  CompletableFuture<Integer> ownerDied(String workerId, boolean freeObjects, String reason) {
    long owner = ownerOf(workerId);
    List<CompletableFuture<Process>> exits = scheduler.revokeLeasesOfDeadSubmitter(workerId);
    if (!freeObjects) {
      if (!exits.isEmpty()) {
        LOG.info(
            "{} died ({}): {} workers it leased on node {} killed",
            workerId,
            reason,
            exits.size(),
            nodeId);
      }
      return CompletableFuture.completedFuture(0);
    }
    LOG.info(
        "{} died ({}): {} workers it leased on node {} killed; its objects here are"
            + " deleted once they exited",
        workerId,
        reason,
        exits.size(),
        nodeId);
    return CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
        .completeOnTimeout(null, EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .thenApplyAsync(
            done -> {
              // Processes it did not lease can still seal objects in its name after this sweep
              // (its actors being destroyed, calls in flight, pulls finishing): sweep once more.
              CompletableFuture.runAsync(
                  () -> {
                    int late = deleteOwnedBy(owner, workerId);
                    if (late > 0) {
                      LOG.info(
                          "{} objects of dead owner {} sealed after the first sweep deleted on"
                              + " node {}",
                          late,
                          workerId,
                          nodeId);
                    }
                  },
                  CompletableFuture.delayedExecutor(
                      LATE_SWEEP.toMillis(), TimeUnit.MILLISECONDS, executor));
              return deleteOwnedBy(owner, workerId);
            },
            executor);
  }

  /** When objects of a dead owner are looked for once more, after the first sweep. */
  static final java.time.Duration LATE_SWEEP = java.time.Duration.ofSeconds(15);

  private int deleteOwnedBy(long owner, String ownerWorkerId) {
    int deleted = 0;
    List<ObjectInfo> objects;
    try {
      objects = store.list();
    } catch (StoreException e) {
      LOG.debug("cannot list the store of node {}: {}", nodeId, e.toString());
      return 0;
    }
    for (ObjectInfo info : objects) {
      if (info.id().high() != owner) {
        continue;
      }
      try {
        store.delete(info.id());
        deleted++;
      } catch (StoreException e) {
        // Gone meanwhile, or still being created by a process that is not the owner's.
        LOG.debug(
            "object {} of dead owner {} not deleted: {}", info.id(), ownerWorkerId, e.toString());
      }
    }
    if (deleted > 0) {
      LOG.info(
          "deleted {} objects of dead owner {} from the store of node {}",
          deleted,
          ownerWorkerId,
          nodeId);
    }
    return deleted;
  }
}
