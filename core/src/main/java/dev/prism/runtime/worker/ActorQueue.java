package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.PendingCallsLimitExceededException;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls this process makes to one actor, on the caller's side: numbered in submission
 * order, pushed over one stream straight to the actor's process while it is alive, held while
 * it is being created or restarted, and retried or failed when its process dies. What the actor
 * is doing is learned from the GCS by long polling, only while there is no working stream.
 *
 * <p>All state is guarded by this object's monitor; results are recorded outside it.
 */
final class ActorQueue {

  private static final Logger LOG = LoggerFactory.getLogger(ActorQueue.class);
  /** How long one long poll of the GCS waits for the actor to change. */
  static final long POLL_MILLIS = Long.getLong("prism.actor.pollMs", 30_000);

  private final ActorSubmitter submitter;
  final ByteString actorId;
  final String display;
  private final int maxPendingCalls;
  private final int maxTaskRetries;

  private ActorInfo info;
  private StreamObserver<PushTaskRequest> stream;
  private Address connected;
  private int generation;
  private boolean polling;
  private long nextSequence;
  private boolean dead;
  private String lastBreak = "";
  /** Calls not pushed yet, in order. */
  private final ArrayDeque<PendingTask> unsent = new ArrayDeque<>();
  /** Calls pushed on the current stream, in order. */
  private final LinkedHashMap<ByteString, PendingTask> inflight = new LinkedHashMap<>();
  /** Calls lost with a broken stream and not to be retried: failed once the GCS says why. */
  private final List<PendingTask> orphaned = new ArrayList<>();

  ActorQueue(ActorSubmitter submitter, ByteString actorId, String display, int maxTaskRetries,
      int maxPendingCalls) {
    this.submitter = submitter;
    this.actorId = actorId;
    this.display = display;
    this.maxTaskRetries = maxTaskRetries;
    this.maxPendingCalls = maxPendingCalls;
  }

