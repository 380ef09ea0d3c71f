package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.FunctionDescriptorProto;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import dev.prism.runtime.rpc.TaskArg;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.runtime.rpc.TaskStateProto;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.store.ObjectId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The submitting half of the task path: builds task specs (inlining small arguments, passing large
 * ones and refs by reference), waits for arguments this process owns to be ready, queues tasks per
 * scheduling class, and records results, retries and failures in the owner's tables.
 */
final class TaskSubmitter {

  /**
   * What the task submitter needs from the process it runs in, beyond what every submitter does.
   */
  interface Host extends SubmittingProcess {
    /** This process's worker id: refs it owns name it. */
    String workerId();

    /** Records a task's result as its object's value. */
    void recordResult(ObjectId id, StoredValue value);

    /** Lets go of a reply that is not recorded (its stored copy, the borrows it carries). */
    void discardReply(ObjectId id, StoredValue value);

    /** Cancels a call submitted to an actor. */
    boolean cancelActorCall(PendingTask task, boolean force);

    /** The stub of this node's node manager, which grants leases. */
    NodeManagerServiceGrpc.NodeManagerServiceStub localNodeManager();

    /**
     * The calling thread starts to wait (for a generator's next value) inside a task: its CPU is
     * lent, as for a get.
     *
     * @return whether {@link #exitBlocking} must be called when the wait ends
     */
    default boolean enterBlocking() {
      return false;
    }

    /** The wait {@link #enterBlocking} reported ended. */
    default void exitBlocking() {}
  }

  private final Host host;
  private final MemoryStore memory;
  private final ReferenceCounter references;
  private final ValueCodec codec;
  private final ScheduledExecutorService timer;
  private final WorkerTuning tuning;

  /** What the scheduling queues call back. */
  private final SchedulingQueue.Host queueHost = new QueueHost();

  /** What a call's refs and generator are made with. */
  final StreamingGenerator.Host outputs = new OutputsHost();

  /** Records the results of calls with several, and keeps their lineage. */
  private final ManyResults lineageOfMany;

  /** A scheduling class: tasks with the same resource shape and strategy share leases. */
  record SchedulingKey(
      ResourceAmounts resources,
      SchedulingStrategyProto strategy,
      dev.prism.runtime.rpc.RuntimeEnvProto runtimeEnv,
      boolean streaming) {}

  private final ConcurrentHashMap<SchedulingKey, SchedulingQueue> queues =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ObjectId, PendingTask> pending = new ConcurrentHashMap<>();

  /**
   * Lineage: the tasks whose results live in a node's store, kept (with their arguments held) while
   * the result is referenced, so a result lost with its node can be made again.
   */
  private final ConcurrentHashMap<ObjectId, PendingTask> lineage = new ConcurrentHashMap<>();

  /**
   * The shapes (resources, and the label selector they are asked with) the user was already warned
   * cannot be scheduled anywhere.
   */
  private final java.util.Set<java.util.List<Object>> infeasibleWarned =
      ConcurrentHashMap.newKeySet();

  /**
   * @param host the process it runs in
   * @param memory this process's object table, where results and pending tasks' slots live
   * @param references this process's reference counts (arguments stay held while tasks need them)
   * @param codec encodes arguments and errors
   * @param timer runs the scheduling queues' timed work
   * @param tuning the task path's settings
   */
  TaskSubmitter(
      Host host,
      MemoryStore memory,
      ReferenceCounter references,
      ValueCodec codec,
      ScheduledExecutorService timer,
      WorkerTuning tuning) {
    this.host = host;
    this.memory = memory;
    this.references = references;
    this.codec = codec;
    this.timer = timer;
    this.tuning = tuning;
    this.lineageOfMany = new ManyResults(this, host, memory, lineage, codec);
  }

  ObjectRefImpl<?> submit(FunctionDescriptor function, Object[] args, TaskOptions options) {
    return (ObjectRefImpl<?>) submit(function, args, options, Returns.ONE);
  }

