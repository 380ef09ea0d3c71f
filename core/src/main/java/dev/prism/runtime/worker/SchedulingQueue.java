package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.ReturnLeaseReply;
import dev.prism.runtime.rpc.ReturnLeaseRequest;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks of one scheduling class (one resource shape) waiting for workers, and the leases held
 * for that class. Leases are requested while tasks wait, reused while the queue has work
 * (pipelining up to {@link #pipelineDepth} tasks per worker), and returned shortly after they go
 * idle or once they have been held long enough that others deserve a turn.
 */
final class SchedulingQueue {

  private static final Logger LOG = LoggerFactory.getLogger(SchedulingQueue.class);

  /** Retries of lease requests are logged at WARN at most this often per class. */
  static final long RETRY_WARN_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** At most this many lease requests are outstanding per class. */
  static final int MAX_PENDING_LEASE_REQUESTS = 10;

  /** An idle lease is kept this long for the next task before it is returned. */
  private final long lingerNanos;

  /** A lease held this long takes no new tasks, so no caller monopolises a worker. */
  private final long maxHoldNanos;

  /** What a scheduling queue needs from the process that submits the tasks. */
  interface Host {
    /** This process's address: where leased workers reply. */
    Address address();

    /** This node's node manager, asked for leases first. */
    NodeManagerServiceGrpc.NodeManagerServiceStub localNodeManager();

    /** The node manager a lease request was spilled back to. */
    NodeManagerServiceGrpc.NodeManagerServiceStub nodeManagerAt(Address address);

    /** The shared channel to a leased worker. */
    Channel channelTo(Address address);

    /** Closes the channel to a worker whose stream broke. */
    void forgetChannel(Address address);

    /** Handles a worker's reply; returns the task when it must run again. */
    PendingTask onReply(PendingTask task, PushTaskReply reply);

    /** The task's worker died with the task in flight; returns the task when it is retried. */
    PendingTask onWorkerDied(PendingTask task, Lease lease, String why);

    /** Records that a queued task was cancelled. */
    void finishCancelled(PendingTask task);

    /** Drops a generator value nobody waits for (the call ended or is unknown). */
    void discardItem(dev.prism.runtime.rpc.GeneratorItem item);

    /** Fails a queued task that cannot run: its job environment cannot be set up. */
    void failUnrunnable(PendingTask task, String why);

    /** Tells the user (once per shape) that no node can run tasks of this shape. */
    void warnInfeasible(
        ResourceAmounts resources,
        java.util.Map<String, String> labelSelector,
        String what,
        String reason);

    /** Runs the linger checks and lease-request retries. */
    ScheduledExecutorService timer();

    /** Whether this process is shutting down. */
    boolean isShutdown();
  }

  private final Host host;
  private final ResourceAmounts resources;
  private final SchedulingStrategyProto strategy;
  private final dev.prism.runtime.rpc.RuntimeEnvProto runtimeEnv;
  private final int pipelineDepth;

  /** Tasks shorter than this on average are pipelined; longer ones get a worker each. */
  private final long pipelineBelowNanos;

  /**
   * Which of the last 64 tasks of this class ran longer than {@link #pipelineBelowNanos} (one bit
   * each, newest lowest), and how many were measured. Pipelining stays on while at most a quarter
   * of them were long, so a rare pause (a GC in a worker) does not turn it off.
   */
  private long longTaskBits;

  private int measuredTasks;
  private final ArrayDeque<PendingTask> queue = new ArrayDeque<>();
  private final List<Lease> leases = new ArrayList<>();

  /** Retries of lease requests waiting on the timer (each counts as a pending request). */
  private int retriesScheduled;

  /** Lease requests sent and not answered yet: lease id to the node manager asked. */
  private final Map<ByteString, NodeManagerServiceGrpc.NodeManagerServiceStub> outstanding =
      new HashMap<>();

  /** Requests withdrawn because no task needed them any more, whose answer has not come. */
  private final Set<ByteString> withdrawn = new HashSet<>();

  private long lastRetryWarnNanos;

  /** When the queue was last seen empty with requests outstanding (0: not empty). */
  private long queueEmptySinceNanos;

  private boolean lingerCheckScheduled;

  SchedulingQueue(Host host, TaskSubmitter.SchedulingKey key, WorkerTuning tuning) {
    this.host = host;
    this.resources = key.resources();
    this.strategy = key.strategy();
    this.runtimeEnv = key.runtimeEnv();
    this.pipelineDepth = tuning.pipelineDepth();
    this.lingerNanos = tuning.leaseLinger().toNanos();
    this.maxHoldNanos = tuning.leaseMaxHold().toNanos();
    this.pipelineBelowNanos = tuning.pipelineBelow().toNanos();
    this.streaming = key.streaming();
  }

  /**
   * Whether its tasks are streaming generators: each holds its worker until its consumer has taken
   * its values, so none is pipelined behind another (a consumer waiting on a task queued behind a
   * paused generator would wait forever).
   */
  private final boolean streaming;

  synchronized void add(PendingTask task) {
    queue.add(task);
    pump();
  }

  /** Removes a task that was not pushed yet; false if it is no longer queued here. */
  synchronized boolean removeQueued(PendingTask task) {
    return queue.remove(task);
  }

  synchronized boolean isIdle() {
    return queue.isEmpty()
        && leases.isEmpty()
        && pendingLeaseRequests() == 0
        && withdrawn.isEmpty();
  }

  /** Pushes queued tasks to leased workers and asks for more leases when needed. */
  private void pump() {
    if (host.isShutdown()) {
      return;
    }
    long now = System.nanoTime();
    // Short tasks are pipelined onto the workers held; long ones (or unmeasured ones) each
    // wait for an idle worker, so a slow task never holds up the ones queued behind it.
    int depth =
        !streaming && measuredTasks >= 4 && Long.bitCount(longTaskBits) * 4 <= measuredTasks
            ? pipelineDepth
            : 1;
    while (!queue.isEmpty()) {
      Lease best = null;
      for (Lease lease : leases) {
        if (lease.closed
            || lease.inflight.size() >= depth
            || now - lease.grantedAtNanos > maxHoldNanos) {
          continue;
        }
        if (best == null || lease.inflight.size() < best.inflight.size()) {
          best = lease;
        }
      }
      if (best == null) {
        break;
      }
      push(best, queue.poll());
    }
    int wanted = Math.min(queue.size(), MAX_PENDING_LEASE_REQUESTS);
    while (pendingLeaseRequests() < wanted) {
      requestLease(host.localNodeManager(), false);
    }
    returnIdleLeases(now);
  }

  private void push(Lease lease, PendingTask task) {
    if (task.cancelled) {
      host.finishCancelled(task);
      return;
    }
    task.lease = lease;
    task.spec.setAttempt(task.attempt);
    lease.inflight.put(task.spec.getTaskId(), task);
    lease.tasksPushed++;
    lease.requests.onNext(
        PushTaskRequest.newBuilder().setSpec(task.spec).setLeaseId(lease.leaseId).build());
  }

  private void returnIdleLeases(long now) {
    boolean anyLingering = false;
    boolean withdrewNow = false;
    if (!queue.isEmpty()) {
      queueEmptySinceNanos = 0;
    } else if (!outstanding.isEmpty()) {
      // Withdrawn once the queue stayed empty a linger long (a submitter adding tasks about as
      // fast as its workers take them empties the queue between two tasks: no churn of
      // requests then), or when an idle lease is due to go back for want of tasks.
      if (queueEmptySinceNanos == 0) {
        queueEmptySinceNanos = now;
      }
      if (now - queueEmptySinceNanos >= lingerNanos || anyIdleLeaseDue(now)) {
        withdrawOutstanding();
        withdrewNow = true;
      } else {
        anyLingering = true;
      }
    }
    for (Iterator<Lease> it = leases.iterator(); it.hasNext(); ) {
      Lease lease = it.next();
      if (!lease.inflight.isEmpty()) {
        continue;
      }
      boolean expired = now - lease.grantedAtNanos > maxHoldNanos;
      if (queue.isEmpty() || expired) {
        // Right after a withdrawal an idle lease lingers one more tick, so the node cancels
        // the withdrawn requests before this lease's resources come back to grant them.
        if (expired || (!withdrewNow && now - lease.idleSinceNanos >= lingerNanos)) {
          it.remove();
          close(lease, false);
        } else {
          anyLingering = true;
        }
      }
    }
    if (anyLingering && !lingerCheckScheduled) {
      lingerCheckScheduled = true;
      host.timer()
          .schedule(
              () -> {
                synchronized (this) {
                  lingerCheckScheduled = false;
                  pump();
                }
              },
              lingerNanos,
              TimeUnit.NANOSECONDS);
    }
  }

  private boolean anyIdleLeaseDue(long now) {
    for (Lease lease : leases) {
      if (lease.inflight.isEmpty() && now - lease.idleSinceNanos >= lingerNanos) {
        return true;
      }
    }
    return false;
  }

  private void close(Lease lease, boolean workerFailed) {
    if (lease.closed) {
      return;
    }
    lease.closed = true;
    if (!workerFailed) {
      try {
        lease.requests.onCompleted();
      } catch (RuntimeException e) {
        LOG.debug("closing the push stream of {} failed", lease, e);
      }
    }
    giveBack(lease.grantor, lease.leaseId, workerFailed);
  }

  /**
   * Sends {@code ReturnWorkerLease}: gives a granted worker back, or, for a request not granted
   * yet, cancels it (the node manager answers that request "rejected"). Idempotent there.
   */
  private void giveBack(
      NodeManagerServiceGrpc.NodeManagerServiceStub grantor,
      ByteString leaseId,
      boolean workerFailed) {
    grantor.returnWorkerLease(
        ReturnLeaseRequest.newBuilder().setLeaseId(leaseId).setWorkerFailed(workerFailed).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(ReturnLeaseReply value) {}

          @Override
          public void onError(Throwable t) {
            if (!host.isShutdown()) {
              LOG.debug(
                  "returning lease {} failed", HexFormat.of().formatHex(leaseId.toByteArray()), t);
            }
          }

          @Override
          public void onCompleted() {}
        });
  }

  /**
   * Withdraws the lease requests not answered yet once no task waits for a lease (every queued task
   * went to a worker already held). Left queued at a node manager, such a request would be granted
   * later for nobody: resources taken, perhaps a worker JVM started for it, until the lease
   * lingered and came back. A request still queued or waiting for its worker is cancelled by
   * returning it; one granted meanwhile is taken back by that return, and its late grant is ignored
   * here.
   */
  private void withdrawOutstanding() {
    for (Map.Entry<ByteString, NodeManagerServiceGrpc.NodeManagerServiceStub> e :
        outstanding.entrySet()) {
      withdrawn.add(e.getKey());
      giveBack(e.getValue(), e.getKey(), false);
    }
    outstanding.clear();
  }

  /** Lease requests sent and unanswered, plus retries waiting to be sent. */
  private int pendingLeaseRequests() {
    return outstanding.size() + retriesScheduled;
  }

  private void requestLease(
      NodeManagerServiceGrpc.NodeManagerServiceStub nodeManager, boolean grantOrQueue) {
    ByteString leaseId = randomId();
    outstanding.put(leaseId, nodeManager);
    LeaseRequest request =
        LeaseRequest.newBuilder()
            .setLeaseId(leaseId)
            .setResources(resources)
            .setStrategy(strategy)
            .putAllLocalityBytes(queue.isEmpty() ? java.util.Map.of() : queue.peek().localityBytes)
            .setSubmitter(host.address())
            .setGrantOrQueue(grantOrQueue)
            .addAllJobJars(JobEnvironment.JARS)
            .setRuntimeEnv(runtimeEnv)
            .build();
    nodeManager.requestWorkerLease(
        request,
        new StreamObserver<>() {
          @Override
          public void onNext(LeaseReply reply) {
            onLeaseReply(nodeManager, leaseId, reply);
          }

          @Override
          public void onError(Throwable t) {
            synchronized (SchedulingQueue.this) {
              if (withdrawn.remove(leaseId) || outstanding.remove(leaseId) == null) {
                return; // withdrawn, or answered already (a reply, then an error status)
              }
              if (host.isShutdown()) {
                return;
              }
              warnRetry("a worker lease request failed (" + t + "); retrying");
              retryLater();
            }
          }

          @Override
          public void onCompleted() {}
        });
  }

  private void onLeaseReply(
      NodeManagerServiceGrpc.NodeManagerServiceStub grantor, ByteString leaseId, LeaseReply reply) {
    List<PendingTask> unrunnable = List.of();
    synchronized (this) {
      if (withdrawn.remove(leaseId)) {
        if (reply.hasGranted()) {
          // Granted before the return arrived (the return gave it back then; this one is
          // ignored there), or the return overtook the request: this one gives it back.
          giveBack(grantor, leaseId, false);
        }
        return;
      }
      if (outstanding.remove(leaseId) == null) {
        return;
      }
      switch (reply.getResultCase()) {
        case GRANTED -> {
          LeaseReply.Granted g = reply.getGranted();
          Lease lease =
              new Lease(leaseId, g.getWorker(), g.getWorkerPid(), grantor, System.nanoTime());
          if (host.isShutdown()) {
            lease.requests = BorrowNotifier.ignoring("a lease granted after shutdown");
            close(lease, false);
            return;
          }
          openStream(lease);
          leases.add(lease);
          pump();
        }
        case SPILLBACK -> {
          if (!queue.isEmpty()) {
            requestLease(host.nodeManagerAt(reply.getSpillback()), true);
          }
        }
        case INFEASIBLE -> {
          host.warnInfeasible(
              resources, strategy.getLabelSelectorMap(), "tasks", reply.getInfeasible());
          retryLater();
        }
        case BAD_ENVIRONMENT -> {
          // Asking again cannot help: every task queued for this class fails now.
          unrunnable = new ArrayList<>(queue);
          queue.clear();
          withdrawOutstanding();
        }
        case REJECTED, RESULT_NOT_SET -> {
          if (!host.isShutdown()) {
            warnRetry("a worker lease was rejected (" + reply.getRejected() + "); retrying");
            retryLater();
          }
        }
      }
    }
    for (PendingTask task : unrunnable) {
      host.failUnrunnable(
          task,
          (runtimeEnv.equals(dev.prism.runtime.rpc.RuntimeEnvProto.getDefaultInstance())
                  ? "its job environment cannot be set up: "
                  : "its runtime environment cannot be set up: ")
              + reply.getBadEnvironment());
    }
  }

  /**
   * Logs why a lease request is retried: at WARN once per {@link #RETRY_WARN_NANOS} per queue, at
   * DEBUG otherwise (a node shutting down rejects every request of a busy submitter, each once a
   * second).
   */
  private void warnRetry(String message) {
    long now = System.nanoTime();
    if (lastRetryWarnNanos == 0 || now - lastRetryWarnNanos >= RETRY_WARN_NANOS) {
      lastRetryWarnNanos = now;
      LOG.warn(message);
    } else {
      LOG.debug(message);
    }
  }

  private void retryLater() {
    if (queue.isEmpty() || host.isShutdown()) {
      return;
    }
    // Counted as pending meanwhile, so pump() does not flood the node manager; one timer task
    // both uncounts it and pumps, so the wake-up cannot be lost.
    retriesScheduled++;
    try {
      host.timer()
          .schedule(
              () -> {
                synchronized (this) {
                  retriesScheduled--;
                  pump();
                }
              },
              1,
              TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      retriesScheduled--;
    }
  }

  private void openStream(Lease lease) {
    lease.requests =
        CoreWorkerServiceGrpc.newStub(host.channelTo(lease.worker))
            .pushTasks(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PushTaskReply reply) {
                    onTaskReply(lease, reply);
                  }

                  @Override
                  public void onError(Throwable t) {
                    onLeaseLost(lease, t.toString());
                  }

                  @Override
                  public void onCompleted() {
                    onLeaseLost(lease, "the worker closed the task stream");
                  }
                });
  }

  private void onTaskReply(Lease lease, PushTaskReply reply) {
    if (reply.hasGeneratorItem()) {
      onGeneratorItem(lease, reply);
      return;
    }
    PendingTask task;
    synchronized (this) {
      task = lease.inflight.remove(reply.getTaskId());
      if (reply.getRunNanos() > 0) {
        longTaskBits = (longTaskBits << 1) | (reply.getRunNanos() >= pipelineBelowNanos ? 1 : 0);
        measuredTasks = Math.min(measuredTasks + 1, 64);
      }
      if (lease.inflight.isEmpty()) {
        lease.idleSinceNanos = System.nanoTime();
      }
    }
    if (task != null) {
      task.lease = null;
      PendingTask retry = host.onReply(task, reply);
      synchronized (this) {
        if (retry != null) {
          queue.addFirst(retry);
        }
        pump();
      }
    }
  }

  /** A value of a streaming task running on the lease: to its generator, or dropped. */
  private void onGeneratorItem(Lease lease, PushTaskReply reply) {
    PendingTask task;
    synchronized (this) {
      task = lease.inflight.get(reply.getTaskId());
    }
    StreamingGenerator<?> generator = task == null ? null : task.generator;
    if (generator == null) {
      host.discardItem(reply.getGeneratorItem());
      return;
    }
    generator.onItem(reply.getGeneratorItem(), ack -> sendOnLease(lease, ack));
  }

  /** Sends a message on a lease's task stream, unless the lease ended. */
  private synchronized void sendOnLease(Lease lease, PushTaskRequest message) {
    if (!lease.closed && lease.requests != null) {
      lease.requests.onNext(message);
    }
  }

  private void onLeaseLost(Lease lease, String why) {
    List<PendingTask> lost;
    synchronized (this) {
      if (lease.closed) {
        return;
      }
      leases.remove(lease);
      close(lease, true);
      lost = new ArrayList<>(lease.inflight.values());
      lease.inflight.clear();
    }
    if (!lost.isEmpty() && !host.isShutdown()) {
      LOG.debug("{} lost with {} task(s) in flight: {}", lease, lost.size(), why);
    }
    host.forgetChannel(lease.worker);
    List<PendingTask> retries = new ArrayList<>();
    for (PendingTask task : lost) {
      task.lease = null;
      PendingTask retry = host.onWorkerDied(task, lease, why);
      if (retry != null) {
        retries.add(retry);
      }
    }
    synchronized (this) {
      for (int i = retries.size() - 1; i >= 0; i--) {
        queue.addFirst(retries.get(i));
      }
      pump();
    }
  }

  /** Fails every queued task (shutdown). */
  synchronized List<PendingTask> drain() {
    List<PendingTask> out = new ArrayList<>(queue);
    queue.clear();
    withdrawOutstanding();
    for (Lease lease : leases) {
      out.addAll(lease.inflight.values());
      lease.inflight.clear();
      close(lease, false);
    }
    leases.clear();
    return out;
  }

  private static ByteString randomId() {
    byte[] id = new byte[16];
    ThreadLocalRandom.current().nextBytes(id);
    return ByteString.copyFrom(id);
  }
}