  /**
   * Adds a call. {@code register} runs under this queue's lock before the call can be pushed
   * (so its result has somewhere to go), after the pending-call limit was checked.
   */
  void submit(PendingTask task, Runnable register) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      int pending = unsent.size() + inflight.size() + orphaned.size();
      if (maxPendingCalls > 0 && pending >= maxPendingCalls) {
        throw new PendingCallsLimitExceededException("actor " + display + " already has "
            + pending + " pending calls from this process, its max pending calls: wait for"
            + " results (Prism.get or Prism.wait) before submitting more, or raise"
            + " setMaxPendingCalls");
      }
      register.run();
      task.actor = this;
      task.retriesLeft = maxTaskRetries < 0 ? Integer.MAX_VALUE : maxTaskRetries;
      task.spec.setSequenceNumber(nextSequence++);
      if (dead) {
        ActorInfo last = info;
        String message = deathMessage();
        after.add(() -> submitter.failDead(task, message, last));
      } else {
        unsent.add(task);
        pump();
      }
    }
    run(after);
  }

  /** Pushes what is waiting when connected; otherwise makes sure the GCS is being asked. */
  private void pump() {
    if (dead) {
      return;
    }
    if (stream != null) {
      while (!unsent.isEmpty()) {
        PendingTask task = unsent.poll();
        if (task.cancelled) {
          PendingTask t = task;
          submitter.later(() -> submitter.finishCancelled(t));
          continue;
        }
        task.spec.setAttempt(task.attempt);
        inflight.put(task.spec.getTaskId(), task);
        stream.onNext(PushTaskRequest.newBuilder().setSpec(task.spec).build());
      }
      return;
    }
    if (!polling && (!unsent.isEmpty() || !orphaned.isEmpty())) {
      poll();
    }
  }

  private void poll() {
    polling = true;
    long after = info == null ? 0 : info.getVersion();
    GetActorRequest request = GetActorRequest.newBuilder()
        .setActorId(actorId).setAfterVersion(after).setTimeoutMs(POLL_MILLIS).build();
    submitter.gcs().withDeadlineAfter(POLL_MILLIS + 10_000, TimeUnit.MILLISECONDS)
        .getActor(request, new StreamObserver<>() {
          @Override
          public void onNext(GetActorReply reply) {
            onInfo(reply);
          }

          @Override
          public void onError(Throwable t) {
            synchronized (ActorQueue.this) {
              polling = false;
            }
            if (submitter.isShutdown()) {
              return;
            }
            LOG.debug("asking the GCS about actor {} failed: {}", display, t.toString());
            submitter.schedule(() -> {
              synchronized (ActorQueue.this) {
                pump();
              }
            }, 500);
          }

          @Override
          public void onCompleted() {}
        });
  }

  private void onInfo(GetActorReply reply) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      polling = false;
      if (dead) {
        return;
      }
      if (!reply.getFound()) {
        markDead("the GCS does not know it (it was never registered, or the cluster it"
            + " belonged to is gone)", null, after);
      } else {
        ActorInfo n = reply.getActor();
        boolean newer = info == null || n.getVersion() > info.getVersion();
        if (newer) {
          info = n;
        }
        switch (info.getState()) {
          case ALIVE -> {
            if (!orphaned.isEmpty()) {
              String why = newer
                  ? "its process died while running the call (" + info.getDeathCause()
                      + "); it was restarted, but calls are only run again with max task"
                      + " retries set"
                  : "the connection to it broke while it ran the call (" + lastBreak + ")";
              failOrphaned(why, after);
            }
            if (stream == null) {
              connect(info.getAddress());
            }
          }
          case DEAD -> markDead(info.getDeathCause(), info, after);
          case PENDING_CREATION, RESTARTING -> {
            if (!orphaned.isEmpty() && newer) {
              failOrphaned("its process died while running the call (" + info.getDeathCause()
                  + ") and calls are only run again with max task retries set", after);
            }
          }
          default -> { }
        }
        pump();
      }
    }
    run(after);
  }

  private void connect(Address address) {
    int gen = ++generation;
    connected = address;
    stream = CoreWorkerServiceGrpc.newStub(submitter.channelTo(address))
        .pushTasks(new StreamObserver<>() {
          @Override
          public void onNext(PushTaskReply reply) {
            onReply(reply);
          }

          @Override
          public void onError(Throwable t) {
            onBroken(gen, t.toString());
          }

          @Override
          public void onCompleted() {
            onBroken(gen, "the actor closed the stream");
          }
        });
  }

  private void onReply(PushTaskReply reply) {
    PendingTask task;
    synchronized (this) {
      task = inflight.remove(reply.getTaskId());
    }
    if (task != null) {
      submitter.onReply(task, reply);
    }
  }

  private void onBroken(int gen, String why) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (gen != generation || stream == null) {
        return;
      }
      stream = null;
      Address lost = connected;
      connected = null;
      lastBreak = why;
      after.add(() -> submitter.forgetChannel(lost));
      List<PendingTask> retry = new ArrayList<>();
      for (PendingTask task : inflight.values()) {
        if (task.cancelled) {
          after.add(() -> submitter.finishCancelled(task));
        } else if (task.retriesLeft > 0) {
          task.retriesLeft--;
          task.attempt++;
          retry.add(task);
        } else {
          orphaned.add(task);
        }
      }
      inflight.clear();
      for (int i = retry.size() - 1; i >= 0; i--) {
        unsent.addFirst(retry.get(i));
      }
      if (!dead) {
        LOG.debug("the stream to actor {} broke ({}); asking the GCS what happened", display,
            why);
        if (!polling) {
          poll();
        }
      }
    }
    run(after);
  }

  private void failOrphaned(String why, List<Runnable> after) {
    List<PendingTask> lost = new ArrayList<>(orphaned);
    orphaned.clear();
    String message = "actor " + display + " did not finish the call: " + why;
    for (PendingTask task : lost) {
      after.add(() -> submitter.failDead(task, message, null));
    }
  }

  private void markDead(String cause, ActorInfo dying, List<Runnable> after) {
    dead = true;
    if (dying != null) {
      info = dying;
    }
    String message = deathMessage(cause);
    List<PendingTask> all = new ArrayList<>(orphaned);
    all.addAll(inflight.values());
    all.addAll(unsent);
    orphaned.clear();
    inflight.clear();
    unsent.clear();
    ActorInfo last = info;
    for (PendingTask task : all) {
      after.add(() -> submitter.failDead(task, message, last));
    }
    if (stream != null) {
      StreamObserver<PushTaskRequest> s = stream;
      stream = null;
      after.add(() -> {
        try {
          s.onCompleted();
        } catch (RuntimeException e) {
          LOG.debug("closing the stream to dead actor {}", display, e);
        }
      });
    }
  }

  private String deathMessage() {
    return deathMessage(info == null ? "" : info.getDeathCause());
  }

  private String deathMessage(String cause) {
    return "actor " + display + " is dead: " + (cause.isEmpty() ? "no cause was given" : cause);
  }

  synchronized ActorInfo lastKnown() {
    return info;
  }

  /**
   * Cancels a call: dropped if not pushed yet; otherwise the actor is asked to drop or interrupt
   * it. Returns whether the call was still pending.
   */
  boolean cancel(PendingTask task) {
    Address target;
    synchronized (this) {
      if (unsent.remove(task)) {
        submitter.later(() -> submitter.finishCancelled(task));
        return true;
      }
      if (!inflight.containsKey(task.spec.getTaskId())) {
        return orphaned.contains(task);
      }
      target = connected;
    }
    if (target != null) {
      submitter.cancelRemote(target, task.spec.getTaskId());
    }
    return true;
  }

  /** Closes the stream (shutdown); pending calls are failed by the task submitter. */
  synchronized void close() {
    dead = true;
    unsent.clear();
    inflight.clear();
    orphaned.clear();
    if (stream != null) {
      try {
        stream.onCompleted();
      } catch (RuntimeException e) {
        LOG.debug("closing the stream to actor {}", display, e);
      }
      stream = null;
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
    return new PrismException("a call to actor " + display + " cannot be force-cancelled (that"
        + " would kill the actor and every other call on it): cancel it without force, or kill"
        + " the actor with Prism.kill");
  }
}
