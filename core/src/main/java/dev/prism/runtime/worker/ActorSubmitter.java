package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.PendingCallsLimitExceededException;
import dev.prism.PrismException;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetActorReply;
import dev.prism.runtime.rpc.GetActorRequest;
import dev.prism.runtime.rpc.KillActorRequest;
import dev.prism.runtime.rpc.PushTaskReply;
import dev.prism.runtime.rpc.RegisterActorRequest;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.store.ObjectId;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The caller's half of actors in one process: creates actors (registering them with the GCS, which
 * schedules them), submits calls through one {@link ActorQueue} per actor, looks up named actors,
 * kills actors, and destroys the actors whose last handle went away. Reach it through {@link
 * CoreWorker#actors()}; the public API ({@code Prism.actor}, {@code handle.task}) calls it.
 */
public final class ActorSubmitter implements ActorHandleImpl.Actors {

  private static final Logger LOG = LoggerFactory.getLogger(ActorSubmitter.class);

  /** Concurrency chosen for actors with async methods when the creator did not choose. */
  static final int DEFAULT_ASYNC_CONCURRENCY = 1_000;

  private static final long RPC_SECONDS = 30;

  /**
   * What the actor submitter needs from the process it runs in, beyond what every submitter does.
   */
  interface Host extends SubmittingProcess {
    /** The class loader that actor classes are resolved with. */
    ClassLoader classLoader();

    /** The actor this process hosts, or null. */
    HostedActor hostedActor();
  }

  private final Host host;
  private final TaskSubmitter tasks;
  private final MemoryStore memory;
  private final ReferenceCounter references;
  private final ValueCodec codec;
  private final ScheduledExecutorService timer;
  private final ManagedChannel gcsChannel;
  private final String gcsAddress;
  private final ConcurrentHashMap<ByteString, ActorQueue> queues = new ConcurrentHashMap<>();

  /** How long one long poll of the GCS waits for an actor that is being (re)created. */
  private final long actorPollMillis;

  /** What the queues call back. */
  private final ActorQueue.Host queueHost = new QueueHost();

  /** Lifetime refs this process owns, to the actor each keeps alive. */
  private final ConcurrentHashMap<ObjectId, ByteString> lifetimeRefs = new ConcurrentHashMap<>();

  /** The refs in the creation arguments of actors this process created, held for restarts. */
  private final ConcurrentHashMap<ByteString, List<ObjectId>> creationArgs =
      new ConcurrentHashMap<>();

  /**
   * @param host the process it runs in
   * @param tasks the task submitter, which tracks and finishes calls like tasks
   * @param memory this process's object table, where calls' results live
   * @param references this process's reference counts (arguments stay held while calls need them)
   * @param codec encodes arguments and decodes errors
   * @param timer runs the queues' delayed work
   * @param gcsChannel the channel to the GCS, which schedules actors
   * @param gcsAddress the GCS's address, for messages
   * @param actorPoll how long one long poll of the GCS waits for an actor being (re)created
   */
  ActorSubmitter(
      Host host,
      TaskSubmitter tasks,
      MemoryStore memory,
      ReferenceCounter references,
      ValueCodec codec,
      ScheduledExecutorService timer,
      ManagedChannel gcsChannel,
      String gcsAddress,
      java.time.Duration actorPoll) {
    this.host = host;
    this.memory = memory;
    this.references = references;
    this.codec = codec;
    this.timer = timer;
    this.actorPollMillis = actorPoll.toMillis();
    this.tasks = tasks;
    this.gcsChannel = gcsChannel;
    this.gcsAddress = gcsAddress;
  }

  // ------------------------------------------------------------------------------- creation

  /**
   * Creates an actor: registers it with the GCS, which schedules it; returns at once.
   *
   * @param factory its constructor or static factory
   * @param args the factory's arguments: values or refs
   * @param options how it is to be created
   * @return its handle
   * @throws PrismException if the GCS refuses it (a name taken, say) or cannot be reached
   */
  public ActorHandle<?> create(FunctionDescriptor factory, Object[] args, ActorOptions options) {
    host.checkAlive();
    ClassLoader loader = host.classLoader();
    Class<?> actorClass = actorClass(factory, loader);
    byte[] raw = new byte[16];
    ThreadLocalRandom.current().nextBytes(raw);
    ByteString actorId = ByteString.copyFrom(raw);
    // Refuses here, at remote(), what the actor's process would refuse when it starts.
    java.util.Map<String, String> methodGroups =
        ConcurrencyGroups.methodGroups(
            actorClass,
            options.concurrencyGroups(),
            ActorHandleImpl.display(actorClass.getName(), actorId));
    int concurrency =
        options.maxConcurrency() > 0
            ? options.maxConcurrency()
            : ConcurrencyGroups.defaultGroupHasAsyncMethods(actorClass, methodGroups)
                ? DEFAULT_ASYNC_CONCURRENCY
                : 1;
    String namespace = options.namespace() != null ? options.namespace() : host.namespace();
    ActorCreationSpec.Builder spec =
        ActorCreationSpec.newBuilder()
            .setActorId(actorId)
            .setJobId(host.currentJobId())
            .setOwner(host.address())
            .setFunction(TaskSubmitter.toProto(factory))
            .setResources(options.resources())
            .setMaxRestarts(options.maxRestarts())
            .setMaxTaskRetries(options.maxTaskRetries())
            .setMaxConcurrency(concurrency)
            .setMaxPendingCalls(options.maxPendingCalls())
            .setName(options.name() == null ? "" : options.name())
            .setNamespace(namespace)
            .setDetached(options.detached())
            .setClassName(actorClass.getName())
            .setStrategy(options.strategy())
            .addAllJobJars(JobEnvironment.JARS)
            .setRuntimeEnv(options.runtimeEnv())
            .addAllConcurrencyGroups(options.concurrencyGroups());
    List<ObjectId> held = new ArrayList<>();
    List<ObjectRefImpl<?>> keepAlive = new ArrayList<>();
    for (Object arg : args) {
      spec.addArgs(tasks.toArg(arg, held, new ArrayList<>(), keepAlive));
    }
    references.addSubmitted(held);
    try {
      gcsBlocking().registerActor(RegisterActorRequest.newBuilder().setSpec(spec).build());
    } catch (StatusRuntimeException e) {
      references.removeSubmitted(held);
      throw gcsError("creating actor " + ActorHandleImpl.display(actorClass.getName(), actorId), e);
    }
    if (!held.isEmpty()) {
      creationArgs.put(actorId, held);
    }
    ObjectRefImpl<?> lifetime = null;
    if (!options.detached()) {
      lifetime = host.putEncoded(codec.encode(actorId.toByteArray()));
      lifetimeRefs.put(lifetime.objectId(), actorId);
    }
    java.lang.ref.Reference.reachabilityFence(keepAlive);
    return new ActorHandleImpl<>(
        this,
        actorId,
        actorClass.getName(),
        options.maxTaskRetries(),
        options.maxPendingCalls(),
        lifetime,
        ConcurrencyGroups.names(options.concurrencyGroups()));
  }

  private static Class<?> actorClass(FunctionDescriptor factory, ClassLoader loader) {
    try {
      if (factory.kind() == FunctionDescriptor.Kind.CONSTRUCTOR) {
        return Class.forName(factory.className(), false, loader);
      }
      Class<?> type =
          MethodType.fromMethodDescriptorString(factory.signature(), loader).returnType();
      if (type.isPrimitive() || type.isArray()) {
        throw new PrismException(
            factory.displayName()
                + " returns "
                + type.getName()
                + ": a static factory of an actor must return the actor's instance");
      }
      return type;
    } catch (ClassNotFoundException | TypeNotPresentException e) {
      throw new PrismException("cannot load the class of actor factory " + factory, e);
    }
  }

  // ---------------------------------------------------------------------------------- calls

  /**
   * Submits a call to an actor.
   *
   * @param handle the actor
   * @param function an instance method of its class
   * @param args the arguments: values or refs
   * @param name the call's display name, or null
   * @param concurrencyGroup the concurrency group the call runs in, or null for its method's
   * @return the ref of its result, owned by this process
   * @throws PendingCallsLimitExceededException over the actor's max pending calls
   * @throws IllegalArgumentException if the actor declares no concurrency group of that name
   */
  public ObjectRef<?> submit(
      ActorHandle<?> handle,
      FunctionDescriptor function,
      Object[] args,
      String name,
      String concurrencyGroup) {
    return (ObjectRef<?>) submit(handle, function, args, name, concurrencyGroup, Returns.ONE);
  }

  /**
   * Submits a call to an actor.
   *
   * @param concurrencyGroup the concurrency group the call runs in, or null for its method's
   * @param returns one result, several, or a streaming generator
   * @return its result's ref, the list of its results' refs, or its generator
   * @throws PendingCallsLimitExceededException over the actor's max pending calls
   * @throws IllegalArgumentException if the actor declares no concurrency group of that name
   */
  public Object submit(
      ActorHandle<?> handle,
      FunctionDescriptor function,
      Object[] args,
      String name,
      String concurrencyGroup,
      Returns returns) {
    host.checkAlive();
    ActorHandleImpl<?> h = impl(handle);
    ActorQueue queue = queue(h);
    checkMethodOf(h, function);
    ConcurrencyGroups.checkCallGroup(h.concurrencyGroups(), h.display(), concurrencyGroup);
    long seq = host.nextSequence();
    ObjectId returnId = new ObjectId(host.workerLong(), seq, 1);
    String displayName = name != null ? name : queue.display + "." + function.methodName();
    TaskSpec.Builder spec =
        TaskSpec.newBuilder()
            .setTaskId(Ids.taskId(host.workerLong(), seq))
            .setJobId(host.currentJobId())
            .setCaller(host.address())
            .setFunction(TaskSubmitter.toProto(function))
            .setReturnId(ByteString.copyFrom(returnId.toBytes()))
            .setName(displayName)
            .setActorId(h.actorIdBytes())
            .setNamespace(host.namespace());
    if (concurrencyGroup != null) {
      spec.setConcurrencyGroup(concurrencyGroup);
    }
    returns.applyTo(spec);
    List<ObjectId> held = new ArrayList<>();
    List<ObjectRefImpl<?>> keepAlive = new ArrayList<>();
    List<dev.prism.runtime.rpc.ObjectRefProto> dependencies = new ArrayList<>();
    for (Object arg : args) {
      spec.addArgs(tasks.toArg(arg, held, dependencies, keepAlive));
    }
    if (h.lifetimeRef() != null) {
      // The actor stays alive while calls to it are pending, even if the handle is dropped.
      held.add(h.lifetimeRef().objectId());
      keepAlive.add(h.lifetimeRef());
    }
    PendingTask task = new PendingTask(spec, returnId, displayName, held, dependencies, 0, false);
    task.parentTaskId = host.runningTaskId();
    if (!dependencies.isEmpty()) {
      // The call waits on the caller's side, in order, until these are ready: the actor
      // never blocks its thread on an argument (and a dependency's error fails the call).
      task.argsReady = tasks.dependenciesReady(dependencies);
    }
    Object[] result = new Object[1];
    queue.submit(
        task,
        () -> {
          result[0] = returns.outputs(task, tasks.outputs);
          references.addSubmitted(held);
          tasks.register(task);
          host.taskEvents().submitted(task);
        });
    java.lang.ref.Reference.reachabilityFence(keepAlive);
    return result[0];
  }

  /** Methods already checked to belong to an actor class: "actor class|method class". */
  private final java.util.Set<String> checkedMethods = ConcurrentHashMap.newKeySet();

  /** Refuses, at submit time, a method that the actor's class does not have. */
  private void checkMethodOf(ActorHandleImpl<?> h, FunctionDescriptor method) {
    String key = h.className() + "|" + method.className();
    if (h.className().equals(method.className()) || checkedMethods.contains(key)) {
      return;
    }
    try {
      ClassLoader loader = host.classLoader();
      Class<?> actorClass = Class.forName(h.className(), false, loader);
      Class<?> owner = Class.forName(method.className(), false, loader);
      if (!owner.isAssignableFrom(actorClass)) {
        throw new PrismException(
            method.displayName()
                + " is not a method of actor "
                + h.display()
                + " (class "
                + h.className()
                + ")");
      }
    } catch (ClassNotFoundException e) {
      // This process cannot load one of them: the actor's process checks when it runs.
      return;
    }
    checkedMethods.add(key);
  }

  private ActorQueue queue(ActorHandleImpl<?> h) {
    ActorQueue q = queues.get(h.actorIdBytes());
    return q != null
        ? q
        : queues.computeIfAbsent(
            h.actorIdBytes(),
            id ->
                new ActorQueue(
                    queueHost,
                    id,
                    h.display(),
                    h.maxTaskRetries(),
                    h.maxPendingCalls(),
                    actorPollMillis));
  }

  // ------------------------------------------------------------------- lookups, kills, exits

  /**
   * Looks up a live named actor.
   *
   * @param name its name
   * @param namespace its namespace, or null for the calling code's
   * @return its handle, or empty when no live actor has that name there
   */
  public Optional<ActorHandle<?>> byName(String name, String namespace) {
    host.checkAlive();
    if (namespace == null) {
      namespace = host.namespace();
    }
    GetActorReply reply;
    try {
      reply =
          gcsBlocking()
              .getActor(GetActorRequest.newBuilder().setName(name).setNamespace(namespace).build());
    } catch (StatusRuntimeException e) {
      throw gcsError("looking up actor '" + name + "'", e);
    }
    if (!reply.getFound() || reply.getActor().getState() == ActorState.DEAD) {
      return Optional.empty();
    }
    ActorCreationSpec spec = reply.getActor().getSpec();
    return Optional.of(
        new ActorHandleImpl<>(
            this,
            reply.getActor().getActorId(),
            spec.getClassName(),
            spec.getMaxTaskRetries(),
            spec.getMaxPendingCalls(),
            null,
            ConcurrencyGroups.names(spec.getConcurrencyGroupsList())));
  }

  /**
   * Kills an actor at once.
   *
   * @param actor the actor
   * @param noRestart true to end it for good; false to restart it if it has restarts left
   */
  @Override
  public void kill(ActorHandle<?> actor, boolean noRestart) {
    host.checkAlive();
    ActorHandleImpl<?> handle = impl(actor);
    String reason = "it was killed with Prism.kill" + (noRestart ? "" : " (restart allowed)");
    boolean found;
    try {
      found =
          gcsBlocking()
              .killActor(
                  KillActorRequest.newBuilder()
                      .setActorId(handle.actorIdBytes())
                      .setNoRestart(noRestart)
                      .setReason(reason)
                      .build())
              .getFound();
    } catch (StatusRuntimeException e) {
      throw gcsError("killing actor " + handle.display(), e);
    }
    // The GCS marked it dead; its process may still answer calls for a moment. Calls from here
    // fail from now on, as they would once this process hears of the death.
    ActorQueue q = queues.get(handle.actorIdBytes());
    if (noRestart && found && q != null) {
      q.killedHere(reason);
    }
  }

  /**
   * Ends the actor this process hosts, for good: the GCS marks it dead (calls pending on it fail
   * with ActorDiedException) and this process exits. Does not return.
   *
   * @throws PrismException if this process hosts no actor
   */
  public void exitActor() {
    HostedActor actor = host.hostedActor();
    if (actor == null) {
      throw new PrismException(
          "Prism.exitActor() was called outside an actor: only a method"
              + " running on an actor can end it");
    }
    try {
      gcsBlocking()
          .killActor(
              KillActorRequest.newBuilder()
                  .setActorId(actor.actorId)
                  .setNoRestart(true)
                  .setReason("it exited itself with Prism.exitActor()")
                  .build());
    } catch (RuntimeException e) {
      LOG.warn("could not tell the GCS that actor {} exits: {}", actor.display, e.toString());
    }
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(0);
  }

  private static ActorHandleImpl<?> impl(ActorHandle<?> handle) {
    if (handle instanceof ActorHandleImpl<?> h) {
      return h;
    }
    throw new PrismException(
        handle == null
            ? "the actor handle is null"
            : "unknown ActorHandle implementation "
                + handle.getClass().getName()
                + ": use handles that Prism returned");
  }

  /**
   * A lifetime ref this process owns was freed: no handle to its actor is left anywhere, so the
   * actor is destroyed (the GCS ignores this for named and detached actors).
   */
  boolean lifetimeRefFreed(ObjectId id) {
    ByteString actorId = lifetimeRefs.remove(id);
    if (actorId == null) {
      return false;
    }
    List<ObjectId> args = creationArgs.remove(actorId);
    if (args != null) {
      references.removeSubmitted(args);
    }
    if (host.isShutdown()) {
      return true;
    }
    gcs()
        .withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS)
        .killActor(
            KillActorRequest.newBuilder()
                .setActorId(actorId)
                .setNoRestart(true)
                .setOutOfScope(true)
                .setReason("no handle to it was left (it was not named or detached)")
                .build(),
            BorrowNotifier.ignoring("destroying an actor out of scope"));
    return true;
  }

  // -------------------------------------------------------------- what the queues call back

  void onReply(PendingTask task, PushTaskReply reply) {
    tasks.onReply(task, reply);
  }

  /** Inlines a call's ready arguments; returns an argument's error value, or null. */
  StoredValue inlineResolved(PendingTask task) {
    return tasks.inlineResolved(task);
  }

  void finish(PendingTask task, StoredValue value) {
    tasks.finish(task, value);
  }

  /** A dead actor's queue holds nothing any more: a later call makes a fresh one. */
  void forget(ActorQueue queue) {
    queues.remove(queue.actorId, queue);
  }

  /** Whether an actor died because its job or runtime environment could not be set up. */
  static boolean isEnvironmentDeath(String deathCause) {
    return deathCause.startsWith("its runtime environment cannot be set up: ")
        || deathCause.startsWith("its job environment cannot be set up: ");
  }

  void failDead(PendingTask task, String message, ActorInfo info) {
    TaskError error = null;
    if (info != null && !info.getCreationError().isEmpty()) {
      try {
        TaskError ctor = codec.decodeError(info.getCreationError().toByteArray());
        error =
            new TaskError(
                TaskError.Kind.ACTOR_DIED,
                task.displayName,
                ctor.exceptionClass(),
                message,
                ctor.remoteStackTrace(),
                ctor.exception());
      } catch (RuntimeException e) {
        LOG.debug("the creation error of actor {} cannot be read", task.displayName, e);
      }
    }
    if (error == null && info != null && isEnvironmentDeath(info.getDeathCause())) {
      // Its worker could never be set up: the cause says so, as a constructor's exception would.
      Throwable cause = new dev.prism.RuntimeEnvSetupException(info.getDeathCause());
      cause.setStackTrace(new StackTraceElement[0]);
      error =
          new TaskError(
              TaskError.Kind.ACTOR_DIED,
              task.displayName,
              cause.getClass().getName(),
              message,
              "",
              codec.serializeException(cause));
    }
    if (error == null) {
      error = TaskError.system(TaskError.Kind.ACTOR_DIED, task.displayName, message);
    }
    host.taskEvents()
        .ended(
            task.spec.getTaskId(),
            task.attempt,
            dev.prism.runtime.rpc.TaskStateProto.TASK_FAILED,
            TaskError.Kind.ACTOR_DIED.name(),
            message);
    tasks.finish(task, StoredValue.inline(ValueFormat.ERROR, codec.encodeError(error), List.of()));
  }

  void finishCancelled(PendingTask task) {
    tasks.finishCancelled(task);
  }

  boolean cancel(PendingTask task, boolean force) {
    if (force) {
      throw ActorQueue.noForceCancel(task.actor.display);
    }
    task.cancelled = true;
    return task.actor.cancel(task);
  }

  void cancelRemote(Address target, ByteString taskId, boolean recursive) {
    host.cancelRemote(target, taskId, false, recursive);
  }

  GcsServiceGrpc.GcsServiceStub gcs() {
    return GcsServiceGrpc.newStub(gcsChannel);
  }

  private GcsServiceGrpc.GcsServiceBlockingStub gcsBlocking() {
    return GcsServiceGrpc.newBlockingStub(gcsChannel)
        .withDeadlineAfter(RPC_SECONDS, TimeUnit.SECONDS);
  }

  ManagedChannel channelTo(Address address) {
    return host.channelTo(address);
  }

  void forgetChannel(Address address) {
    host.forgetChannel(address);
  }

  boolean isShutdown() {
    return host.isShutdown();
  }

  void later(Runnable r) {
    schedule(r, 0);
  }

  void schedule(Runnable r, long millis) {
    try {
      timer.schedule(r, millis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Shutting down: pending calls are failed by the task submitter.
    }
  }

  /** This process as the actor queues see it. */
  private final class QueueHost implements ActorQueue.Host {
    @Override
    public void onReply(PendingTask task, PushTaskReply reply) {
      ActorSubmitter.this.onReply(task, reply);
    }

    @Override
    public StoredValue inlineResolved(PendingTask task) {
      return ActorSubmitter.this.inlineResolved(task);
    }

    @Override
    public void finish(PendingTask task, StoredValue value) {
      ActorSubmitter.this.finish(task, value);
    }

    @Override
    public void discardItem(dev.prism.runtime.rpc.GeneratorItem item) {
      tasks.discardItem(item);
    }

    @Override
    public void finishCancelled(PendingTask task) {
      ActorSubmitter.this.finishCancelled(task);
    }

    @Override
    public void failDead(PendingTask task, String message, ActorInfo info) {
      ActorSubmitter.this.failDead(task, message, info);
    }

    @Override
    public void forget(ActorQueue queue) {
      ActorSubmitter.this.forget(queue);
    }

    @Override
    public void cancelRemote(Address target, ByteString taskId, boolean recursive) {
      ActorSubmitter.this.cancelRemote(target, taskId, recursive);
    }

    @Override
    public void warnInfeasible(
        ResourceAmounts resources,
        java.util.Map<String, String> labelSelector,
        String what,
        String reason) {
      tasks.warnInfeasible(resources, labelSelector, what, reason);
    }

    @Override
    public GcsServiceGrpc.GcsServiceStub gcs() {
      return ActorSubmitter.this.gcs();
    }

    @Override
    public ManagedChannel channelTo(Address address) {
      return ActorSubmitter.this.channelTo(address);
    }

    @Override
    public void forgetChannel(Address address) {
      ActorSubmitter.this.forgetChannel(address);
    }

    @Override
    public boolean isShutdown() {
      return ActorSubmitter.this.isShutdown();
    }

    @Override
    public void later(Runnable r) {
      ActorSubmitter.this.later(r);
    }

    @Override
    public void schedule(Runnable r, long millis) {
      ActorSubmitter.this.schedule(r, millis);
    }
  }

  void close() {
    for (ActorQueue q : queues.values()) {
      q.close();
    }
  }

  private PrismException gcsError(String what, StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    String description = e.getStatus().getDescription();
    if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
      return new PrismException(
          what + " failed: the GCS at " + gcsAddress + " did not answer (" + e.getStatus() + ")",
          e);
    }
    return new PrismException(
        what + " failed: " + (description != null ? description : e.getStatus().toString()), e);
  }
}
