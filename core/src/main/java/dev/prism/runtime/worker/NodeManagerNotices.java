package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.WorkerBlockedRequest;
import dev.prism.runtime.rpc.WorkerOwnsObjectsRequest;
import io.grpc.Channel;
import java.util.HashMap;
import java.util.Map;
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

  /** What the notices need from the worker process. */
  interface Host {
    /** This worker's id. */
    String workerId();

    /** Whether the calling thread runs a task (or actor call) in a worker process. */
    boolean isRunningTaskInWorker();

    /** The lease of the calling thread's task; empty for an actor's calls. */
    ByteString currentLeaseId();

    /** How many objects this process owns. */
    int ownedCount();
  }

  private final Host worker;
  private final Channel nodeManagerChannel;
  private final ScheduledExecutorService timer;

  NodeManagerNotices(Host worker, Channel nodeManagerChannel, ScheduledExecutorService timer) {
    this.worker = worker;
    this.nodeManagerChannel = nodeManagerChannel;
    this.timer = timer;
  }

  /**
   * A worker tells its node manager when it starts or stops owning objects, so that an idle worker
   * whose objects others may still read is not stopped (they would be lost with it).
   */
  void reportOwnership() {
    boolean owns = worker.ownedCount() > 0;
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
   * leases meanwhile (the tasks it waits for may need them, and may run in this worker). Waits are
   * counted per lease (a worker may hold several while tasks in it wait, each lease's tasks on a
   * thread of their own; an actor's calls all count for its one lease): only the outermost wait
   * counts, and only a wait still going on after {@link #BLOCKED_NOTICE_NANOS} is reported, so
   * quick gets cost no RPC.
   */
  boolean enterBlocking() {
    if (!worker.isRunningTaskInWorker()) {
      return false;
    }
    enter(worker.currentLeaseId());
    return true;
  }

  /** The wait {@link #enterBlocking} counted ended (on the same thread). */
  void exitBlocking() {
    exit(worker.currentLeaseId());
  }

  private void enter(ByteString lease) {
    synchronized (blockLock) {
      Episode e = episodes.computeIfAbsent(lease, k -> new Episode());
      if (e.depth++ == 0) {
        BlockNotice notice = new BlockNotice(lease);
        e.notice = notice;
        notice.timer =
            timer.schedule(() -> notice.send(this), BLOCKED_NOTICE_NANOS, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void exit(ByteString lease) {
    BlockNotice notice;
    synchronized (blockLock) {
      Episode e = episodes.get(lease);
      if (e == null || --e.depth > 0) {
        return;
      }
      episodes.remove(lease);
      notice = e.notice;
    }
    if (notice != null) {
      notice.finish(this);
    }
  }

  private static final long BLOCKED_NOTICE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  private final Object blockLock = new Object();

  /** The waits going on, per lease (guarded by {@link #blockLock}). */
  private final Map<ByteString, Episode> episodes = new HashMap<>();

  private static final class Episode {
    int depth;
    BlockNotice notice;
  }

  /** One blocking episode: "blocked" is sent if it lasts, "resumed" only if "blocked" was. */
  private static final class BlockNotice {
    private final ByteString lease;
    private java.util.concurrent.ScheduledFuture<?> timer;
    private CompletableFuture<Void> blockedSent;
    private boolean finished;

    BlockNotice(ByteString lease) {
      this.lease = lease;
    }

    /** On the timer thread: sends "blocked" without waiting for the answer. */
    synchronized void send(NodeManagerNotices notices) {
      if (!finished) {
        blockedSent = notices.notifyBlocked(lease, true);
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
        notices.notifyBlocked(lease, false).join();
      }
    }
  }

  private CompletableFuture<Void> notifyBlocked(ByteString lease, boolean blocked) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    NodeManagerServiceGrpc.newStub(nodeManagerChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .notifyWorkerBlocked(
            WorkerBlockedRequest.newBuilder()
                .setWorkerId(worker.workerId())
                .setBlocked(blocked)
                .setLeaseId(lease)
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
