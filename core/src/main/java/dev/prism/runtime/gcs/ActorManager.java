package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.KillActorRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.ReportWorkerFailureRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GCS actor table and the life cycle of each actor: registration, placement through worker
 * leases, creation on the granted worker, restarts after process deaths, kills, and long polls on
 * an actor's version.
 *
 * <p>One monitor (this object's) guards the table, here and in {@link ActorPlacement}, which places
 * instances; RPCs (through {@link ActorScheduler}) and replies to callers happen outside it:
 * methods collect them in a list of actions that runs after the monitor is released.
 */
final class ActorManager implements NodeListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ActorManager.class);

  /** The death cause of an actor killed without a reason. */
  static final String DEFAULT_KILL_REASON = "it was killed with Prism.kill";

  /** The death cause of an actor whose last handle went out of scope. */
  static final String OUT_OF_SCOPE_REASON = "all handles to it went out of scope";

  /** The default bound on DEAD actors kept for lookups and listing. */
  static final int DEFAULT_MAX_DEAD = 10_000;

  /** The longest a long poll waits. */
  static final Duration MAX_POLL = Duration.ofSeconds(60);

  /** A long poll waiting for an actor's version to move. */
  static final class Waiter {
    /** The actor waited on; set (under the manager's monitor) once it is found. */
    ActorEntry entry;

    private final StreamObserver<GetActorReply> out;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile ScheduledFuture<?> timer;

    Waiter(StreamObserver<GetActorReply> out) {
      this.out = out;
    }

    /** Answers once with the given info; later calls do nothing. */
    void answer(ActorInfo info) {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      reply(out, info);
    }

    void timer(ScheduledFuture<?> t) {
      timer = t;
      if (done.get() && t != null) {
        t.cancel(false);
      }
    }
  }

  private final ActorScheduler scheduler;
  private final ActorPlacement placement;
  private final int maxDead;

  private final Map<ByteString, ActorEntry> actors = new LinkedHashMap<>();

  /** Name key to the non-DEAD actor of that name. */
  private final Map<String, ByteString> liveNames = new HashMap<>();

  /** Name key to the most recent DEAD actor of that name. */
  private final Map<String, ByteString> deadNames = new HashMap<>();

  /** Worker id to the actor whose current instance it hosts (or is creating). */
  final Map<String, ByteString> hosts = new HashMap<>();

  /** Owner worker id to its non-detached, non-DEAD actors. */
  private final Map<String, Set<ByteString>> owned = new HashMap<>();

  /** DEAD actors, oldest death first. */
  private final ArrayDeque<ByteString> deadOrder = new ArrayDeque<>();

  private long nextAttempt = 1;
  boolean closed;

  ActorManager(NodeTable nodes, GcsConfig config) {
    this(nodes, config, DEFAULT_MAX_DEAD);
  }

  ActorManager(NodeTable nodes, GcsConfig config, int maxDead) {
    this.maxDead = maxDead;
    this.scheduler = new ActorScheduler(config.actorCreationTimeout(), config.token());
    this.placement = new ActorPlacement(this, nodes, scheduler, config.actorRetryPeriod());
    scheduler.callbacks(placement);
  }

  /** Sets the address the GCS serves on (the submitter of its lease requests). */
  void serveAt(String host, int port) {
    scheduler.serveAt(host, port);
  }

  private static void reply(StreamObserver<GetActorReply> out, ActorInfo info) {
    try {
      out.onNext(
          info == null
              ? GetActorReply.getDefaultInstance()
              : GetActorReply.newBuilder().setFound(true).setActor(info).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("a GetActor caller went away: {}", e.toString());
    }
  }

  static void run(List<Runnable> actions) {
    for (Runnable r : actions) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("GCS actor action failed", e);
      }
    }
  }

  // --- the RPCs ---

  /**
   * Registers an actor as PENDING_CREATION (version 1) and schedules its creation.
   *
   * @throws StatusRuntimeException INVALID_ARGUMENT, ALREADY_EXISTS, or UNAVAILABLE when closed
   */
  ActorInfo register(ActorCreationSpec spec) {
    Optional<String> problem = ActorSpecs.problem(spec);
    if (problem.isPresent()) {
      throw Status.INVALID_ARGUMENT.withDescription(problem.get()).asRuntimeException();
    }
    ActorEntry e;
    synchronized (this) {
      if (closed) {
        throw Status.UNAVAILABLE.withDescription("the GCS is shutting down").asRuntimeException();
      }
      if (actors.containsKey(spec.getActorId())) {
        throw Status.ALREADY_EXISTS
            .withDescription(
                ActorSpecs.describe(spec)
                    + " is already registered; give every actor a fresh random id")
            .asRuntimeException();
      }
      e = new ActorEntry(spec, nextAttempt++);
      String key = e.nameKey();
      if (key != null) {
        ByteString holder = liveNames.get(key);
        if (holder != null) {
          ActorEntry other = actors.get(holder);
          throw Status.ALREADY_EXISTS
              .withDescription(
                  "an actor named '"
                      + spec.getName()
                      + "' already exists in namespace '"
                      + spec.getNamespace()
                      + "' ("
                      + ActorSpecs.hex(holder)
                      + ", "
                      + other.state()
                      + ")"
                      + "; choose another name or look it up with Prism.getActor")
              .asRuntimeException();
        }
        liveNames.put(key, e.id);
      }
      actors.put(e.id, e);
      if (!spec.getDetached()) {
        owned.computeIfAbsent(spec.getOwner().getWorkerId(), w -> new LinkedHashSet<>()).add(e.id);
      }
    }
    LOG.debug(
        "{} registered (class {}, owner worker {}); scheduling it",
        e.describe(),
        spec.getClassName(),
        spec.getOwner().getWorkerId());
    long attempt = e.attempt;
    scheduler.now(() -> placement.schedule(e.id, attempt));
    return e.info;
  }

  /** Answers a GetActor, at once or (long poll) when the version moves or the wait ends. */
  void get(GetActorRequest request, StreamObserver<GetActorReply> out) {
    if (request.getActorId().isEmpty() && request.getName().isEmpty()) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("GetActor needs an actor_id or a name (with its namespace)")
              .asRuntimeException());
      return;
    }
    Waiter w = null;
    if (request.getAfterVersion() > 0) {
      w = new Waiter(out);
      Waiter cancelled = w;
      if (out instanceof ServerCallStreamObserver<GetActorReply> call) {
        // Before the waiter is visible: another thread may answer it as soon as it is.
        call.setOnCancelHandler(() -> forget(cancelled));
      }
    }
    boolean waiting = false;
    ActorInfo now;
    synchronized (this) {
      ActorEntry e = lookup(request);
      now = e == null ? null : e.info;
      if (w != null && e != null && !closed && e.info.getVersion() <= request.getAfterVersion()) {
        w.entry = e;
        e.waiters.add(w);
        waiting = true;
      }
    }
    if (!waiting) {
      reply(out, now);
      return;
    }
    long ms = request.getTimeoutMs();
    Duration wait = ms <= 0 || ms > MAX_POLL.toMillis() ? MAX_POLL : Duration.ofMillis(ms);
    Waiter waiter = w;
    waiter.timer(scheduler.later(() -> timeOut(waiter), wait));
  }

  private ActorEntry lookup(GetActorRequest request) {
    if (!request.getActorId().isEmpty()) {
      return actors.get(request.getActorId());
    }
    String key = ActorSpecs.nameKey(request.getNamespace(), request.getName());
    ByteString id = liveNames.get(key);
    if (id == null) {
      id = deadNames.get(key);
    }
    return id == null ? null : actors.get(id);
  }

  private void forget(Waiter w) {
    synchronized (this) {
      if (w.entry != null) {
        w.entry.waiters.remove(w);
      }
    }
    w.done.set(true);
    ScheduledFuture<?> t = w.timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void timeOut(Waiter w) {
    ActorInfo info;
    synchronized (this) {
      w.entry.waiters.remove(w);
      info = w.entry.info;
    }
    w.answer(info);
  }

  /**
   * Kills an actor: see {@code KillActorRequest}.
   *
   * @return false when no such actor is registered
   */
  boolean kill(KillActorRequest request) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      ActorEntry e = actors.get(request.getActorId());
      if (e == null) {
        return false;
      }
      if (e.dead() || closed) {
        return true;
      }
      if (request.getOutOfScope() && e.spec.getDetached()) {
        LOG.debug("{} is out of scope for its owner but detached; keeping it", e.describe());
        return true;
      }
      String reason =
          !request.getReason().isEmpty()
              ? request.getReason()
              : request.getOutOfScope() ? OUT_OF_SCOPE_REASON : DEFAULT_KILL_REASON;
      if (request.getNoRestart() || request.getOutOfScope()) {
        markDead(e, reason, ByteString.EMPTY, after);
      } else if (e.lease != null) {
        LOG.info("{} killed ({}); restarting it", e.describe(), reason);
        instanceDied(e, reason, true, after);
      } else {
        LOG.debug("{} killed with restart while {}: no instance to kill", e.describe(), e.state());
      }
    }
    run(after);
    return true;
  }

  /** Returns every actor in the table, in registration order. */
  synchronized List<ActorInfo> list() {
    List<ActorInfo> out = new ArrayList<>(actors.size());
    for (ActorEntry e : actors.values()) {
      out.add(e.info);
    }
    return out;
  }

  /** Returns one actor's current info. */
  synchronized Optional<ActorInfo> info(ByteString actorId) {
    ActorEntry e = actors.get(actorId);
    return e == null ? Optional.empty() : Optional.of(e.info);
  }

  /** A worker died: its actor instance restarts or dies; actors it owned are destroyed. */
  void workerFailed(ReportWorkerFailureRequest request) {
    String workerId = request.getWorkerId();
    if (workerId.isEmpty()) {
      return;
    }
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      ByteString hosted = hosts.get(workerId);
      ActorEntry e = hosted == null ? null : actors.get(hosted);
      if (e != null && !e.dead() && e.lease != null && e.lease.workerId().equals(workerId)) {
        String why =
            request.getReason().isEmpty()
                ? "exit code " + request.getExitCode()
                : request.getReason();
        instanceDied(e, why, true, after);
      }
      Set<ByteString> children = owned.get(workerId);
      if (children != null) {
        for (ByteString id : List.copyOf(children)) {
          ActorEntry child = actors.get(id);
          if (child != null && !child.dead()) {
            markDead(child, "its owner (worker " + workerId + ") died", ByteString.EMPTY, after);
          }
        }
      }
    }
    run(after);
  }

  /** A job ended: its actors that are not detached are destroyed. */
  void jobFinished(ByteString jobId) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      for (ActorEntry e : List.copyOf(actors.values())) {
        if (!e.dead() && !e.spec.getDetached() && e.spec.getJobId().equals(jobId)) {
          markDead(e, "its job finished", ByteString.EMPTY, after);
        }
      }
    }
    run(after);
  }

  @Override
  public void nodeDied(NodeInfo node) {
    String nodeId = node.getNodeId();
    String why = "its node " + nodeId + " died: " + node.getDeathReason();
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      for (ActorEntry e : List.copyOf(actors.values())) {
        if (e.dead()) {
          continue;
        }
        Address owner = e.spec.getOwner();
        if (!e.spec.getDetached() && owner.getNodeId().equals(nodeId)) {
          markDead(
              e,
              "its owner (worker " + owner.getWorkerId() + ") died (" + why + ")",
              ByteString.EMPTY,
              after);
        } else if (e.lease != null && e.lease.nodeId.equals(nodeId)) {
          e.lease.claimReturn(); // nothing left there to return it to
          instanceDied(e, why, false, after);
        } else if (e.leaseCall != null && e.leaseNodeId.equals(nodeId)) {
          LOG.debug("{}: the node it asked for a worker died; asking elsewhere", e.describe());
          cancelLeaseCall(e, after);
          e.attempt = nextAttempt++;
          long attempt = e.attempt;
          after.add(() -> scheduler.now(() -> placement.schedule(e.id, attempt)));
        }
      }
    }
    after.add(() -> scheduler.drop(node.getAddress()));
    run(after);
  }

  // --- transitions (under the monitor; RPCs and replies go to `after`) ---

  /** The entry when the attempt is still the current one of a live actor, else null. */
  ActorEntry current(ByteString id, long attempt) {
    ActorEntry e = actors.get(id);
    return e == null || closed || e.dead() || e.attempt != attempt ? null : e;
  }

  /** Bumps the version and wakes the long polls with the new info. */
  void bump(ActorEntry e, List<Runnable> after) {
    e.info = e.info.toBuilder().setVersion(e.info.getVersion() + 1).build();
    if (!e.waiters.isEmpty()) {
      List<Waiter> woken = List.copyOf(e.waiters);
      e.waiters.clear();
      ActorInfo info = e.info;
      after.add(() -> woken.forEach(w -> w.answer(info)));
    }
  }

  private void cancelLeaseCall(ActorEntry e, List<Runnable> after) {
    Context.CancellableContext call = e.leaseCall;
    if (call != null) {
      e.leaseCall = null;
      after.add(() -> call.cancel(null));
    }
  }

  /** Lets go of the current instance's lease (returned as failed when asked). */
  private void dropLease(ActorEntry e, boolean returnIt, List<Runnable> after) {
    ActorEntry.Lease lease = e.lease;
    if (lease == null) {
      return;
    }
    e.lease = null;
    hosts.remove(lease.workerId(), e.id);
    if (returnIt) {
      after.add(() -> scheduler.returnLease(lease, true));
    } else {
      lease.claimReturn();
    }
  }

  /**
   * The current instance's process died (or was killed): the actor restarts when it has restarts
   * left, else it is DEAD.
   */
  void instanceDied(ActorEntry e, String reason, boolean returnLease, List<Runnable> after) {
    ActorEntry.Lease lease = e.lease;
    String cause =
        (lease == null ? "the actor's process" : lease.process()) + " died (" + reason + ")";
    dropLease(e, returnLease, after);
    cancelLeaseCall(e, after);
    int restarts = e.info.getNumRestarts();
    if (!ActorSpecs.canRestart(e.spec, restarts)) {
      markDead(
          e,
          cause + " and it has no restarts left (max restarts " + e.spec.getMaxRestarts() + ")",
          ByteString.EMPTY,
          after);
      return;
    }
    e.attempt = nextAttempt++;
    e.infeasibleWarned = false;
    e.info =
        e.info.toBuilder()
            .setState(ActorState.RESTARTING)
            .setNumRestarts(restarts + 1)
            .setDeathCause(cause)
            .clearAddress()
            .clearPid()
            .clearNodeId()
            .clearGpuIds()
            .clearPendingReason()
            .clearPendingKind()
            .build();
    bump(e, after);
    LOG.info(
        "{}: {}; restarting it (restart {} of {})",
        e.describe(),
        cause,
        restarts + 1,
        e.spec.getMaxRestarts() == -1 ? "unlimited" : e.spec.getMaxRestarts());
    long attempt = e.attempt;
    after.add(() -> scheduler.now(() -> placement.schedule(e.id, attempt)));
  }

  /** The actor is DEAD for good: its lease (if any) is returned as failed, its name freed. */
  void markDead(ActorEntry e, String cause, ByteString creationError, List<Runnable> after) {
    cancelLeaseCall(e, after);
    dropLease(e, true, after);
    e.info =
        e.info.toBuilder()
            .setState(ActorState.DEAD)
            .setDeathCause(cause)
            .setCreationError(creationError)
            .clearAddress()
            .clearGpuIds()
            .clearPendingReason()
            .clearPendingKind()
            .build();
    bump(e, after);
    String key = e.nameKey();
    if (key != null) {
      liveNames.remove(key, e.id);
      deadNames.put(key, e.id);
    }
    Set<ByteString> siblings = owned.get(e.spec.getOwner().getWorkerId());
    if (siblings != null && siblings.remove(e.id) && siblings.isEmpty()) {
      owned.remove(e.spec.getOwner().getWorkerId());
    }
    LOG.info("{} is dead: {}", e.describe(), cause);
    deadOrder.addLast(e.id);
    while (deadOrder.size() > maxDead) {
      ByteString oldest = deadOrder.removeFirst();
      ActorEntry gone = actors.remove(oldest);
      if (gone != null && gone.nameKey() != null) {
        deadNames.remove(gone.nameKey(), oldest);
      }
    }
  }

  /** Cancels the lease requests in flight and answers every long poll; stops the RPCs. */
  @Override
  public void close() {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (ActorEntry e : actors.values()) {
        cancelLeaseCall(e, after);
        if (!e.waiters.isEmpty()) {
          List<Waiter> woken = List.copyOf(e.waiters);
          e.waiters.clear();
          ActorInfo info = e.info;
          after.add(() -> woken.forEach(w -> w.answer(info)));
        }
      }
    }
    run(after);
    scheduler.close();
  }

  /** Returns how many long polls are waiting. */
  synchronized int pendingPolls() {
    int n = 0;
    for (ActorEntry e : actors.values()) {
      n += e.waiters.size();
    }
    return n;
  }

  ActorPlacement placement() {
    return placement;
  }

  int channelCount() {
    return scheduler.channelCount();
  }
}
