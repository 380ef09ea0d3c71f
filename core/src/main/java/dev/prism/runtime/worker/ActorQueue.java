package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.PendingCallsLimitExceededException;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls this process makes to one actor, on the caller's side: numbered in submission order,
 * held (in order) until their pending arguments are ready, pushed over one stream straight to the
 * actor's process while it is alive, held while it is being created or restarted, and retried or
 * failed when its process dies. What the actor is doing is learned from the GCS by long polling,
 * only while there is no working stream.
 *
 * <p>All state is guarded by this object's monitor. Results are recorded outside it (on the timer
 * thread when found under it), so one queue's lock is never held while another's is taken.
 */
final class ActorQueue {

  private static final Logger LOG = LoggerFactory.getLogger(ActorQueue.class);

  /** How long one long poll of the GCS waits for an actor that is being (re)created. */
  private final long pollMillis;

  /**
   * The long poll while the actor waits to be created and no reason was seen yet: short, so an
   * actor that cannot be placed anywhere is told to the user soon (see {@link #warnIfInfeasible}).
   */
  static final long PENDING_POLL_MILLIS = 2_000;

  /** How many short polls one queue makes while its actor waits for creation. */
  static final int PENDING_SHORT_POLLS = 15;

  private int shortPolls;

  /** What a queue needs from the process that calls the actor. */
  interface Host {
    /** A call's reply came back. */
    void onReply(PendingTask task, PushTaskReply reply);

    /** Inlines a call's ready arguments; returns an argument's error value, or null. */
    StoredValue inlineResolved(PendingTask task);

    /** Records a call's final value. */
    void finish(PendingTask task, StoredValue value);

    /** Records that a call was cancelled. */
    void finishCancelled(PendingTask task);

    /** Drops a generator value nobody waits for (the call ended or is unknown). */
    void discardItem(dev.prism.runtime.rpc.GeneratorItem item);

    /** Fails a call because the actor is dead ({@code info}: its last known state, or null). */
    void failDead(PendingTask task, String message, ActorInfo info);

    /** The queue of a dead actor holds nothing any more: a later call makes a fresh one. */
    void forget(ActorQueue queue);

    /** Asks the actor's process to drop or interrupt a call it was sent. */
    void cancelRemote(Address target, ByteString taskId, boolean recursive);

    /** Tells the user (once per shape) that the actor cannot be placed on any node. */
    void warnInfeasible(
        ResourceAmounts resources,
        java.util.Map<String, String> labelSelector,
        String what,
        String reason);

    /** The GCS, which says what the actor is doing. */
    GcsServiceGrpc.GcsServiceStub gcs();

    /** The shared channel to a process. */
    ManagedChannel channelTo(Address address);

    /** Closes the channel to a process whose stream broke. */
    void forgetChannel(Address address);

    /** Whether this process is shutting down. */
    boolean isShutdown();

    /** Runs {@code r} soon on another thread, outside any queue's lock. */
    void later(Runnable r);

    /** Runs {@code r} after {@code millis} on another thread. */
    void schedule(Runnable r, long millis);
  }

  /**
   * Where the queue stands with the actor's process. Whether a long poll of the GCS is in flight is
   * tracked apart: polls run in {@link #WAITING} and {@link #RECONNECTING}, and one started before
   * a connection may still be answered after it.
   */
  enum State {
    /** No stream: calls wait while the GCS is asked what the actor is doing. */
    WAITING,
    /** The stream to the same instance broke: waiting for its channel to be ready again. */
    RECONNECTING,
    /** A push stream to the actor's process is open (or opening). */
    CONNECTED,
    /** The actor is dead, or this process shut down: every call fails. Final. */
    DEAD;

    /** Whether a queue in this state may move to {@code next}. */
    boolean allows(State next) {
      return switch (this) {
        case WAITING -> next == RECONNECTING || next == CONNECTED || next == DEAD;
        case RECONNECTING -> next == WAITING || next == CONNECTED || next == DEAD;
        case CONNECTED -> next == WAITING || next == DEAD;
        case DEAD -> false;
      };
    }
  }

  private State state = State.WAITING;

