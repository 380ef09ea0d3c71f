package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.store.ObjectId;
import java.util.List;

/** A submitted task on its owner's side, from submission until its result is recorded. */
final class PendingTask {
  final TaskSpec.Builder spec;
  final ObjectId returnId;
  final String displayName;

  /** Refs this task keeps alive until it finishes: args by ref and refs nested in args. */
  final List<ObjectId> heldRefs;

  /** Args passed by ref that this process owns and that were pending at submission. */
  final List<ObjectRefProto> dependencies;

  final boolean retryExceptions;
  int retriesLeft;
  int attempt;

  /** How often its lost result was made again from lineage. */
  int reconstructions;

  /** Whether its lineage entry holds its arguments (guarded by this task's monitor). */
  boolean lineageHeld;

  /** The node whose copy of a result was lost, when it is rebuilt (null before). */
  String lostNodeId;

  /** How many of its results have a lineage entry (guarded by this task's monitor). */
  int lineageIds;

  volatile boolean cancelled;

  /** Whether a cancel of it also cancels what it submitted (Ray's recursive, the default). */
  volatile boolean cancelRecursive = true;

  /** The task or actor call that submitted it, or null (submitted by the driver's own code). */
  ByteString parentTaskId;

  /** A task's scheduling class (null for actor calls). */
  TaskSubmitter.SchedulingKey key;

  /** Bytes of its arguments in stores, per node id (hex), for data-locality scoring. */
  java.util.Map<String, Long> localityBytes = java.util.Map.of();

  /** The actor it calls, or null for a task. */
  ActorQueue actor;

  /** An actor call's pending owned arguments: completes when all are ready; null if none. */
  java.util.concurrent.CompletableFuture<Void> argsReady;

  /** How many results it makes (ids return_id, return_id + 1, ...). */
  int numReturns = 1;

  /** The results after the first, from the reply that ended it (numReturns > 1). */
  List<dev.prism.runtime.rpc.ReturnObject> moreResults = List.of();

  /** The caller's generator of a streaming call, or null. */
  StreamingGenerator<?> generator;

  /** The lease it was pushed on, or null while queued. Guarded by its queue's lock. */
  Lease lease;

  PendingTask(
      TaskSpec.Builder spec,
      ObjectId returnId,
      String displayName,
      List<ObjectId> heldRefs,
      List<ObjectRefProto> dependencies,
      int maxRetries,
      boolean retryExceptions) {
    this.spec = spec;
    this.returnId = returnId;
    this.displayName = displayName;
    this.heldRefs = heldRefs;
    this.dependencies = dependencies;
    this.retriesLeft = maxRetries;
    this.retryExceptions = retryExceptions;
  }
}
