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
 * What a node does when the GCS says a driver died (killed rather than shut down): the leases
 * the driver holds here end and their workers are killed ({@link LeaseScheduler}), and once those
 * workers have exited (so none can still seal a result for it) the objects the driver owned are
 * deleted from this node's store. Ownership is read from the object id: its first 8 bytes are
 * the owner's worker id.
 */
final class DeadDriverCleanup {

  private static final Logger LOG = LoggerFactory.getLogger(DeadDriverCleanup.class);
  /** How long to wait for the killed workers to exit before deleting the objects anyway. */
  static final Duration EXIT_WAIT = Duration.ofSeconds(30);

  private final String nodeId;
  private final LeaseScheduler scheduler;
  private final StoreServer store;
  private final Executor executor;

  DeadDriverCleanup(String nodeId, LeaseScheduler scheduler, StoreServer store,
      Executor executor) {
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
    if (workerId == null || workerId.length() != 16 || !workerId.chars().allMatch(
        c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException("driver worker id '" + workerId
          + "' is not a worker id (16 hex digits)");
    }
    return HexFormat.fromHexDigitsToLong(workerId);
  }

  /**
   * Revokes the dead driver's leases now and deletes its objects once the killed workers exited.
   *
   * @return the future of the object deletion, with how many objects were deleted
   * @throws IllegalArgumentException if the worker id is malformed
   */
  CompletableFuture<Integer> driverDied(String driverWorkerId, String reason) {
    long owner = ownerOf(driverWorkerId);
    List<CompletableFuture<Process>> exits =
        scheduler.revokeLeasesOfDeadSubmitter(driverWorkerId);
    LOG.info("driver {} died ({}): {} of its leased workers on node {} killed; its objects here"
        + " are deleted once they exited", driverWorkerId, reason, exits.size(), nodeId);
    return CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
        .completeOnTimeout(null, EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .thenApplyAsync(done -> deleteOwnedBy(owner, driverWorkerId), executor);
  }

  private int deleteOwnedBy(long owner, String driverWorkerId) {
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
        // Gone meanwhile, or still being created by a process that is not the driver's.
        LOG.debug("object {} of dead driver {} not deleted: {}", info.id(), driverWorkerId,
            e.toString());
      }
    }
    if (deleted > 0) {
      LOG.info("deleted {} objects of dead driver {} from the store of node {}", deleted,
          driverWorkerId, nodeId);
    }
    return deleted;
  }
}
