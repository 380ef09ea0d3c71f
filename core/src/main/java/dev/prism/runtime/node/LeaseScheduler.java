package dev.prism.runtime.node;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.BundleProto;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.scheduler.Grant;
import dev.prism.scheduler.NodeId;
import dev.prism.scheduler.NodeResources;
import dev.prism.scheduler.NodeSpec;
import dev.prism.scheduler.ResourceRequest;
import dev.prism.scheduler.ResourceSet;
import dev.prism.scheduler.SchedulerException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's local scheduler: decides lease requests with gpu-scheduler (grant here, queue here,
 * spill back to another node, or infeasible), hands granted leases a worker of the right GPU set
 * from the {@link WorkerPool} (starting one when none is idle), and frees resources when leases
 * come back or workers die.
 *
 * <p>All state is guarded by this object's monitor. Work that must not run under it (replies,
 * process launches and kills, listener calls) is collected as {@code after} actions and run once
 * the monitor is released.
 */
final class LeaseScheduler {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseScheduler.class);

  private final NodeConfig config;
  private final NodeId localId;
  private final LeaseDecider decider;
  private final NodeResources local;
  private final WorkerPool pool = new WorkerPool();
  private final WorkerLauncher launcher;
  private final WorkerStopper stopper;
  private final ScheduledExecutorService timer;
  private final WorkerEvents events;
  private final WorkerFailureReporter failures;
  private final WorkerStartQueue starts;
  private final Runnable resourcesChanged;
  private final Map<ByteString, Lease> leases = new HashMap<>();
  private final ArrayDeque<Lease> queued = new ArrayDeque<>();
  private final Map<PoolKey, ArrayDeque<Lease>> awaitingWorker = new HashMap<>();
  private final BundleReservations bundleReservations = new BundleReservations(this);
  private final InfeasibleDemands infeasible = new InfeasibleDemands();

  /** Workers with a task waiting (a lent grant), as candidates to share; purged lazily. */
  private final java.util.Set<WorkerHandle> lending = new java.util.LinkedHashSet<>();

  private long leasesGranted;
  private boolean closed;

  LeaseScheduler(
      NodeConfig config,
      NodeSpec localSpec,
      WorkerLauncher launcher,
      WorkerStopper stopper,
      ScheduledExecutorService timer,
      WorkerEvents events,
      WorkerFailureReporter failures,
      Runnable resourcesChanged) {
    this.config = config;
    this.decider = new LeaseDecider(localSpec, config.schedulerSeed());
    this.localId = decider.localId();
    this.local = decider.local();
    this.launcher = launcher;
    this.stopper = stopper;
    this.timer = timer;
    this.events = events;
    this.failures = failures;
    this.starts = new WorkerStartQueue(config.maxConcurrentWorkerStarts(), pool);
    this.resourcesChanged = resourcesChanged;
  }

  private static void run(List<Runnable> after) {
    for (Runnable r : after) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("node manager action failed", e);
      }
    }
  }

  // ------------------------------------------------------------------------------ lease requests

  /**
   * Handles {@code RequestWorkerLease}: replies now, or later from another thread. A request of a
   * job environment first has the environment's jars fetched (once per node); when one cannot be,
   * it is answered {@code bad_environment}.
   */
  void requestLease(LeaseRequest request, StreamObserver<LeaseReply> reply) {
    List<String> hashes = new ArrayList<>(request.getJobJarsList());
    hashes.addAll(request.getRuntimeEnv().getClassPathList());
    if (hashes.isEmpty()) {
      decide(request, reply, null);
      return;
    }
    CompletableFuture<List<java.nio.file.Path>> jars = launcher.jobFiles().resolve(hashes);
    if (jars.isDone() && !jars.isCompletedExceptionally()) {
      decide(request, reply, null);
      return;
    }
    // A call's cancel handler can only be set on the thread that received it.
    java.util.concurrent.atomic.AtomicReference<Lease> later =
        new java.util.concurrent.atomic.AtomicReference<>();
    if (reply instanceof ServerCallStreamObserver<LeaseReply> call) {
      call.setOnCancelHandler(
          () -> {
            Lease l = later.get();
            if (l != null) {
              cancelled(l);
            }
          });
    }
    var _ =
        jars.whenComplete(
            (paths, error) -> {
              if (error == null) {
                try {
                  decide(request, reply, later);
                } catch (RuntimeException e) {
                  LOG.error("lease request of a job environment failed", e);
                  Lease.send(reply, LeaseReply.newBuilder().setRejected(e.toString()).build());
                }
                return;
              }
              Throwable cause =
                  error instanceof java.util.concurrent.CompletionException c
                          && c.getCause() != null
                      ? c.getCause()
                      : error;
              Lease.send(
                  reply,
                  LeaseReply.newBuilder()
                      .setBadEnvironment("node " + localId + ": " + cause.getMessage())
                      .build());
            });
  }

  /**
   * Decides a lease request. {@code later} is null on the call's thread (the cancel handler is set
   * here), else where to put the lease for the handler set when the request arrived.
   */
  private void decide(
      LeaseRequest request,
      StreamObserver<LeaseReply> reply,
      java.util.concurrent.atomic.AtomicReference<Lease> later) {
    ResourceRequest demand;
    try {
      demand = ResourceRequest.of(Protos.fromProto(request.getResources()));
      LeaseDecider.strategyOf(request.getStrategy()); // a malformed strategy is refused here
      LeaseDecider.selectorOf(request.getStrategy()); // and so is a malformed label selector
    } catch (SchedulerException e) {
      Lease.send(reply, LeaseReply.newBuilder().setInfeasible(e.getMessage()).build());
      return;
    }
    Lease lease = new Lease(request, demand, reply);
    if (later != null) {
      later.set(lease);
    } else if (reply instanceof ServerCallStreamObserver<LeaseReply> call) {
      call.setOnCancelHandler(() -> cancelled(lease));
    }
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        after.add(() -> lease.reject("node " + localId + " is shutting down"));
      } else if (request.getLeaseId().isEmpty() || leases.containsKey(lease.id)) {
        after.add(
            () ->
                lease.reject(
                    "lease id "
                        + lease.hexId()
                        + (request.getLeaseId().isEmpty() ? " is empty" : " is already in use")
                        + "; give each lease request a fresh id"));
      } else {
        LeaseDecider.Decision decision = decider.decide(lease, queuedSameShape(demand));
        if (!(decision instanceof LeaseDecider.Decision.Infeasible) && infeasible.clear(request)) {
          resourcesChanged.run();
        }
        switch (decision) {
          case LeaseDecider.Decision.Local l ->
              grantLocal(lease, tryAllocate(lease).orElseThrow(), after);
          case LeaseDecider.Decision.Queue q -> enqueue(lease);
          case LeaseDecider.Decision.Spill s ->
              after.add(
                  () ->
                      Lease.send(
                          reply, LeaseReply.newBuilder().setSpillback(s.nodeManager()).build()));
          case LeaseDecider.Decision.Infeasible i -> {
            String why = i.reason() + "; " + decider.offers(lease.selector);
            if (lease.bundle == null && infeasible.record(request, why, System.nanoTime())) {
              resourcesChanged.run();
            }
            after.add(() -> Lease.send(reply, LeaseReply.newBuilder().setInfeasible(why).build()));
          }
        }
      }
    }
    run(after);
  }

  private boolean queuedSameShape(ResourceRequest d) {
    for (Lease l : queued) {
      if (l.demand.equals(d)) {
        return true;
      }
    }
    return false;
  }

  private void enqueue(Lease lease) {
    lease.state = Lease.State.QUEUED;
    leases.put(lease.id, lease);
    queued.addLast(lease);
    scheduleTimeout(lease);
    LOG.debug("lease {} for {} queued", lease.hexId(), lease.demand);
  }

  private void scheduleTimeout(Lease lease) {
    long ms = lease.request.getTimeoutMs();
    if (ms > 0 && lease.timeout == null) {
      lease.timeout = timer.schedule(() -> timedOut(lease), ms, TimeUnit.MILLISECONDS);
    }
  }

  private void grantLocal(Lease lease, Grant grant, List<Runnable> after) {
    lease.grant = grant;
    lease.state = Lease.State.AWAITING_WORKER;
    leases.put(lease.id, lease);
    resourcesChanged.run();
    PoolKey key = PoolKey.of(lease);
    // A waiting task's own nested tasks run in its JVM; other leases prefer an idle worker.
    WorkerHandle w = waitingWorkerFor(lease, true);
    if (w == null) {
      w = pool.pollIdle(key);
    }
    if (w == null) {
      w = waitingWorkerFor(lease, false);
    }
    if (w != null) {
      bind(lease, w, after);
      return;
    }
    ArrayDeque<Lease> waiting = awaitingWorker.computeIfAbsent(key, k -> new ArrayDeque<>());
    waiting.addLast(lease);
    scheduleTimeout(lease);
    if (submitterMayWaitSoon(lease)) {
      // A task that submits usually waits for what it submitted right after: then its own JVM
      // serves this lease (see shareWaitingWorker). A new JVM is started only if it does not.
      timer.schedule(() -> startIfStillAwaiting(lease), SHARE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      return;
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("lease {} needs a new worker: {}", lease.hexId(), whyNoShare(lease));
    }
    starts.startFor(key, waiting.size());
    launchStarts(after);
  }

  /**
   * How long a lease whose submitter is a busy worker of this node waits for that worker to start
   * waiting (and serve it) before a new JVM is started for it: a worker reports a wait after 2 ms
   * (see the worker's NodeManagerNotices), much later on a loaded machine; a JVM start takes a
   * second or more of CPU. Measured with {@code benchmarks/run nested} on 2 cores (2026-12-05, four
   * runs each): later fib(10) calls took 1.5-1.75 s on average with 50 ms, 1.1 s with 300 ms and
   * 0.9 s with 1 s. A task that submits and goes on computing without waiting gets its child's JVM
   * started this much later.
   */
  static final long SHARE_GRACE_MILLIS = 300;

  /** Whether the lease's submitter is a worker here that could serve it once a task of it waits. */
  private boolean submitterMayWaitSoon(Lease lease) {
    if (lease.request.getExclusiveWorker() || config.maxTasksPerWorker() < 2) {
      return false;
    }
    WorkerHandle sub = pool.get(lease.submitterWorkerId());
    if (sub == null
        || sub.removed
        || sub.state != WorkerInfo.State.LEASED
        || sub.leases.size() >= config.maxTasksPerWorker()
        || !sub.key.equals(PoolKey.of(lease))) {
      return false;
    }
    for (Lease l : sub.leases) {
      if (l.request.getExclusiveWorker()) {
        return false;
      }
    }
    return true;
  }

  private void startIfStillAwaiting(Lease lease) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closed || lease.state != Lease.State.AWAITING_WORKER) {
        return;
      }
      PoolKey key = PoolKey.of(lease);
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "lease {} waited {} ms for its submitter, needs a new worker: {}",
            lease.hexId(),
            SHARE_GRACE_MILLIS,
            whyNoShare(lease));
      }
      starts.startFor(key, waitingFor(key));
      launchStarts(after);
    }
    run(after);
  }

  /** For the debug log: the state of a lease's submitter when the lease needs a new worker. */
  private String whyNoShare(Lease lease) {
    WorkerHandle sub = pool.get(lease.submitterWorkerId());
    if (sub == null) {
      return "its submitter is not a worker here";
    }
    int lent = 0;
    int blockedUnlent = 0;
    for (Lease l : sub.leases) {
      if (l.grantLent) {
        lent++;
      } else if (l.blockedDepth > 0) {
        blockedUnlent++;
      }
    }
    return "submitter "
        + sub
        + " "
        + sub.state
        + " with "
        + sub.leases.size()
        + " leases, "
        + lent
        + " lending, "
        + blockedUnlent
        + " waiting with nothing to lend";
  }

  /** Gives a worker to a lease and answers the submitter. */
  private void bind(Lease lease, WorkerHandle w, List<Runnable> after) {
    if (lease.timeout != null) {
      lease.timeout.cancel(false);
    }
    if (lease.callCancelled()) {
      releaseGrant(lease);
      forget(lease);
      if (w.leases.isEmpty()) {
        pool.pushIdle(w, System.nanoTime());
      }
      return;
    }
    lease.state = Lease.State.GRANTED;
    leasesGranted++;
    lease.worker = w;
    w.state = WorkerInfo.State.LEASED;
    w.leases.add(lease);
    LeaseReply.Granted.Builder g =
        LeaseReply.Granted.newBuilder()
            .setWorker(w.address)
            .setWorkerPid((int) w.pid)
            .addAllGpuIds(w.gpus.indexes())
            .addAllVisibleGpuIds(w.gpus.visibleIds());
    LeaseReply reply = LeaseReply.newBuilder().setGranted(g).build();
    LOG.debug("lease {} for {} granted with {}", lease.hexId(), lease.demand, w);
    after.add(() -> Lease.send(lease.reply, reply));
  }

  // ------------------------------------------------------------ workers shared by waiting tasks

  /**
   * A worker serving {@code lease} without a JVM of its own: one whose tasks wait (a lent CPU
   * grant) and that may take it (see {@link #canShare}); the lease's own submitter first, so a
   * waiting task's nested tasks run in its JVM. Null when none.
   *
   * @param submitterOnly only the worker that submitted the lease
   */
  private WorkerHandle waitingWorkerFor(Lease lease, boolean submitterOnly) {
    if (lease.request.getExclusiveWorker() || config.maxTasksPerWorker() < 2) {
      return null;
    }
    WorkerHandle best = null;
    for (Iterator<WorkerHandle> it = lending.iterator(); it.hasNext(); ) {
      WorkerHandle w = it.next();
      if (w.removed || !waitsAny(w)) {
        it.remove();
        continue;
      }
      if (canShare(w, lease)) {
        if (w.id.equals(lease.submitterWorkerId())) {
          return w;
        }
        if (best == null && !submitterOnly) {
          best = w;
        }
      }
    }
    return best;
  }

  private static boolean waitsAny(WorkerHandle w) {
    for (Lease l : w.leases) {
      if (waits(l)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a lease's task waits in a way that lets its worker serve more leases: its CPU grant is
   * lent, or it has none left to lend (it resumed once while the CPUs were in use, runs
   * oversubscribed, and waits again: fib's second get). A kept GPU grant never counts.
   */
  private static boolean waits(Lease l) {
    return l.grantLent || (l.blockedDepth > 0 && l.grant == null);
  }

  /**
   * Whether a leased worker may serve one more lease: a task of it waits (see {@link #waits}), it
   * holds fewer than {@link NodeConfig#maxTasksPerWorker()} leases, none of them (nor the new one)
   * wants the worker to itself (an actor's), the GPU sets match, and every lease it serves comes
   * from the new lease's submitter or from the worker itself (unless the worker is the submitter):
   * when a submitter dies its leases' workers are killed, so a worker never runs the tasks of two
   * unrelated submitters.
   */
  private boolean canShare(WorkerHandle w, Lease lease) {
    if (w.state != WorkerInfo.State.LEASED
        || w.leases.size() >= config.maxTasksPerWorker()
        || lease.request.getExclusiveWorker()
        || !w.key.equals(PoolKey.of(lease))) {
      return false;
    }
    String submitter = lease.submitterWorkerId();
    boolean waits = false;
    for (Lease l : w.leases) {
      if (l.request.getExclusiveWorker()) {
        return false;
      }
      String other = l.submitterWorkerId();
      if (!submitter.equals(w.id) && !other.equals(submitter) && !other.equals(w.id)) {
        return false;
      }
      waits |= waits(l);
    }
    return waits;
  }

  /** A task in {@code w} began to wait: it serves the leases waiting for a worker that it may. */
  private void shareWaitingWorker(WorkerHandle w, List<Runnable> after) {
    ArrayDeque<Lease> waiting = awaitingWorker.get(w.key);
    if (waiting == null) {
      return;
    }
    for (Iterator<Lease> it = waiting.iterator(); it.hasNext(); ) {
      Lease l = it.next();
      if (l.state == Lease.State.AWAITING_WORKER && canShare(w, l)) {
        it.remove();
        bind(l, w, after);
      }
    }
    if (waiting.isEmpty()) {
      awaitingWorker.remove(w.key);
    }
  }

  /** A worker is free (it registered, or its lease came back): serve a waiting lease or idle. */
  private void offerWorker(WorkerHandle w, List<Runnable> after) {
    ArrayDeque<Lease> waiting = awaitingWorker.get(w.key);
    while (waiting != null && !waiting.isEmpty()) {
      Lease l = waiting.pollFirst();
      if (waiting.isEmpty()) {
        awaitingWorker.remove(w.key);
      }
      if (l.state == Lease.State.AWAITING_WORKER) {
        bind(l, w, after);
        if (w.state == WorkerInfo.State.LEASED) {
          return;
        }
        pool.removeIdle(w);
      }
    }
    pool.pushIdle(w, System.nanoTime());
  }

  /** Grants queued leases that fit now, in arrival order. */
  private void dispatch(List<Runnable> after) {
    if (closed) {
      return;
    }
    Iterator<Lease> it = queued.iterator();
    while (it.hasNext()) {
      Lease l = it.next();
      if (l.state != Lease.State.QUEUED) {
        it.remove();
        continue;
      }
      Optional<Grant> g = tryAllocate(l);
      if (g.isPresent()) {
        it.remove();
        grantLocal(l, g.get(), after);
      }
    }
  }

  /** Takes a lease's resources from its bundle, or from the node. */
  private Optional<Grant> tryAllocate(Lease lease) {
    return lease.bundle == null
        ? local.tryAllocate(lease.demand)
        : local.tryAllocateInBundle(lease.bundle, lease.demand);
  }

  // ---------------------------------------------------------------- placement-group bundles

  /** Phase one of a bundle reservation here (see {@link BundleReservations#prepare}). */
  String prepareBundles(List<BundleProto> bundles) {
    return bundleReservations.prepare(bundles);
  }

  /** Phase two (see {@link BundleReservations#commit}). */
  String commitBundles(List<BundleProto> bundles) {
    return bundleReservations.commit(bundles);
  }

  /** Cancels or removes bundles here (see {@link BundleReservations#release}). */
  void returnBundles(List<BundleProto> bundles, String reason) {
    bundleReservations.release(bundles, reason);
  }

  // --- what BundleReservations uses, under this scheduler's monitor ---

  NodeResources localResources() {
    return local;
  }

  NodeId localNodeId() {
    return localId;
  }

  boolean isClosed() {
    return closed;
  }

  List<Lease> allLeases() {
    return new ArrayList<>(leases.values());
  }

  void resourcesChanged() {
    resourcesChanged.run();
  }

  void dispatchLeases(List<Runnable> after) {
    dispatch(after);
  }

  void forgetLease(Lease lease) {
    forget(lease);
  }

  boolean abandonLease(Lease lease) {
    return abandon(lease);
  }

  void retireWorker(WorkerHandle w, List<Runnable> after, String killReason) {
    retire(w, after, killReason);
  }

  static void runAll(List<Runnable> after) {
    run(after);
  }

  private void releaseGrant(Lease lease) {
    if (lease.grant != null && !lease.grant.isReleased()) {
      local.free(lease.grant);
      resourcesChanged.run();
    }
  }

  /** Marks a lease done and drops it from every table. */
  private void forget(Lease lease) {
    if (lease.timeout != null) {
      lease.timeout.cancel(false);
    }
    if (lease.state == Lease.State.QUEUED) {
      queued.remove(lease);
    } else if (lease.state == Lease.State.AWAITING_WORKER) {
      PoolKey key = PoolKey.of(lease);
      ArrayDeque<Lease> waiting = awaitingWorker.get(key);
      if (waiting != null && waiting.remove(lease) && waiting.isEmpty()) {
        awaitingWorker.remove(key);
      }
    }
    if (lease.worker != null) {
      lease.worker.leases.remove(lease);
    }
    lease.state = Lease.State.DONE;
    leases.remove(lease.id, lease);
  }

  /** Drops a lease that was not granted yet; returns false when it already was (or is done). */
  private boolean abandon(Lease lease) {
    if (lease.state != Lease.State.QUEUED && lease.state != Lease.State.AWAITING_WORKER) {
      return false;
    }
    releaseGrant(lease);
    forget(lease);
    return true;
  }

  private void timedOut(Lease lease) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (!abandon(lease)) {
        return;
      }
      after.add(
          () ->
              lease.reject(
                  "no worker with "
                      + lease.demand
                      + " was free on node "
                      + localId
                      + " within the lease timeout of "
                      + lease.request.getTimeoutMs()
                      + " ms"));
      dispatch(after);
    }
    run(after);
  }

  private void cancelled(Lease lease) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (abandon(lease)) {
        LOG.debug("lease request {} cancelled by its submitter", lease.hexId());
        dispatch(after);
      }
    }
    run(after);
  }

  /**
   * A leased worker started ({@code blocked}) or stopped waiting in get/wait inside a task. While
   * it waits, a CPU-only grant is freed so queued leases can run (the tasks it waits for among
   * them); when it resumes it takes its resources back, or runs oversubscribed until the lease ends
   * if they are in use, as Ray does. Grants with GPUs are kept: a device is not shared behind a
   * task's back. While one of its tasks waits, the worker itself may serve more leases (see {@link
   * #canShare}), so the tasks waited for need no new JVM.
   */
  void workerBlocked(String workerId, ByteString leaseId, boolean blocked) {
    List<Runnable> after = new ArrayList<>();
    boolean changed = false;
    synchronized (this) {
      WorkerHandle w = pool.get(workerId);
      Lease lease = w == null ? null : w.lease(leaseId);
      if (lease == null || lease.state != Lease.State.GRANTED || closed) {
        return;
      }
      if (blocked) {
        if (lease.blockedDepth++ == 0
            && lease.grant != null
            && !lease.grant.isReleased()
            && lease.grant.gpuIds().isEmpty()) {
          local.free(lease.grant);
          lease.grantLent = true;
          changed = true;
          lending.add(w);
          shareWaitingWorker(w, after);
          dispatch(after);
        } else if (lease.blockedDepth == 1 && lease.grant == null) {
          // Nothing to lend (it runs oversubscribed since it last resumed), but it waits: the
          // leases of the tasks it waits for may still run in its JVM.
          lending.add(w);
          shareWaitingWorker(w, after);
        }
      } else if (lease.blockedDepth > 0 && --lease.blockedDepth == 0 && lease.grantLent) {
        lease.grantLent = false;
        lease.grant = tryAllocate(lease).orElse(null);
        changed = true;
      }
    }
    run(after);
    if (changed) {
      resourcesChanged.run();
    }
  }

  /** A worker reported whether it owns objects that others may still read. */
  synchronized void workerOwnsObjects(String workerId, boolean owns) {
    WorkerHandle w = pool.get(workerId);
    if (w != null) {
      w.ownsObjects = owns;
    }
  }

  /** Handles {@code ReturnWorkerLease}. Unknown ids are ignored (the worker died meanwhile). */
  void returnLease(ByteString leaseId, boolean workerFailed) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      Lease lease = leases.get(leaseId);
      if (lease == null) {
        return;
      }
      if (lease.state != Lease.State.GRANTED) {
        abandon(lease);
        after.add(() -> lease.reject("the lease was returned before it was granted"));
      } else {
        WorkerHandle w = lease.worker;
        releaseGrant(lease);
        forget(lease);
        if (workerFailed) {
          retire(w, after, WorkerFailureReporter.KILLED_RETURNED_AS_FAILED);
          LOG.debug("{} returned as failed by its submitter; killing it", w);
        } else if (!w.removed && w.leases.isEmpty()) {
          offerWorker(w, after);
        }
      }
      dispatch(after);
    }
    run(after);
  }

  /**
   * Takes a worker out of the pool for good and kills it ({@code killReason}: why, reported to the
   * GCS when it exits), or stops it for idleness ({@code killReason} null: not a failure).
   */
  private void retire(WorkerHandle w, List<Runnable> after, String killReason) {
    if (w.removed) {
      return;
    }
    w.removed = true;
    w.state = WorkerInfo.State.STOPPING;
    pool.remove(w);
    if (killReason != null) {
      w.killReason = killReason;
      after.add(() -> stopper.kill(w));
    } else {
      after.add(() -> stopper.stop(w, "idle for longer than " + config.workerIdleTimeout()));
    }
  }

  // ---------------------------------------------------------------------------- worker lifecycle

  /** Starts the prestarted CPU workers (as start slots allow). */
  void prestart(int count) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      for (int i = 0; i < count; i++) {
        starts.prestart();
      }
      launchStarts(after);
    }
    run(after);
  }

  /** Launches queued worker starts while fewer than the cap of workers are starting. */
  private void launchStarts(List<Runnable> after) {
    if (!closed) {
      for (WorkerHandle w : starts.take(this::waitingFor)) {
        after.add(() -> events.launch(w, () -> launch(w)));
      }
    }
  }

  private int waitingFor(PoolKey key) {
    ArrayDeque<Lease> waiting = awaitingWorker.get(key);
    return waiting == null ? 0 : waiting.size();
  }

  private void launch(WorkerHandle w) {
    Process p;
    try {
      p = launcher.launch(w);
    } catch (Exception e) {
      List<Runnable> after = new ArrayList<>();
      synchronized (this) {
        if (!w.removed) {
          startFailed(
              w,
              "its process could not be started: "
                  + e.getMessage()
                  + "; check the java executable "
                  + config.javaExecutable(),
              after);
        }
      }
      run(after);
      return;
    }
    boolean kill;
    synchronized (this) {
      kill = closed || w.removed;
      w.process = p;
      w.pid = p.pid();
      if (!kill && w.state == WorkerInfo.State.STARTING) {
        // From the launch, not from the time the start waited for a slot.
        w.launchedNanos = System.nanoTime();
        w.startTimeout =
            timer.schedule(
                () -> startTimedOut(w),
                config.workerStartTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
      }
    }
    if (kill) {
      WorkerStopper.killAndWait(p);
      return;
    }
    LOG.debug("launched {}", w);
    p.onExit()
        .thenRunAsync(
            () -> {
              w.awaitOutputDrained(1000);
              exited(w, p.exitValue());
            },
            events.exitExecutor());
  }

  private void startTimedOut(WorkerHandle w) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (w.removed || w.state != WorkerInfo.State.STARTING) {
        return;
      }
      startFailed(
          w,
          "it did not register within "
              + config.workerStartTimeout().toMillis()
              + " ms and was killed; raise workerStartTimeout if the machine is slow",
          after);
      after.add(() -> stopper.kill(w));
    }
    run(after);
  }

  /**
   * A starting worker will never serve: fails the first waiting lease of its GPU set if that
   * lease's worker will not come now (more leases wait than workers are starting or queued to
   * start), and lets a queued start have the freed slot.
   */
  private void startFailed(WorkerHandle w, String why, List<Runnable> after) {
    startFailed(w, why, false, after);
  }

  /**
   * As above; {@code badEnvironment}: the JVM exited by itself before registering, which for a
   * worker of a runtime environment fails every lease waiting for one (see there).
   */
  private void startFailed(
      WorkerHandle w, String why, boolean badEnvironment, List<Runnable> after) {
    w.removed = true;
    w.state = WorkerInfo.State.STOPPING;
    pool.remove(w);
    if (w.startTimeout != null) {
      w.startTimeout.cancel(false);
    }
    String reason = w + " failed to start: " + why + w.outputTail();
    LOG.warn(reason);
    WorkerInfo info = w.info();
    after.add(() -> events.startFailed(info, reason));
    if (badEnvironment && w.key.hasRuntimeEnv()) {
      // Its JVM exited before it could register: the environment's options or variables keep
      // a JVM from starting, and every worker of it will fail alike. The leases waiting for
      // one fail now, with the JVM's own words, rather than start JVMs for ever.
      ArrayDeque<Lease> waiting = awaitingWorker.remove(w.key);
      String message =
          "node "
              + localId
              + ": a worker JVM with this runtime environment "
              + w.key.describeEnv()
              + " exited before it registered: "
              + why
              + w.outputTail()
              + "; fix the environment's JVM options or variables";
      for (Lease l : waiting == null ? List.<Lease>of() : List.copyOf(waiting)) {
        if (abandon(l)) {
          after.add(
              () ->
                  Lease.send(l.reply, LeaseReply.newBuilder().setBadEnvironment(message).build()));
        }
      }
    } else if (!starts.covers(w.key, waitingFor(w.key))) {
      Lease l = awaitingWorker.get(w.key).peekFirst();
      abandon(l);
      after.add(() -> l.reject(reason));
    }
    launchStarts(after);
    dispatch(after);
  }

  /**
   * Handles {@code RegisterWorker}: runs {@code reply} (the answer to the worker) before the worker
   * is handed to a waiting lease. Returns an error message, or null when registered.
   */
  String registered(String workerId, int pid, Address address, Runnable reply) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      WorkerHandle w = pool.get(workerId);
      if (w == null || w.removed) {
        return "worker "
            + workerId
            + " is not known to node "
            + localId
            + ": only workers this node manager started (and has not given up on) may register";
      }
      if (w.state != WorkerInfo.State.STARTING) {
        return "worker " + workerId + " is already registered";
      }
      if (w.startTimeout != null) {
        w.startTimeout.cancel(false);
      }
      if (w.pid < 0) {
        w.pid = pid;
      } else if (pid != w.pid) {
        LOG.debug("{} registered with pid {}", w, pid);
      }
      w.address = address.toBuilder().setNodeId(localId.value()).setWorkerId(w.id).build();
      long ms = (System.nanoTime() - w.launchedNanos) / 1_000_000;
      LOG.debug("{} registered at {} after {} ms", w, w.hostPort(), ms);
      after.add(reply);
      offerWorker(w, after);
      launchStarts(after);
      WorkerInfo info = w.info();
      after.add(() -> events.registered(info));
      notifyAll();
    }
    run(after);
    return null;
  }

  private void exited(WorkerHandle w, int exitCode) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      boolean wasRegistered = w.address != null;
      WorkerInfo info = w.info();
      // Not a failure when stopped on purpose: removed without a kill reason (idle, shutdown).
      String failure = w.removed ? w.killReason : null;
      if (!w.removed) {
        if (w.state == WorkerInfo.State.STARTING) {
          startFailed(w, "it exited with code " + exitCode + " before registering", true, after);
          wasRegistered = false;
        } else {
          String leaseIds = null;
          for (Lease lease : new ArrayList<>(w.leases)) {
            if (lease.state == Lease.State.GRANTED) {
              leaseIds = leaseIds == null ? lease.hexId() : leaseIds + ", " + lease.hexId();
              releaseGrant(lease);
              forget(lease);
            }
          }
          w.removed = true;
          w.state = WorkerInfo.State.STOPPING;
          pool.remove(w);
          failure = WorkerFailureReporter.exitReason(exitCode, leaseIds);
          LOG.warn("{} {}", w, failure);
        }
      }
      revokeLeasesOf(w.id, after);
      if (wasRegistered) {
        after.add(() -> events.died(info, exitCode));
        if (failure != null) {
          String reason = failure;
          after.add(() -> failures.report(info, exitCode, reason));
        }
      }
      after.add(() -> stopper.kill(w));
      dispatch(after);
    }
    run(after);
  }

  /**
   * The submitter of some leases died: the leases end and their workers are killed. Returns the
   * workers killed (those whose processes were started).
   */
  private List<WorkerHandle> revokeLeasesOf(String submitterWorkerId, List<Runnable> after) {
    List<WorkerHandle> killed = new ArrayList<>();
    for (Lease l : new ArrayList<>(leases.values())) {
      if (!l.submitterWorkerId().equals(submitterWorkerId)) {
        continue;
      }
      if (l.state == Lease.State.GRANTED) {
        WorkerHandle w = l.worker;
        releaseGrant(l);
        forget(l);
        LOG.info("the submitter of lease {} died; killing its {}", l.hexId(), w);
        retire(w, after, WorkerFailureReporter.killedSubmitterDied(submitterWorkerId));
        killed.add(w);
      } else if (abandon(l)) {
        after.add(() -> l.reject("its submitter " + submitterWorkerId + " died"));
      }
    }
    return killed;
  }

  /**
   * A submitter that is not one of this node's workers died (the GCS found a driver dead): its
   * leases here end as a dead local worker's do. Returns the exits of the workers killed, so that
   * what they stored can be cleaned up once they are gone.
   */
  List<CompletableFuture<Process>> revokeLeasesOfDeadSubmitter(String submitterWorkerId) {
    List<Runnable> after = new ArrayList<>();
    List<CompletableFuture<Process>> exits = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return exits;
      }
      for (WorkerHandle w : revokeLeasesOf(submitterWorkerId, after)) {
        if (w.process != null) {
          exits.add(w.process.onExit());
        }
      }
      dispatch(after);
    }
    run(after);
    return exits;
  }

  /** Stops idle workers beyond the prestarted ones that have been idle too long. */
  void stopIdleWorkers() {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      for (WorkerHandle w :
          pool.expiredIdle(
              System.nanoTime(), config.workerIdleTimeout(), config.prestartWorkers())) {
        LOG.debug("stopping {}: idle for longer than {}", w, config.workerIdleTimeout());
        retire(w, after, null);
      }
    }
    run(after);
  }

  // ------------------------------------------------------------------------------ cluster view

  /** Folds the GCS's view of the cluster into the remote part of the local view. */
  synchronized void updateClusterView(List<NodeInfo> nodes) {
    decider.update(nodes);
  }

  /** The resource shapes answered infeasible recently (see {@link InfeasibleDemands}). */
  List<dev.prism.runtime.rpc.InfeasibleDemand> infeasibleDemands() {
    return infeasible.current(System.nanoTime());
  }

  synchronized long leasesGranted() {
    return leasesGranted;
  }

  synchronized int knownNodes() {
    return decider.knownNodes();
  }

  synchronized ResourceSet available() {
    return local.available();
  }

  synchronized ResourceSet total() {
    return local.total();
  }

  synchronized List<WorkerInfo> workers() {
    return pool.all().stream().map(WorkerHandle::info).toList();
  }

  /** Waits until at least {@code count} workers are registered; false on timeout. */
  synchronized boolean awaitRegistered(int count, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (pool.registered() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || closed) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** Rejects what is pending and hands back every worker, for the caller to stop. */
  List<WorkerHandle> shutdown() {
    List<Lease> pending = new ArrayList<>();
    List<WorkerHandle> workers;
    synchronized (this) {
      closed = true;
      for (Lease l : new ArrayList<>(leases.values())) {
        if (abandon(l)) {
          pending.add(l);
        }
      }
      starts.clear();
      workers = pool.all();
      for (WorkerHandle w : workers) {
        w.removed = true;
        w.state = WorkerInfo.State.STOPPING;
        if (w.startTimeout != null) {
          w.startTimeout.cancel(false);
        }
        pool.remove(w);
      }
      notifyAll();
    }
    for (Lease l : pending) {
      l.reject("node " + localId + " is shutting down");
    }
    return workers;
  }
}
