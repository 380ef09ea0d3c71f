package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.PrismException;
import dev.prism.runtime.function.FunctionInvoker;
import dev.prism.runtime.rpc.CreateActorReply;
import dev.prism.runtime.rpc.CreateActorRequest;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.PushTaskRequest;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.runtime.rpc.TaskArg;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.runtime.rpc.TaskStateProto;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.store.ObjectId;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executing half of the task path, in a worker: takes tasks pushed by submitters, runs them one
 * at a time in arrival order on one thread, and replies on the stream they came from with a small
 * result inline or the node holding a large one. Once the GCS made this worker an actor ({@link
 * #createActor}), it runs that actor's calls instead: in arrival order one at a time, or on virtual
 * threads up to the actor's max concurrency, with methods that return a {@link CompletionStage}
 * replying when their stage completes.
 */
final class TaskExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(TaskExecutor.class);

  /**
   * How long a task force-cancelled in a worker that runs other tasks too may take to end on its
   * interrupt before the worker process exits.
   */
  static final long FORCE_CANCEL_GRACE_MILLIS = 1000;

  /** After this long without work, an idle worker may collect garbage (see IdleCollection). */
  private static final long IDLE_COLLECT_MILLIS = 200;

  private final CoreWorker worker;
  private final FunctionInvoker invoker;
  private final LinkedBlockingDeque<Work> queue = new LinkedBlockingDeque<>();
  private final ConcurrentHashMap<ByteString, Running> running = new ConcurrentHashMap<>();
  private final Thread thread;

  /** Sends generators' values and stores calls' several results. */
  private final ReturnWriter returns;

  private volatile HostedActor actor;
  private volatile boolean stopped;

  /** A task, an actor creation, or (spec and create both null) the end of a push stream. */
  record Work(
      TaskSpec spec,
      ReplySink sink,
      CreateActorRequest create,
      StreamObserver<CreateActorReply> createReply,
      ByteString leaseId) {}

  /**
   * Runs the plain tasks of one push stream (one lease) in the order they came, on a thread of the
   * pool (the lane's runner) while it has work. A worker holds several leases only while tasks in
   * it wait (the node lends their CPUs and may grant this worker more leases, bounded per worker):
   * the tasks of each lease then run on threads of their own. And a runner whose task starts to
   * wait in get/wait hands the lane over to a new runner at once, so a task queued behind a waiting
   * one (a submitter pipelines up to {@code pipelineDepth} tasks on a lease) never waits for it:
   * the waiting task may be waiting for that very task. (A lane left without tasks does not tell
   * the node: lending an idle lease's CPU that way cut single client tasks async from ~7,000/s to
   * ~1,700/s on 2 cores, measured 2026-12-05.)
   */
  private final class Lane implements Runnable {
    private final ArrayDeque<Work> work = new ArrayDeque<>();
    private Thread runner;
    private boolean scheduled;

    void add(Work w) {
      synchronized (this) {
        work.addLast(w);
        if (scheduled) {
          return;
        }
        scheduled = true;
      }
      launch();
    }

    private void launch() {
      busyLanes.incrementAndGet();
      try {
        lanePool.execute(this);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        busyLanes.decrementAndGet();
        synchronized (this) {
          scheduled = false;
        }
      }
    }

    @Override
    public void run() {
      Thread me = Thread.currentThread();
      synchronized (this) {
        runner = me;
      }
      CURRENT_LANE.set(this);
      try {
        while (true) {
          Work w;
          synchronized (this) {
            if (runner != me) {
              return; // handed over while its task waited: the new runner goes on
            }
            w = work.pollFirst();
            if (w == null) {
              runner = null;
              scheduled = false;
              return;
            }
          }
          runPlain(w);
        }
      } finally {
        CURRENT_LANE.remove();
        workDone.incrementAndGet();
        busyLanes.decrementAndGet();
      }
    }

    /** On the runner, whose task starts to wait: a new runner takes the queued tasks. */
    void runnerWaits() {
      synchronized (this) {
        if (runner != Thread.currentThread()) {
          return;
        }
        runner = null;
        if (work.isEmpty()) {
          scheduled = false;
          return;
        }
      }
      launch();
    }

    /** Takes a queued task out (a cancel); false if it is not queued here. */
    synchronized Work remove(ByteString taskId) {
      for (java.util.Iterator<Work> it = work.iterator(); it.hasNext(); ) {
        Work w = it.next();
        if (w.spec != null && w.spec.getTaskId().equals(taskId)) {
          it.remove();
          return w;
        }
      }
      return null;
    }

    /** The stream broke: drops the queued tasks. */
    synchronized void clear() {
      work.clear();
    }
  }

  /** Lane threads: platform threads, as tasks may block in any way a JVM allows. */
  private final java.util.concurrent.ExecutorService lanePool =
      java.util.concurrent.Executors.newCachedThreadPool(
          Thread.ofPlatform().daemon().name("prism-task-", 0).factory());

  private final java.util.Set<Lane> lanes = ConcurrentHashMap.newKeySet();

  /** The lane whose runner the current thread is (null on other threads). */
  private static final ThreadLocal<Lane> CURRENT_LANE = new ThreadLocal<>();

  /**
   * The running task of the calling thread starts to wait in get/wait (or for an argument): if the
   * thread runs a lane, the lane's queued tasks go on on another thread.
   */
  void taskWaits() {
    Lane lane = CURRENT_LANE.get();
    if (lane != null) {
      lane.runnerWaits();
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger busyLanes =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Counts runs of work, so the idle collection knows whether anything ran meanwhile. */
  private final java.util.concurrent.atomic.AtomicLong workDone =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * A call being run, so a cancel can interrupt it: only while its method runs on its thread
   * (checked under this object's lock, so an interrupt never reaches the thread's next work), or,
   * for an async actor method, by cancelling the stage it returned.
   */
  private static final class Running {
    final Thread thread;
    boolean cancelled;
    boolean returned;
    CompletableFuture<?> stage;

    Running(Thread thread) {
      this.thread = thread;
    }

    synchronized boolean cancel() {
      cancelled = true;
      if (!returned) {
        thread.interrupt();
        return true;
      }
      if (stage != null) {
        stage.cancel(true);
        return true;
      }
      return false;
    }

    /** On the running thread: the method returned; clears an interrupt a cancel left. */
    synchronized void returned(CompletableFuture<?> pending) {
      returned = true;
      stage = pending;
      Thread.interrupted();
    }

    synchronized boolean wasCancelled() {
      return cancelled;
    }
  }

  /**
   * The reply side of one push stream; many threads may finish tasks, one writes at a time. The
   * stream is completed once its submitter ended it and every call taken from it has replied.
   */
  private static final class ReplySink {
    private final StreamObserver<PushTaskReply> observer;

    /** The lane of the stream's plain tasks; set on the gRPC thread that delivers its messages. */
    Lane lane;

    private int unanswered;
    private boolean completeRequested;
    private boolean closed;

    ReplySink(StreamObserver<PushTaskReply> observer) {
      this.observer = observer;
    }

    synchronized void taken() {
      unanswered++;
    }

    synchronized void send(PushTaskReply reply) {
      unanswered--;
      if (!closed) {
        try {
          observer.onNext(reply);
        } catch (RuntimeException e) {
          closed = true;
          LOG.debug("a task reply could not be sent", e);
        }
      }
      if (completeRequested && unanswered <= 0) {
        complete();
      }
    }

    /** Sends a reply that does not end its call (a generator's value). */
    synchronized void sendItem(PushTaskReply reply) {
      if (!closed) {
        try {
          observer.onNext(reply);
        } catch (RuntimeException e) {
          closed = true;
          LOG.debug("a generator value could not be sent", e);
        }
      }
    }

    synchronized void requestComplete() {
      completeRequested = true;
      if (unanswered <= 0) {
        complete();
      }
    }

    private void complete() {
      if (!closed) {
        closed = true;
        try {
          observer.onCompleted();
        } catch (RuntimeException e) {
          LOG.debug("closing a task stream failed", e);
        }
      }
    }

    synchronized void abandon() {
      closed = true;
    }

    /** Whether nothing more can be sent (the submitter is gone, or the stream failed). */
    synchronized boolean isClosed() {
      return closed;
    }
  }

  TaskExecutor(CoreWorker worker, FunctionInvoker invoker) {
    this.worker = worker;
    this.invoker = invoker;
    this.returns = new ReturnWriter(worker);
    this.thread = new Thread(this::run, "prism-task-executor");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  StreamObserver<PushTaskRequest> pushTasks(StreamObserver<PushTaskReply> responses) {
    ReplySink sink = new ReplySink(responses);
    return new StreamObserver<>() {
      @Override
      public void onNext(PushTaskRequest request) {
        if (request.hasGeneratorAck()) {
          returns.ack(request.getGeneratorAck());
          return;
        }
        Work w = new Work(request.getSpec(), sink, null, null, request.getLeaseId());
        if (request.getSpec().getActorId().isEmpty()) {
          // A plain task: taken now, so the stream's end (which follows in the same lane)
          // waits for its reply.
          sink.taken();
          laneOf(sink).add(w);
        } else {
          queue.add(w);
        }
      }

      @Override
      public void onError(Throwable t) {
        // The submitter is gone: its queued tasks will be retried elsewhere or are moot.
        sink.abandon();
        queue.removeIf(w -> w.sink == sink);
        HostedActor a = actor;
        if (a != null) {
          for (CallGroup<Work> g : a.groups.values()) {
            g.removeIf(w -> w.sink == sink);
          }
        }
        Lane lane = sink.lane;
        if (lane != null) {
          lane.clear();
          lanes.remove(lane);
        }
      }

      @Override
      public void onCompleted() {
        Work end = new Work(null, sink, null, null, ByteString.EMPTY);
        Lane lane = sink.lane;
        if (lane != null) {
          lanes.remove(lane);
          lane.add(end);
        } else {
          queue.add(end);
        }
      }
    };
  }

  /** Queues the creation of the actor this worker is to host (see CoreWorkerService). */
  void createActor(CreateActorRequest request, StreamObserver<CreateActorReply> reply) {
    queue.add(new Work(null, null, request, reply, ByteString.EMPTY));
  }

  private Lane laneOf(ReplySink sink) {
    Lane lane = sink.lane;
    if (lane == null) {
      lane = new Lane();
      sink.lane = lane;
      lanes.add(lane);
    }
    return lane;
  }

  /** Runs one message of a lane: a plain task, or the end of its stream. */
  private void runPlain(Work work) {
    if (work.spec == null) {
      work.sink.requestComplete();
      return;
    }
    HostedActor a = actor;
    if (a != null) {
      work.sink.send(
          systemError(work.spec, "this worker hosts actor " + a.display + " and runs no tasks"));
      return;
    }
    runCall(work, null, null);
  }

  /** The actor this worker hosts, or null. */
  HostedActor actor() {
    return actor;
  }

  /** Cancels a queued or running task; force ends this worker process (not for actors). */
  boolean cancel(ByteString taskId, boolean force) {
    for (Work w : queue) {
      if (w.spec != null && w.spec.getTaskId().equals(taskId) && queue.remove(w)) {
        w.sink.taken();
        w.sink.send(PushTaskReply.newBuilder().setTaskId(taskId).setCancelled(true).build());
        return true;
      }
    }
    HostedActor hosted = actor;
    if (hosted != null) {
      for (CallGroup<Work> g : hosted.groups.values()) {
        Work w = g.remove(q -> q.spec.getTaskId().equals(taskId));
        if (w != null) {
          // taken() was counted when the executor's thread routed it
          w.sink.send(PushTaskReply.newBuilder().setTaskId(taskId).setCancelled(true).build());
          return true;
        }
      }
    }
    for (Lane lane : lanes) {
      Work w = lane.remove(taskId);
      if (w != null) {
        // taken() was counted when it arrived
        w.sink.send(PushTaskReply.newBuilder().setTaskId(taskId).setCancelled(true).build());
        return true;
      }
    }
    Running r = running.get(taskId);
    if (r == null) {
      return false;
    }
    if (force && actor == null) {
      if (running.size() <= 1) {
        LOG.warn("force-cancelling a task: this worker exits");
        Runtime.getRuntime().halt(1);
      }
      // Other tasks share this JVM (their callers wait for the one cancelled): interrupt it,
      // and end the process only if it is still running after a grace period; the tasks that
      // shared it then fail as on any worker death, and are retried as their options allow.
      boolean interrupted = r.cancel();
      Thread.ofPlatform()
          .daemon()
          .name("prism-force-cancel")
          .start(
              () -> {
                try {
                  Thread.sleep(FORCE_CANCEL_GRACE_MILLIS);
                } catch (InterruptedException e) {
                  return;
                }
                if (running.get(taskId) == r) {
                  LOG.warn(
                      "a task force-cancelled {} ms ago still runs: this worker exits, with the"
                          + " {} other task(s) it runs",
                      FORCE_CANCEL_GRACE_MILLIS,
                      running.size() - 1);
                  Runtime.getRuntime().halt(1);
                }
              });
      return interrupted;
    }
    return r.cancel();
  }

  void stop() {
    stopped = true;
    thread.interrupt();
    lanePool.shutdownNow();
    HostedActor a = actor;
    if (a != null) {
      a.close();
    }
  }

  /**
   * A young object only this holds weakly: the JVM's next collection, even a young one, clears it.
   */
  private java.lang.ref.WeakReference<Object> gcSentinel =
      new java.lang.ref.WeakReference<>(new Object());

  /** Whether the JVM collected since the previous call (cheaper than the management beans). */
  private boolean collectedSinceLastCall() {
    if (gcSentinel.get() != null) {
      return false;
    }
    gcSentinel = new java.lang.ref.WeakReference<>(new Object());
    return true;
  }

  private void run() {
    IdleCollection idle = new IdleCollection();
    while (!stopped) {
      Work work;
      try {
        work = queue.poll(IDLE_COLLECT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue;
      }
      if (work == null) {
        if (idle.afterIdlePoll(
            workDone.get(),
            busyLanes.get() != 0,
            worker.referenceActivity(),
            collectedSinceLastCall(),
            System.nanoTime())) {
          long start = System.nanoTime();
          worker.collectIdleBorrows();
          idle.forcedCollectionTook(System.nanoTime() - start);
        }
        continue;
      }
      workDone.incrementAndGet();
      if (work.create != null) {
        create(work.create, work.createReply);
        continue;
      }
      if (work.spec == null) {
        work.sink.requestComplete();
        continue;
      }
      work.sink.taken();
      HostedActor a = actor;
      if (a == null) {
        runCall(work, null, null);
        continue;
      }
      String unknownGroup = a.unknownGroup(work.spec);
      if (unknownGroup != null) {
        work.sink.send(systemError(work.spec, unknownGroup));
        continue;
      }
      if (a.hasGroups()) {
        // Each group starts its calls on its own thread: a full group holds up no other.
        a.groupOf(work.spec).add(work);
        continue;
      }
      if (!acquire(a)) {
        work.sink.send(systemError(work.spec, "the actor's process is shutting down"));
        continue;
      }
      if (a.pool == null) {
        runCall(work, a, a.permits);
      } else {
        Work w = work;
        try {
          a.pool.execute(() -> runCall(w, a, a.permits));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          a.permits.release();
          work.sink.send(systemError(work.spec, "the actor's process is shutting down"));
        }
      }
    }
  }

  /** Takes a permit to run a call; false only when the executor stops. */
  private boolean acquire(HostedActor a) {
    while (!stopped) {
      try {
        if (a.permits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          return true;
        }
      } catch (InterruptedException e) {
        // A stray interrupt is not a stop: only the flag is.
      }
    }
    return false;
  }

  /**
   * Runs one task or actor call on this thread and replies (now, or when its stage is done); an
   * actor call holds one of {@code permits} (null for tasks), released when it ends.
   */
  private void runCall(Work work, HostedActor a, java.util.concurrent.Semaphore permits) {
    TaskSpec spec = work.spec;
    Running r = new Running(Thread.currentThread());
    running.put(spec.getTaskId(), r);
    TaskEvents events = worker.taskEvents();
    events.running(spec, TaskEvents.nowMicros());
    Object outcome;
    try {
      outcome = execute(spec, work.leaseId, a, r, work.sink);
    } catch (Throwable t) {
      // Nothing may end this thread: a worker without it would never answer again.
      outcome = systemError(spec, "the worker failed while running the task: " + t);
      if (t instanceof VirtualMachineError) {
        LOG.error("fatal error in a task; this worker exits so its tasks run elsewhere", t);
        Runtime.getRuntime().halt(70);
      }
    }
    if (outcome instanceof CompletableFuture<?> pending) {
      @SuppressWarnings("unchecked")
      CompletableFuture<PushTaskReply> replyLater = (CompletableFuture<PushTaskReply>) pending;
      r.returned(replyLater);
      replyLater.whenComplete(
          (reply, error) -> {
            running.remove(spec.getTaskId());
            if (permits != null) {
              permits.release();
            }
            PushTaskReply answer = reply;
            if (r.wasCancelled()
                && (reply == null || reply.getResult().getFormat() == ValueFormat.ERROR)) {
              answer =
                  PushTaskReply.newBuilder().setTaskId(spec.getTaskId()).setCancelled(true).build();
            } else if (reply == null) {
              answer = systemError(spec, "the call's reply could not be made: " + error);
            }
            recordEnd(events, spec, answer);
            work.sink.send(answer);
          });
      return;
    }
    r.returned(null);
    running.remove(spec.getTaskId());
    PushTaskReply reply = (PushTaskReply) outcome;
    if (permits != null) {
      permits.release();
    }
    if (r.wasCancelled() && reply.getResult().getFormat() == ValueFormat.ERROR) {
      // Interrupted by the cancel: report it as cancelled. A task that finished anyway
      // sends its real result; the submitter discards it.
      reply = PushTaskReply.newBuilder().setTaskId(spec.getTaskId()).setCancelled(true).build();
    }
    recordEnd(events, spec, reply);
    work.sink.send(reply);
  }

  /** Records how a task that ran here ended (an error value is decoded for its type). */
  private void recordEnd(TaskEvents events, TaskSpec spec, PushTaskReply reply) {
    if (!events.enabled()) {
      return;
    }
    if (reply.getCancelled()) {
      events.ended(spec.getTaskId(), spec.getAttempt(), TaskStateProto.TASK_CANCELLED, "", "");
    } else if (!reply.getSystemError().isEmpty()) {
      events.ended(
          spec.getTaskId(),
          spec.getAttempt(),
          TaskStateProto.TASK_FAILED,
          TaskError.Kind.SYSTEM.name(),
          reply.getSystemError());
    } else if (reply.getResult().getFormat() == ValueFormat.ERROR) {
      String type = "";
      String message = "";
      try {
        TaskError e = worker.codec().decodeError(reply.getResult().getInlineValue().toByteArray());
        type = e.exceptionClass();
        message = e.message();
      } catch (RuntimeException e) {
        LOG.debug("could not read a task's error for its event", e);
      }
      events.ended(spec.getTaskId(), spec.getAttempt(), TaskStateProto.TASK_FAILED, type, message);
    } else {
      events.ended(spec.getTaskId(), spec.getAttempt(), TaskStateProto.TASK_FINISHED, "", "");
    }
  }

  /** A reply, or a future of one for an actor method that returned a stage. */
  private Object execute(
      TaskSpec spec, ByteString leaseId, HostedActor a, Running r, ReplySink sink) {
    ObjectId returnId = ObjectId.of(spec.getReturnId().toByteArray());
    boolean actorCall = !spec.getActorId().isEmpty();
    if (actorCall && (a == null || !a.actorId.equals(spec.getActorId()))) {
      return systemError(
          spec,
          "this worker does not host the actor the call was sent to"
              + (a == null ? "" : " (it hosts " + a.display + ")"));
    }
    if (!actorCall && a != null) {
      return systemError(spec, "this worker hosts actor " + a.display + " and runs no tasks");
    }
    FunctionInvoker.Target target;
    try {
      target = invoker.target(descriptor(spec.getFunction()));
    } catch (PrismException e) {
      return systemError(spec, e.getMessage());
    } catch (RuntimeException | LinkageError e) {
      return systemError(
          spec,
          "cannot load "
              + spec.getFunction().getClassName()
              + "."
              + spec.getFunction().getMethodName()
              + " on the worker: "
              + e);
    }
    Object receiver = null;
    if (actorCall) {
      receiver = a.instance;
      if (target.descriptor().kind() != FunctionDescriptor.Kind.INSTANCE
          || !target.owner().isInstance(receiver)) {
        return systemError(
            spec,
            target.descriptor().displayName()
                + " is not a method of the"
                + " actor's class "
                + receiver.getClass().getName());
      }
    }
    Object result;
    long started = System.nanoTime();
    Object[] args = new Object[spec.getArgsCount()];
    boolean releaseArgs = true;
    try {
      // The task counts as running while its arguments are fetched, so a wait for a borrowed
      // argument lends the CPU like any other wait inside a task.
      worker.enterTask(spec, leaseId);
      try {
        for (int i = 0; i < args.length; i++) {
          args[i] = resolve(spec.getArgs(i));
        }
        result = target.invoke(receiver, args);
        if (spec.getStreaming()) {
          // The values are made while the iterator runs: still inside the task.
          result = returns.stream(spec, result, sink::sendItem, r::wasCancelled, sink::isClosed);
        }
      } catch (Throwable t) {
        return errorReply(spec, returnId, t);
      } finally {
        worker.exitTask();
      }
      // The method returned: a cancel from now on must not interrupt this thread.
      r.returned(null);
      if (actorCall && result instanceof CompletionStage<?> stage) {
        releaseArgs = false;
        return stage
            .toCompletableFuture()
            .handle(
                (value, error) -> {
                  releaseSharedArguments(spec, args);
                  if (error != null) {
                    return errorReply(spec, returnId, unwrap(error));
                  }
                  return storeReply(spec, returnId, value, started);
                });
      }
      return storeReply(spec, returnId, result, started);
    } finally {
      if (releaseArgs) {
        releaseSharedArguments(spec, args);
      }
    }
  }

  private PushTaskReply storeReply(TaskSpec spec, ObjectId returnId, Object result, long started) {
    try {
      if (spec.getNumReturns() > 1 && !spec.getStreaming()) {
        return returns.storeMany(spec, result).setRunNanos(System.nanoTime() - started).build();
      }
      return PushTaskReply.newBuilder()
          .setTaskId(spec.getTaskId())
          .setResult(worker.storeReturn(returnId, result, spec.getCaller()))
          .setRunNanos(System.nanoTime() - started)
          .build();
    } catch (RuntimeException | StackOverflowError e) {
      return errorReply(spec, returnId, e);
    }
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // -------------------------------------------------------------------------- actor creation

  /** Runs the constructor (or factory) of the actor this worker is to host, and answers. */
  private void create(CreateActorRequest request, StreamObserver<CreateActorReply> reply) {
    CreateActorReply answer;
    if (actor != null) {
      answer =
          CreateActorReply.newBuilder()
              .setErrorMessage("this worker already hosts actor " + actor.display)
              .build();
    } else {
      answer = construct(request);
    }
    try {
      reply.onNext(answer);
      reply.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("could not answer the creation of an actor", e);
    }
  }

  private CreateActorReply construct(CreateActorRequest request) {
    var spec = request.getSpec();
    String display = ActorHandleImpl.display(spec.getClassName(), spec.getActorId());
    TaskSpec context =
        TaskSpec.newBuilder()
            .setJobId(spec.getJobId())
            .setCaller(spec.getOwner())
            .setName(display + ".<init>")
            .setActorId(spec.getActorId())
            .setNamespace(spec.getNamespace())
            .build();
    Object[] args = new Object[spec.getArgsCount()];
    try {
      FunctionInvoker.Target target = invoker.target(descriptor(spec.getFunction()));
      worker.enterTask(context);
      Object instance;
      try {
        for (int i = 0; i < args.length; i++) {
          args[i] = resolve(spec.getArgs(i));
        }
        instance = target.invoke(null, args);
      } finally {
        worker.exitTask();
      }
      if (instance == null) {
        throw new PrismException(
            "the actor factory " + target.descriptor().displayName() + " returned null");
      }
      HostedActor hosted =
          new HostedActor(
              spec.getActorId(),
              display,
              instance,
              Math.max(1, spec.getMaxConcurrency()),
              spec.getNamespace(),
              spec.getConcurrencyGroupsList(),
              ConcurrencyGroups.methodGroups(
                  instance.getClass(), spec.getConcurrencyGroupsList(), display));
      for (CallGroup<Work> g : hosted.groups.values()) {
        g.start(
            (w, permits) -> runCall(w, hosted, permits),
            w -> w.sink.send(systemError(w.spec, "the actor's process is shutting down")));
      }
      actor = hosted;
      LOG.debug("hosting actor {} (restart {})", display, request.getNumRestarts());
      return CreateActorReply.getDefaultInstance();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError) {
        Runtime.getRuntime().halt(70);
      }
      TaskError error = applicationError(context.getName(), t);
      return CreateActorReply.newBuilder()
          .setCreationError(ByteString.copyFrom(worker.codec().encodeError(error)))
          .setErrorMessage(t.toString())
          .build();
    } finally {
      releaseSharedArguments(context, args);
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  /**
   * Arrow arguments passed by reference are read zero-copy and pin their object in the store; they
   * are valid for the duration of the task and released when it ends.
   */
  private static void releaseSharedArguments(TaskSpec spec, Object[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof VectorSchemaRoot root
          && (spec.getArgsCount() <= i || spec.getArgs(i).hasRef())) {
        try {
          root.close();
        } catch (RuntimeException e) {
          LOG.debug("closing an Arrow argument failed", e);
        }
      }
    }
  }

  private Object resolve(TaskArg arg) {
    if (arg.hasInlineValue()) {
      return worker.codec().decode(arg.getInlineValue().toByteArray());
    }
    return worker.getForArgument(arg.getRef());
  }

  private TaskError applicationError(String name, Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    return new TaskError(
        TaskError.Kind.APPLICATION,
        name,
        t.getClass().getName(),
        t.getMessage(),
        trace.toString(),
        worker.codec().serializeException(t));
  }

  private PushTaskReply errorReply(TaskSpec spec, ObjectId returnId, Throwable t) {
    ReturnObject ret =
        ReturnObject.newBuilder()
            .setObjectId(ByteString.copyFrom(returnId.toBytes()))
            .setFormat(ValueFormat.ERROR)
            .setInlineValue(
                ByteString.copyFrom(
                    worker.codec().encodeError(applicationError(spec.getName(), t))))
            .build();
    return PushTaskReply.newBuilder().setTaskId(spec.getTaskId()).setResult(ret).build();
  }

  private static PushTaskReply systemError(TaskSpec spec, String message) {
    return PushTaskReply.newBuilder().setTaskId(spec.getTaskId()).setSystemError(message).build();
  }

  static FunctionDescriptor descriptor(FunctionDescriptorProto p) {
    return new FunctionDescriptor(
        p.getClassName(),
        p.getMethodName(),
        p.getSignature(),
        FunctionDescriptor.Kind.values()[p.getKindValue()]);
  }
}