  /**
   * Submits a task.
   *
   * @return its result's ref, the list of its results' refs, or its generator (see {@link
   *     Returns#outputs})
   */
  Object submit(FunctionDescriptor function, Object[] args, TaskOptions options, Returns returns) {
    host.checkAlive();
    long seq = host.nextSequence();
    ObjectId returnId = new ObjectId(host.workerLong(), seq, 1);
    ByteString taskId = Ids.taskId(host.workerLong(), seq);
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setTaskId(taskId)
            .setJobId(host.currentJobId())
            .setCaller(host.address())
            .setFunction(toProto(function))
            .setReturnId(ByteString.copyFrom(returnId.toBytes()))
            .setResources(options.resources())
            .setMaxRetries(options.maxRetries())
            .setRetryExceptions(options.retryExceptions());
    returns.applyTo(spec);
    String name = options.name() != null ? options.name() : function.displayName();
    spec.setName(name);
    spec.setNamespace(host.namespace());

    List<ObjectId> held = new ArrayList<>();
    List<ObjectRefProto> dependencies = new ArrayList<>();
    List<ObjectRefImpl<?>> keepAlive = new ArrayList<>();
    for (Object arg : args) {
      spec.addArgs(toArg(arg, held, dependencies, keepAlive));
    }
    references.addSubmitted(held);
    PendingTask task =
        new PendingTask(
            spec,
            returnId,
            name,
            held,
            dependencies,
            options.maxRetries(),
            options.retryExceptions());
    task.parentTaskId = host.runningTaskId();
    Object result = returns.outputs(task, outputs);
    task.key =
        new SchedulingKey(
            options.resources(), options.strategy(), options.runtimeEnv(), returns.streaming());
    pending.put(returnId, task);
    host.taskEvents().submitted(task);
    if (dependencies.isEmpty()) {
      enqueue(task);
    } else {
      dependenciesReady(dependencies).whenComplete((ok, error) -> resolved(task));
    }
    // The handles made for arguments stay reachable until here, so their counts cover the
    // window before addSubmitted took over.
    java.lang.ref.Reference.reachabilityFence(keepAlive);
    return result;
  }

  /**
   * Turns one argument into its wire form: refs by reference (small values this process owns that
   * are ready are inlined), small values inline, large values stored like a put and passed by
   * reference. Refs to keep alive go to {@code held}; owned refs still pending to {@code
   * dependencies}.
   */
  TaskArg toArg(
      Object arg,
      List<ObjectId> held,
      List<ObjectRefProto> dependencies,
      List<ObjectRefImpl<?>> keepAlive) {
    if (arg instanceof ObjectRefImpl<?> ref) {
      ref.checkSession();
      ObjectRefProto proto = Ids.toProto(ref);
      held.add(ref.objectId());
      keepAlive.add(ref);
      if (ref.owner().getWorkerId().equals(host.workerId())) {
        CompletableFuture<StoredValue> slot = memory.find(ref.objectId());
        if (slot != null && slot.isDone()) {
          StoredValue value = slot.join();
          if (value.isInline() && value.format() == ValueFormat.FORY) {
            return TaskArg.newBuilder()
                .setInlineValue(ByteString.copyFrom(value.inline()))
                .addAllNestedRefs(value.contained())
                .build();
          }
          if (value.isError()) {
            // Resolved like a pending dependency: the task fails with the same error.
            dependencies.add(proto);
          }
        } else if (slot != null) {
          dependencies.add(proto);
        }
      }
      return TaskArg.newBuilder().setRef(proto).build();
    }
    ValueCodec.Encoded encoded = codec.encode(arg);
    if (encoded.fitsInline()) {
      TaskArg.Builder b = TaskArg.newBuilder().setInlineValue(ByteString.copyFrom(encoded.bytes()));
      for (ObjectRefImpl<?> nested : encoded.nested()) {
        b.addNestedRefs(Ids.toProto(nested));
        held.add(nested.objectId());
        keepAlive.add(nested);
      }
      return b.build();
    }
    // Too large to travel in the spec: store it like a put and pass it by reference.
    ObjectRefImpl<?> stored = host.putEncoded(encoded);
    keepAlive.add(stored);
    held.add(stored.objectId());
    return TaskArg.newBuilder().setRef(Ids.toProto(stored)).build();
  }

  /** Every owned argument is ready: inline small ones, or fail if one holds an error. */
  private void resolved(PendingTask task) {
    StoredValue error = inlineResolved(task);
    if (error != null) {
      finish(task, error);
      return;
    }
    enqueue(task);
  }

