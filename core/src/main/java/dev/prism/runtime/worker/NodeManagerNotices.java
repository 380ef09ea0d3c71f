package dev.prism.runtime.worker;

import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.WorkerBlockedRequest;
import dev.prism.runtime.rpc.WorkerOwnsObjectsRequest;
import io.grpc.ManagedChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a worker tells its node manager about itself beyond leases: that a task is waiting (so its
 * CPU can be lent to other leases) and whether it owns objects (so it is not stopped as idle while
 * others may still read them).
 */
final class NodeManagerNotices {

  private static final Logger LOG = LoggerFactory.getLogger(NodeManagerNotices.class);

  private final CoreWorker worker;
  private final ManagedChannel nodeManagerChannel;
  private final ScheduledExecutorService timer;

  NodeManagerNotices(
      CoreWorker worker, ManagedChannel nodeManagerChannel, ScheduledExecutorService timer) {
    this.worker = worker;
    this.nodeManagerChannel = nodeManagerChannel;
    this.timer = timer;
  }

  /**
   * A worker tells its node manager when it starts or stops owning objects, so that an idle worker
   * whose objects others may still read is not stopped (they would be lost with it).
   */
  void reportOwnership() {
    boolean owns = worker.references().ownedCount() > 0;
    if (owns == reportedOwnership) {
      return;
    }
    reportedOwnership = owns;
    NodeManagerServiceGrpc.newStub(nodeManagerChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .notifyWorkerOwnsObjects(
            WorkerOwnsObjectsRequest.newBuilder()
                .setWorkerId(worker.workerId())
                .setOwns(owns)
                .build(),
            BorrowNotifier.ignoring("reporting owned objects"));
  }

  private boolean reportedOwnership;

  /**
   * A task that waits for objects tells its node manager, which lends the task's CPUs to other
   * leases meanwhile (the tasks it waits for may need them). Only the outermost wait counts, and
   * only a wait still going on after {@link #BLOCKED_NOTICE_NANOS} is reported, so quick gets cost
   * no RPC.
   */
  boolean enterBlocking() {
    if (!worker.isRunningTaskInWorker()) {
      return false;
    }
    synchronized (blockLock) {
      if (blockedDepth++ == 0) {
        BlockNotice notice = new BlockNotice();
        currentNotice = notice;
        notice.timer =
            timer.schedule(() -> notice.send(this), BLOCKED_NOTICE_NANOS, TimeUnit.NANOSECONDS);
      }
    }
    return true;
  }

  void exitBlocking() {
    BlockNotice notice;
    synchronized (blockLock) {
      if (--blockedDepth > 0) {
        return;
      }
      notice = currentNotice;
      currentNotice = null;
    }
    if (notice != null) {
      notice.finish(this);
    }
  }

  private static final long BLOCKED_NOTICE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private final Object blockLock = new Object();
  private int blockedDepth;
  private BlockNotice currentNotice;

  /** One blocking episode: "blocked" is sent if it lasts, "resumed" only if "blocked" was. */
  private static final class BlockNotice {
    private java.util.concurrent.ScheduledFuture<?> timer;
    private CompletableFuture<Void> blockedSent;
    private boolean finished;

    /** On the timer thread: sends "blocked" without waiting for the answer. */
    synchronized void send(NodeManagerNotices notices) {
      if (!finished) {
        blockedSent = notices.notifyBlocked(true);
      }
    }

    /** On the task's thread: "resumed" goes out after "blocked" was answered, in order. */
    void finish(NodeManagerNotices notices) {
      timer.cancel(false);
      CompletableFuture<Void> sent;
      synchronized (this) {
        finished = true;
        sent = blockedSent;
      }
      if (sent != null) {
        try {
          sent.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.debug("the blocked notice was not answered: {}", e.toString());
        }
        notices.notifyBlocked(false).join();
      }
    }
  }

  private CompletableFuture<Void> notifyBlocked(boolean blocked) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    NodeManagerServiceGrpc.newStub(nodeManagerChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .notifyWorkerBlocked(
            WorkerBlockedRequest.newBuilder()
                .setWorkerId(worker.workerId())
                .setBlocked(blocked)
                .build(),
            new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(dev.prism.runtime.rpc.WorkerBlockedReply value) {}

              @Override
              public void onError(Throwable t) {
                LOG.debug(
                    "telling the node manager this worker {} failed: {}",
                    blocked ? "blocks" : "resumes",
                    t.toString());
                done.complete(null);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    return done;
  }
}