  private final Host host;
  final ByteString actorId;
  final String display;
  private final int maxPendingCalls;
  private final int maxTaskRetries;

  /** One push stream to the actor's process. */
  private static final class Connection {
    final Address address;
    StreamObserver<PushTaskRequest> requests;
    boolean broken;

    Connection(Address address) {
      this.address = address;
    }
  }

  /** The latest actor info (without its creation spec, which callers do not need). */
  private ActorInfo info;

  /** The stream: set exactly while {@link State#CONNECTED}. */
  private Connection conn;

  private boolean polling;

  /** Which wait for a channel is current; a wait that was given up ignores its wake-up. */
  private long reconnectEpoch;

  private boolean waitingOnHead;
  private long nextSequence;
  private String lastBreak = "";

  /** Calls not pushed yet, in order. */
  private final ArrayDeque<PendingTask> unsent = new ArrayDeque<>();

  /** Calls pushed on the current stream, in order. */
  private final LinkedHashMap<ByteString, PendingTask> inflight = new LinkedHashMap<>();

  /**
   * Calls in flight when the stream broke, in order: whether they are run again (max task retries)
   * or fail, and with what cause, is settled once the GCS says what happened.
   */
  private final List<PendingTask> limbo = new ArrayList<>();

  /** Whether the GCS said the actor is infeasible (the user was warned). */
  private boolean infeasibleSeen;

  ActorQueue(
      Host host,
      ByteString actorId,
      String display,
      int maxTaskRetries,
      int maxPendingCalls,
      long pollMillis) {
    this.host = host;
    this.pollMillis = pollMillis;
    this.actorId = actorId;
    this.display = display;
    this.maxTaskRetries = maxTaskRetries;
    this.maxPendingCalls = maxPendingCalls;
  }

  /** Moves to {@code next}, refusing a move the state machine does not have. */
  private void transition(State next) {
    if (!state.allows(next)) {
      throw new IllegalStateException(
          "actor " + display + ": queue cannot go from " + state + " to " + next);
    }
    state = next;
  }

  /** Where the queue stands (for tests and diagnostics). */
  synchronized State state() {
    return state;
  }