  /**
   * Inlines the small values of owned ref arguments that are ready; returns the error value of an
   * argument that holds one (the call must fail with it), or null.
   */
  StoredValue inlineResolved(PendingTask task) {
    for (int i = 0; i < task.spec.getArgsCount(); i++) {
      TaskArg arg = task.spec.getArgs(i);
      if (!arg.hasRef() || !arg.getRef().getOwner().getWorkerId().equals(host.workerId())) {
        continue;
      }
      CompletableFuture<StoredValue> slot = memory.find(Ids.objectId(arg.getRef()));
      if (slot == null || !slot.isDone()) {
        continue;
      }
      StoredValue value = slot.join();
      if (value.isError()) {
        return value;
      }
      if (value.isInline() && value.format() == ValueFormat.FORY) {
        task.spec.setArgs(
            i,
            TaskArg.newBuilder()
                .setInlineValue(ByteString.copyFrom(value.inline()))
                .addAllNestedRefs(value.contained()));
      }
    }
    return null;
  }

  /** Completes when every pending owned argument of the task is ready. */
  CompletableFuture<Void> dependenciesReady(List<ObjectRefProto> dependencies) {
    CompletableFuture<?>[] futures = new CompletableFuture<?>[dependencies.size()];
    for (int i = 0; i < futures.length; i++) {
      CompletableFuture<StoredValue> slot = memory.find(Ids.objectId(dependencies.get(i)));
      futures[i] = slot != null ? slot : CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.allOf(futures);
  }

  private void enqueue(PendingTask task) {
    if (task.cancelled) {
      finishCancelled(task);
      return;
    }
    task.localityBytes = localityOf(task);
    queues.computeIfAbsent(task.key, k -> new SchedulingQueue(queueHost, k, tuning)).add(task);
  }

  /**
   * Where the task's arguments live: bytes per node of the stored values this process owns (values
   * of other owners are not looked up), so its lease can go where its data is.
   */
  private Map<String, Long> localityOf(PendingTask task) {
    Map<String, Long> bytes = null;
    for (int i = 0; i < task.spec.getArgsCount(); i++) {
      TaskArg arg = task.spec.getArgs(i);
      if (!arg.hasRef() || !arg.getRef().getOwner().getWorkerId().equals(host.workerId())) {
        continue;
      }
      CompletableFuture<StoredValue> slot = memory.find(Ids.objectId(arg.getRef()));
      if (slot == null || !slot.isDone()) {
        continue;
      }
      StoredValue value = slot.join();
      if (!value.isInline() && value.nodeId() != null) {
        if (bytes == null) {
          bytes = new java.util.HashMap<>();
        }
        bytes.merge(value.nodeId(), value.size(), Long::sum);
      }
    }
    return bytes == null ? Map.of() : bytes;
  }

  /** Handles a worker's reply; returns the task when it must run again. */
  PendingTask onReply(PendingTask task, PushTaskReply reply) {
    StoredValue value = reply.hasResult() ? StoredValue.fromProto(reply.getResult()) : null;
    if (reply.getCancelled() || task.cancelled) {
      if (value != null) {
        host.discardReply(task.returnId, value);
      }
      for (int i = 0; i < reply.getMoreResultsCount(); i++) {
        host.discardReply(
            Returns.returnId(task.returnId, i + 1), StoredValue.fromProto(reply.getMoreResults(i)));
      }
      finishCancelled(task);
      return null;
    }
    if (!reply.getSystemError().isEmpty()) {
      finish(
          task,
          errorValue(
              TaskError.system(TaskError.Kind.SYSTEM, task.displayName, reply.getSystemError())));
      return null;
    }
    if (value.isError() && task.retryExceptions && task.retriesLeft > 0 && !host.isShutdown()) {
      task.retriesLeft--;
      task.attempt++;
      host.discardReply(task.returnId, value);
      host.taskEvents().submitted(task);
      return task;
    }
    task.moreResults = reply.getMoreResultsList();
    finish(task, value);
    return null;
  }

  /** The task's worker died with the task in flight; returns the task when it is retried. */
  PendingTask onWorkerDied(PendingTask task, Lease lease, String why) {
    if (task.cancelled) {
      finishCancelled(task);
      return null;
    }
    if (task.retriesLeft > 0 && !host.isShutdown()) {
      host.taskEvents()
          .ended(
              task.spec.getTaskId(),
              task.attempt,
              TaskStateProto.TASK_FAILED,
              TaskError.Kind.WORKER_CRASHED.name(),
              "its worker died (" + why + "); retried");
      task.retriesLeft--;
      task.attempt++;
      host.taskEvents().submitted(task);
      return task;
    }
    String message =
        "the worker running it (pid "
            + lease.workerPid
            + ") died ("
            + why
            + ") and the task has no retries left (attempts: "
            + (task.attempt + 1)
            + ")";
    host.taskEvents()
        .ended(
            task.spec.getTaskId(),
            task.attempt,
            TaskStateProto.TASK_FAILED,
            TaskError.Kind.WORKER_CRASHED.name(),
            message);
    finish(
        task,
        errorValue(TaskError.system(TaskError.Kind.WORKER_CRASHED, task.displayName, message)));
    return null;
  }

  void finishCancelled(PendingTask task) {
    // A task cancelled before it ran ends here; one cancelled while it ran, on its worker too.
    host.taskEvents()
        .ended(task.spec.getTaskId(), task.attempt, TaskStateProto.TASK_CANCELLED, "", "");
    finish(
        task,
        errorValue(
            TaskError.system(
                TaskError.Kind.CANCELLED, task.displayName, "the task was cancelled")));
  }

  /** Tracks a call submitted elsewhere (an actor call), so cancel and shutdown find it. */
  void register(PendingTask task) {
    pending.put(task.returnId, task);
  }

  void finish(PendingTask task, StoredValue value) {
    if (pending.remove(task.returnId) == null) {
      host.discardReply(task.returnId, value);
      for (int i = 0; i < task.moreResults.size(); i++) {
        host.discardReply(
            Returns.returnId(task.returnId, i + 1), StoredValue.fromProto(task.moreResults.get(i)));
      }
      return;
    }
    if (task.generator != null) {
      // A generator's values were recorded as they came; its result is their count (or the
      // error that ended it, handed out as its last ref). Generators keep no lineage.
      host.recordResult(task.returnId, value);
      task.generator.onEnd(value);
      references.removeSubmitted(task.heldRefs);
      return;
    }
    if (task.numReturns > 1) {
      lineageOfMany.finish(task, value);
      return;
    }
    boolean rebuilt = task.reconstructions > 0;
    host.recordResult(task.returnId, value);
    boolean stored = task.actor == null && !value.isInline() && !value.isError();
    if (rebuilt) {
      // Its lineage entry keeps holding the arguments while the result is referenced; if the
      // entry went meanwhile (freed) or the rebuild failed, the arguments are let go now.
      if (!(stored && lineage.get(task.returnId) == task && memory.find(task.returnId) != null)) {
        lineage.remove(task.returnId, task);
        releaseLineage(task);
      }
      return;
    }
    if (stored && memory.find(task.returnId) != null) {
      // Kept as lineage: the arguments stay held until the result is freed.
      synchronized (task) {
        task.lineageHeld = true;
        task.lineageIds = 1;
      }
      lineage.put(task.returnId, task);
      if (memory.find(task.returnId) == null && lineage.remove(task.returnId, task)) {
        releaseLineage(task); // freed meanwhile
      }
      return;
    }
    references.removeSubmitted(task.heldRefs);
  }

  /** Drops a generator value that arrived for a call that ended or that this process forgot. */
  void discardItem(dev.prism.runtime.rpc.GeneratorItem item) {
    host.discardReply(
        ObjectId.of(item.getValue().getObjectId().toByteArray()),
        StoredValue.fromProto(item.getValue()));
  }

  /** Lets go of the arguments a finished task held (it keeps no lineage). */
  void releaseSubmitted(PendingTask task) {
    references.removeSubmitted(task.heldRefs);
  }

  /** Lets go of the arguments a lineage entry held, exactly once. */
  void releaseLineage(PendingTask task) {
    synchronized (task) {
      if (!task.lineageHeld) {
        return;
      }
      task.lineageHeld = false;
    }
    references.removeSubmitted(task.heldRefs);
  }

  /** The result's last reference is gone: its lineage (and the arguments it held) goes too. */
  void forgetLineage(ObjectId id) {
    PendingTask task = lineage.remove(id);
    if (task == null) {
      return;
    }
    boolean last;
    synchronized (task) {
      last = --task.lineageIds <= 0;
    }
    // A rebuild still running lets go of the arguments when it finishes.
    if (last && !pending.containsKey(task.returnId)) {
      releaseLineage(task);
    }
  }

  /**
   * Makes again a result whose stored copy was lost (its node died): re-runs the task that made it,
   * under the same result id, while the task has retries left. Readers of the result wait for the
   * new value. Returns false when it cannot be rebuilt (not a task result of this process, a put,
   * or out of retries).
   */
  boolean reconstruct(ObjectId id, String lostNodeId) {
    PendingTask task = lineage.get(id);
    if (task == null) {
      return false;
    }
    synchronized (task) {
      if (pending.containsKey(task.returnId)) {
        // Being rebuilt: a sibling result whose copy was on the lost node waits for the new one.
        CompletableFuture<StoredValue> sibling = memory.find(id);
        StoredValue now = sibling == null ? null : sibling.getNow(null);
        if (now != null && java.util.Objects.equals(now.nodeId(), lostNodeId)) {
          memory.reopen(id);
        }
        return memory.find(id) != null;
      }
      CompletableFuture<StoredValue> slot = memory.find(id);
      if (slot == null) {
        return false;
      }
      if (!slot.isDone()) {
        return true; // being rebuilt (its run is finishing): wait for it
      }
      StoredValue current = slot.getNow(null);
      if (current != null && !java.util.Objects.equals(current.nodeId(), lostNodeId)) {
        return true; // already rebuilt elsewhere: read the new copy
      }
      if (task.retriesLeft <= 0 || host.isShutdown()) {
        return false;
      }
      if (!memory.reopen(id)) {
        return false;
      }
      task.retriesLeft--;
      task.attempt++;
      task.reconstructions++;
      task.lostNodeId = lostNodeId;
      task.cancelled = false;
      pending.put(task.returnId, task);
    }
    org.slf4j.LoggerFactory.getLogger(TaskSubmitter.class)
        .info(
            "rebuilding {}: its result lived on node {}, which is gone",
            task.displayName,
            lostNodeId);
    enqueue(task);
    return true;
  }

  /**
   * Cancels a task this process submitted: a queued task is dropped, a running one is interrupted
   * (or its worker killed when {@code force}).
   */
  boolean cancel(ObjectId returnId, boolean force) {
    return cancel(returnId, force, true);
  }

  /**
   * Cancels a task or actor call this process submitted; {@code recursive}: what it submitted too.
   */
  boolean cancel(ObjectId returnId, boolean force, boolean recursive) {
    PendingTask task = pending.get(returnId);
    if (task == null) {
      return false;
    }
    task.cancelRecursive = recursive;
    if (task.actor != null) {
      return host.cancelActorCall(task, force);
    }
    task.cancelled = true;
    SchedulingQueue queue = queues.get(task.key);
    if (queue != null && queue.removeQueued(task)) {
      finishCancelled(task);
      return true;
    }
    Lease lease = task.lease;
    if (lease != null) {
      host.cancelRemote(lease.worker, task.spec.getTaskId(), force, recursive);
    }
    return true;
  }

  /** Cancels, recursively, the pending tasks and calls that {@code parent} submitted. */
  void cancelChildren(ByteString parent, boolean force) {
    for (PendingTask task : List.copyOf(pending.values())) {
      if (parent.equals(task.parentTaskId) && !task.cancelled) {
        try {
          // Actor calls are interrupted, never force-killed (their process hosts the actor).
          cancel(task.returnId, force && task.actor == null, true);
        } catch (RuntimeException e) {
          org.slf4j.LoggerFactory.getLogger(TaskSubmitter.class)
              .warn("cancelling {}, a child of a cancelled task, failed", task.displayName, e);
        }
      }
    }
  }

  /** Fails every task still pending (shutdown). */
  void failAll(String why) {
    for (SchedulingQueue queue : queues.values()) {
      for (PendingTask task : queue.drain()) {
        host.taskEvents()
            .ended(
                task.spec.getTaskId(),
                task.attempt,
                TaskStateProto.TASK_FAILED,
                TaskError.Kind.WORKER_CRASHED.name(),
                why);
        finish(
            task,
            errorValue(TaskError.system(TaskError.Kind.WORKER_CRASHED, task.displayName, why)));
      }
    }
    for (PendingTask task : List.copyOf(pending.values())) {
      finish(
          task, errorValue(TaskError.system(TaskError.Kind.WORKER_CRASHED, task.displayName, why)));
    }
  }

  int pendingCount() {
    return pending.size();
  }

  /**
   * Warns the user, once per resource shape in this process (in the log and on standard error, so
   * it is seen), that tasks or actors needing it cannot be scheduled on any node of the cluster;
   * they keep waiting for a node that can run them.
   *
   * @param resources the shape asked for
   * @param labelSelector the label selector it is asked with (empty: none)
   * @param what what waits, e.g. {@code tasks} or {@code actor Counter}
   * @param reason the node manager's answer: why no node fits, and what the nodes offer
   */
  void warnInfeasible(
      ResourceAmounts resources,
      java.util.Map<String, String> labelSelector,
      String what,
      String reason) {
    if (!infeasibleWarned.add(java.util.List.of(resources, labelSelector))) {
      return;
    }
    String message =
        what
            + " needing "
            + describe(resources)
            + (labelSelector.isEmpty()
                ? ""
                : " on a node with labels " + new java.util.TreeMap<>(labelSelector))
            + " cannot be scheduled: "
            + reason
            + ". Pending until a node that can run it joins the cluster.";
    org.slf4j.LoggerFactory.getLogger(TaskSubmitter.class).warn(message);
    System.err.println("prism: warning: " + message);
  }

  private StoredValue errorValue(TaskError error) {
    return StoredValue.inline(ValueFormat.ERROR, codec.encodeError(error), List.of());
  }

  // --- what the scheduling queues need from the process ---

  /** This process as the scheduling queues see it. */
  private final class QueueHost implements SchedulingQueue.Host {
    @Override
    public Address address() {
      return host.address();
    }

    @Override
    public NodeManagerServiceGrpc.NodeManagerServiceStub localNodeManager() {
      return host.localNodeManager();
    }

    @Override
    public NodeManagerServiceGrpc.NodeManagerServiceStub nodeManagerAt(Address address) {
      return NodeManagerServiceGrpc.newStub(host.channelTo(address));
    }

    @Override
    public io.grpc.Channel channelTo(Address address) {
      return host.channelTo(address);
    }

    @Override
    public void forgetChannel(Address address) {
      host.forgetChannel(address);
    }

    @Override
    public PendingTask onReply(PendingTask task, PushTaskReply reply) {
      return TaskSubmitter.this.onReply(task, reply);
    }

    @Override
    public PendingTask onWorkerDied(PendingTask task, Lease lease, String why) {
      return TaskSubmitter.this.onWorkerDied(task, lease, why);
    }

    @Override
    public void finishCancelled(PendingTask task) {
      TaskSubmitter.this.finishCancelled(task);
    }

    @Override
    public void discardItem(dev.prism.runtime.rpc.GeneratorItem item) {
      TaskSubmitter.this.discardItem(item);
    }

    @Override
    public void failUnrunnable(PendingTask task, String why) {
      finish(task, errorValue(TaskError.system(TaskError.Kind.RUNTIME_ENV, task.displayName, why)));
    }

    @Override
    public void warnInfeasible(
        ResourceAmounts resources,
        java.util.Map<String, String> labelSelector,
        String what,
        String reason) {
      TaskSubmitter.this.warnInfeasible(resources, labelSelector, what, reason);
    }

    @Override
    public ScheduledExecutorService timer() {
      return timer;
    }

    @Override
    public boolean isShutdown() {
      return host.isShutdown();
    }
  }

  /** Makes refs and slots for a call's results, and cancels a generator's call. */
  private final class OutputsHost implements StreamingGenerator.Host {
    @Override
    public ObjectRefImpl<?> newOwnedRef(ObjectId id) {
      return host.newOwnedRef(id);
    }

    @Override
    public CompletableFuture<StoredValue> slot(ObjectId id) {
      return memory.slot(id);
    }

    @Override
    public CompletableFuture<StoredValue> find(ObjectId id) {
      return memory.find(id);
    }

    @Override
    public void recordResult(ObjectId id, StoredValue value) {
      host.recordResult(id, value);
    }

    @Override
    public void discardReply(ObjectId id, StoredValue value) {
      host.discardReply(id, value);
    }

    @Override
    public void cancel(ObjectId returnId) {
      TaskSubmitter.this.cancel(returnId, false);
    }

    @Override
    public boolean enterBlocking() {
      return host.enterBlocking();
    }

    @Override
    public void exitBlocking() {
      host.exitBlocking();
    }
  }

  static FunctionDescriptorProto toProto(FunctionDescriptor d) {
    return FunctionDescriptorProto.newBuilder()
        .setClassName(d.className())
        .setMethodName(d.methodName())
        .setSignature(d.signature())
        .setKind(FunctionDescriptorProto.Kind.forNumber(d.kind().ordinal()))
        .build();
  }

  static String describe(ResourceAmounts resources) {
    Map<String, Double> readable = new TreeMap<>();
    resources.getAmountsMap().forEach((k, v) -> readable.put(k, v / 10_000.0));
    return readable.toString();
  }
}
