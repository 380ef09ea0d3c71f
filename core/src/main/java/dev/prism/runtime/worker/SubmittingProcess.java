package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.store.ObjectId;
import io.grpc.ManagedChannel;

/**
 * What both submitters — of tasks ({@link TaskSubmitter.Host}) and of actor calls ({@link
 * ActorSubmitter.Host}) — need of the process they run in: its identity, the ids of what it
 * submits, the refs it owns, and channels to other processes. {@link CoreWorker} implements it once
 * for both; tests implement it with plain fakes.
 */
interface SubmittingProcess {
  /** Throws if this process's Prism session was shut down. */
  void checkAlive();

  /** Whether this process is shutting down (then failed work is not retried). */
  boolean isShutdown();

  /** This process's worker id as a number: the first part of the ids of its tasks and calls. */
  long workerLong();

  /** The next task sequence number of this process (unique, increasing). */
  long nextSequence();

  /** This process's RPC address: the owner of what it creates, the caller replies go to. */
  Address address();

  /** The job that tasks, actors and calls submitted now belong to. */
  ByteString currentJobId();

  /** The namespace that what is submitted now runs in (and named actors are looked up in). */
  String namespace();

  /** A new ref to an object this process owns. */
  ObjectRefImpl<?> newOwnedRef(ObjectId id);

  /** Stores a value too large to travel in a spec, like a put; returns its ref. */
  ObjectRefImpl<?> putEncoded(ValueCodec.Encoded encoded);

  /** Asks the worker running a task or call to cancel it (or to exit when {@code force}). */
  void cancelRemote(Address worker, ByteString taskId, boolean force, boolean recursive);

  /** The task or actor call the calling thread runs, or null (what it submits are its children). */
  default ByteString runningTaskId() {
    return null;
  }

  /** The shared channel to another process. */
  ManagedChannel channelTo(Address address);

  /** Drops the shared channel to a process that is gone. */
  void forgetChannel(Address address);

  /** Where this process records its task events. */
  default TaskEvents taskEvents() {
    return TaskEvents.OFF;
  }
}