  /**
   * Adds a call. {@code register} runs under this queue's lock before the call can be pushed (so
   * its result has somewhere to go), after the pending-call limit was checked.
   */
  void submit(PendingTask task, Runnable register) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      int pending = unsent.size() + inflight.size() + limbo.size();
      if (maxPendingCalls > 0 && pending >= maxPendingCalls) {
        throw new PendingCallsLimitExceededException(
            "actor "
                + display
                + " already has "
                + pending
                + " pending calls from this process, its max pending calls: wait for"
                + " results (Prism.get or Prism.wait) before submitting more, or raise"
                + " setMaxPendingCalls");
      }
      register.run();
      task.actor = this;
      task.retriesLeft = maxTaskRetries < 0 ? Integer.MAX_VALUE : maxTaskRetries;
      task.spec.setSequenceNumber(nextSequence++);
      if (state == State.DEAD) {
        ActorInfo last = info;
        String message = deathMessage();
        after.add(() -> host.failDead(task, message, last));
      } else {
        unsent.add(task);
        pump();
      }
    }
    run(after);
  }

  /** Pushes what is waiting when connected; otherwise makes sure the GCS is being asked. */
  private void pump() {
    if (state == State.DEAD) {
      return;
    }
    if (state == State.CONNECTED && conn.requests != null) {
      while (!unsent.isEmpty() && conn != null) {
        PendingTask task = unsent.peek();
        if (task.cancelled) {
          unsent.poll();
          host.later(() -> host.finishCancelled(task));
          continue;
        }
        if (task.argsReady != null) {
          if (!task.argsReady.isDone()) {
            waitForHead(task);
            return;
          }
          task.argsReady = null;
          StoredValue error = host.inlineResolved(task);
          if (error != null) {
            unsent.poll();
            host.later(() -> host.finish(task, error));
            continue;
          }
        }
        unsent.poll();
        push(task);
      }
      return;
    }
    if (!polling && state == State.WAITING && (!unsent.isEmpty() || !limbo.isEmpty())) {
      poll(nextPollMillis());
    }
  }

  /** The call at the head waits for an argument: everything behind it waits too (order). */
  private void waitForHead(PendingTask task) {
    if (waitingOnHead) {
      return;
    }
    waitingOnHead = true;
    task.argsReady.whenComplete(
        (ok, error) ->
            host.later(
                () -> {
                  synchronized (this) {
                    waitingOnHead = false;
                    pump();
                  }
                }));
  }

  private void push(PendingTask task) {
    task.spec.setAttempt(task.attempt);
    inflight.put(task.spec.getTaskId(), task);
    try {
      conn.requests.onNext(PushTaskRequest.newBuilder().setSpec(task.spec).build());
    } catch (RuntimeException e) {
      // The call under the stream is already closed: handled like a break.
      List<Runnable> after = new ArrayList<>();
      broken(conn, e.toString(), after);
      for (Runnable r : after) {
        host.later(r);
      }
    }
  }

  private long nextPollMillis() {
    boolean waitingForCreation =
        info == null || info.getState() == dev.prism.runtime.rpc.ActorState.PENDING_CREATION;
    // Short polls only for the first half minute of a wait: enough to see an infeasible reason
    // soon, without every actor that waits long for busy resources asking the GCS every 2 s.
    if (waitingForCreation && !infeasibleSeen && shortPolls < PENDING_SHORT_POLLS) {
      shortPolls++;
      return Math.min(pollMillis, PENDING_POLL_MILLIS);
    }
    return pollMillis;
  }

  /** The GCS says the actor cannot be placed on any node: the user is told (once per shape). */
  private void warnIfInfeasible(ActorInfo actor) {
    if (actor.getState() == dev.prism.runtime.rpc.ActorState.PENDING_CREATION
        && actor.getPendingKind() == dev.prism.runtime.rpc.PendingKind.PENDING_INFEASIBLE) {
      infeasibleSeen = true;
      host.warnInfeasible(
          actor.getSpec().getResources(),
          actor.getSpec().getStrategy().getLabelSelectorMap(),
          "actor " + display,
          actor.getPendingReason());
    }
  }

  private void poll(long timeoutMillis) {
    polling = true;
    long after = info == null ? 0 : info.getVersion();
    GetActorRequest request =
        GetActorRequest.newBuilder()
            .setActorId(actorId)
            .setAfterVersion(after)
            .setTimeoutMs(timeoutMillis)
            .build();
    host.gcs()
        .withDeadlineAfter(timeoutMillis + 10_000, TimeUnit.MILLISECONDS)
        .getActor(
            request,
            new StreamObserver<>() {
              @Override
              public void onNext(GetActorReply reply) {
                onInfo(reply);
              }

              @Override
              public void onError(Throwable t) {
                synchronized (ActorQueue.this) {
                  polling = false;
                }
                if (host.isShutdown()) {
                  return;
                }
                LOG.debug("asking the GCS about actor {} failed: {}", display, t.toString());
                host.schedule(
                    () -> {
                      synchronized (ActorQueue.this) {
                        pump();
                      }
                    },
                    500);
              }

              @Override
              public void onCompleted() {}
            });
  }

  private void onInfo(GetActorReply reply) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      polling = false;
      if (state == State.DEAD) {
        return;
      }
      if (!reply.getFound()) {
        markDead(
            "the GCS does not know it (it was never registered, or the cluster it"
                + " belonged to is gone)",
            null,
            after);
      } else {
        ActorInfo n = reply.getActor();
        warnIfInfeasible(n);
        boolean newer = info == null || n.getVersion() > info.getVersion();
        if (newer) {
          info = n.toBuilder().clearSpec().build();
          // Whatever happened to the instance being waited for, it is news: stop waiting for
          // its channel (a restarted actor is connected to at once, a restarting one polled).
          if (state == State.RECONNECTING) {
            transition(State.WAITING);
          }
        }
        switch (info.getState()) {
          case ALIVE -> {
            settleLimbo(
                newer
                    ? "its process died while running the call (" + info.getDeathCause() + ")"
                    : "the connection to it broke while it ran the call (" + lastBreak + ")",
                after);
            if (state == State.WAITING) {
              if (newer) {
                connect(info.getAddress());
              } else {
                // The same instance, by the GCS's account: its stream broke but it may live.
                reconnectWhenReady(info.getAddress());
              }
            }
          }
          case DEAD -> markDead(info.getDeathCause(), info, after);
          case PENDING_CREATION, RESTARTING -> {
            if (newer) {
              settleLimbo(
                  "its process died while running the call (" + info.getDeathCause() + ")", after);
            }
          }
          default -> {}
        }
        pump();
      }
    }
    run(after);
  }

  /**
   * The GCS still says the instance whose stream broke is alive (a dropped connection, or a death
   * it has not heard of yet): connect again only once a connection to it is established, so no call
   * is pushed to a process that is gone (the long poll meanwhile learns of a death).
   */
  private void reconnectWhenReady(Address address) {
    io.grpc.ManagedChannel channel = host.channelTo(address);
    io.grpc.ConnectivityState channelState = channel.getState(true);
    if (channelState == io.grpc.ConnectivityState.READY) {
      connect(address);
      return;
    }
    if (channelState == io.grpc.ConnectivityState.SHUTDOWN) {
      host.schedule(
          () -> {
            synchronized (this) {
              pump();
            }
          },
          200);
      return;
    }
    transition(State.RECONNECTING);
    long epoch = ++reconnectEpoch;
    channel.notifyWhenStateChanged(
        channelState,
        () ->
            host.later(
                () -> {
                  synchronized (this) {
                    if (state != State.RECONNECTING || epoch != reconnectEpoch) {
                      return; // given up: the GCS reported a newer instance meanwhile
                    }
                    transition(State.WAITING);
                    if (info != null && info.getAddress().equals(address)) {
                      reconnectWhenReady(address);
                    }
                    // Otherwise the actor moved on: pump connects to it or asks the GCS again.
                    pump();
                  }
                }));
    if (!polling) {
      poll(pollMillis);
    }
  }

  private void connect(Address address) {
    Connection c = new Connection(address);
    transition(State.CONNECTED);
    conn = c;
    StreamObserver<PushTaskRequest> requests =
        CoreWorkerServiceGrpc.newStub(host.channelTo(address))
            .pushTasks(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PushTaskReply reply) {
                    if (reply.hasGeneratorItem()) {
                      onGeneratorItem(c, reply);
                    } else {
                      onReply(reply);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    onBroken(c, t.toString());
                  }

                  @Override
                  public void onCompleted() {
                    onBroken(c, "the actor closed the stream");
                  }
                });
    // A stream that failed at once was already handled (conn is no longer c).
    if (!c.broken) {
      c.requests = requests;
    }
  }

  /** A value of a streaming call: to its generator, or dropped. */
  private void onGeneratorItem(Connection c, PushTaskReply reply) {
    PendingTask task;
    synchronized (this) {
      task = inflight.get(reply.getTaskId());
    }
    StreamingGenerator<?> generator = task == null ? null : task.generator;
    if (generator == null) {
      host.discardItem(reply.getGeneratorItem());
      return;
    }
    generator.onItem(reply.getGeneratorItem(), ack -> sendOn(c, ack));
  }

  /** Sends a message on the actor's stream, unless that stream broke meanwhile. */
  private synchronized void sendOn(Connection c, PushTaskRequest message) {
    if (!c.broken && c.requests != null) {
      try {
        c.requests.onNext(message);
      } catch (RuntimeException e) {
        // The stream closed: its break is handled by its observer.
      }
    }
  }

  private void onReply(PushTaskReply reply) {
    PendingTask task;
    synchronized (this) {
      task = inflight.remove(reply.getTaskId());
    }
    if (task != null) {
      host.onReply(task, reply);
    }
  }

  private void onBroken(Connection c, String why) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      broken(c, why, after);
    }
    run(after);
  }

  private void broken(Connection c, String why, List<Runnable> after) {
    if (c.broken) {
      return;
    }
    c.broken = true;
    if (conn != c) {
      return;
    }
    conn = null;
    transition(State.WAITING);
    lastBreak = why;
    after.add(() -> host.forgetChannel(c.address));
    for (PendingTask task : inflight.values()) {
      if (task.cancelled) {
        after.add(() -> host.finishCancelled(task));
      } else {
        limbo.add(task);
      }
    }
    inflight.clear();
    LOG.debug("the stream to actor {} broke ({}); asking the GCS what happened", display, why);
    if (!polling) {
      poll(pollMillis);
    }
  }

  /**
   * Decides the calls that were in flight when the stream broke: run again, ahead of the calls not
   * sent yet and in their order, while they have retries left; failed otherwise.
   */
  private void settleLimbo(String why, List<Runnable> after) {
    if (limbo.isEmpty()) {
      return;
    }
    String message =
        "actor "
            + display
            + " did not finish the call: "
            + why
            + (maxTaskRetries == 0 ? "; calls are only run again with max task retries set" : "");
    List<PendingTask> retry = new ArrayList<>();
    for (PendingTask task : limbo) {
      if (task.retriesLeft > 0) {
        task.retriesLeft--;
        task.attempt++;
        retry.add(task);
      } else {
        after.add(() -> host.failDead(task, message, null));
      }
    }
    limbo.clear();
    for (int i = retry.size() - 1; i >= 0; i--) {
      unsent.addFirst(retry.get(i));
    }
  }

  /**
   * This process killed the actor for good (the GCS has marked it dead): pending and later calls
   * fail now, even if the actor's process still answers until it is stopped.
   */
  void killedHere(String cause) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (state == State.DEAD) {
        return;
      }
      markDead(cause, null, after);
    }
    run(after);
  }

  private void markDead(String cause, ActorInfo dying, List<Runnable> after) {
    transition(State.DEAD);
    if (dying != null) {
      info = dying;
    }
    String message = deathMessage(cause);
    List<PendingTask> all = new ArrayList<>(limbo);
    all.addAll(inflight.values());
    all.addAll(unsent);
    limbo.clear();
    inflight.clear();
    unsent.clear();
    ActorInfo last = info;
    for (PendingTask task : all) {
      after.add(() -> host.failDead(task, message, last));
    }
    Connection c = conn;
    conn = null;
    if (c != null && c.requests != null) {
      c.broken = true;
      after.add(
          () -> {
            try {
              c.requests.onCompleted();
            } catch (RuntimeException e) {
              LOG.debug("closing the stream to dead actor {}", display, e);
            }
          });
    }
    after.add(() -> host.forget(this));
  }

  private String deathMessage() {
    return deathMessage(info == null ? "" : info.getDeathCause());
  }

  private String deathMessage(String cause) {
    return "actor " + display + " is dead: " + (cause.isEmpty() ? "no cause was given" : cause);
  }

  /**
   * Cancels a call: dropped if not pushed yet; otherwise the actor is asked to drop or interrupt
   * it. Returns whether the call was still pending.
   */
  boolean cancel(PendingTask task) {
    Address target;
    synchronized (this) {
      if (unsent.remove(task)) {
        host.later(() -> host.finishCancelled(task));
        return true;
      }
      if (!inflight.containsKey(task.spec.getTaskId())) {
        return limbo.contains(task);
      }
      target = conn == null ? null : conn.address;
    }
    if (target != null) {
      host.cancelRemote(target, task.spec.getTaskId(), task.cancelRecursive);
    }
    return true;
  }

  /** Closes the stream (shutdown); pending calls are failed by the task host. */
  synchronized void close() {
    if (state == State.DEAD) {
      return;
    }
    transition(State.DEAD);
    unsent.clear();
    inflight.clear();
    limbo.clear();
    Connection c = conn;
    conn = null;
    if (c != null && c.requests != null) {
      try {
        c.requests.onCompleted();
      } catch (RuntimeException e) {
        LOG.debug("closing the stream to actor {}", display, e);
      }
    }
  }

  private static void run(List<Runnable> after) {
    for (Runnable r : after) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("an actor call could not be finished", e);
      }
    }
  }

  /** For messages: refuses a force-cancel, which would kill the whole actor. */
  static PrismException noForceCancel(String display) {
    return new PrismException(
        "a call to actor "
            + display
            + " cannot be force-cancelled (that"
            + " would kill the actor and every other call on it): cancel it without force, or kill"
            + " the actor with Prism.kill");
  }
}
