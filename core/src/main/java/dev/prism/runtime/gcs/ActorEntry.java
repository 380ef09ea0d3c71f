package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.ActorState;
import dev.prism.runtime.rpc.Address;
import io.grpc.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One actor in the GCS table: its published {@link ActorInfo} and the scheduling state behind it.
 * Every field is guarded by the {@link ActorManager}'s monitor.
 */
final class ActorEntry {

  /** A worker lease the GCS holds for one instance of the actor (granted, creating or alive). */
  static final class Lease {
    final ByteString leaseId;
    final Address nodeManager;
    final String nodeId;
    final Address worker;
    final int pid;
    final List<Integer> gpuIds;
    private final AtomicBoolean returned = new AtomicBoolean();

    Lease(
        ByteString leaseId,
        Address nodeManager,
        String nodeId,
        Address worker,
        int pid,
        List<Integer> gpuIds) {
      this.leaseId = leaseId;
      this.nodeManager = nodeManager;
      this.nodeId = nodeId;
      this.worker = worker;
      this.pid = pid;
      this.gpuIds = List.copyOf(gpuIds);
    }

    /** Claims the one return of this lease; false when it was already returned (or dropped). */
    boolean claimReturn() {
      return returned.compareAndSet(false, true);
    }

    String workerId() {
      return worker.getWorkerId();
    }

    /** "the actor's process (pid P on node N)". */
    String process() {
      return "the actor's process (pid " + pid + " on node " + nodeId + ")";
    }
  }

  final ByteString id;
  final ActorCreationSpec spec;
  ActorInfo info;

  /** The current scheduling attempt; replies of other attempts are stale. */
  long attempt;

  /** The lease request in flight (cancel it to abandon the request), or null. */
  Context.CancellableContext leaseCall;

  /** The node whose node manager the request in flight went to. */
  String leaseNodeId = "";

  /** The lease of the current instance (being created, or alive), or null. */
  Lease lease;

  /** Whether an infeasible request was already logged for the current attempt. */
  boolean infeasibleWarned;

  /** Long polls waiting for the version to move. */
  final List<ActorManager.Waiter> waiters = new ArrayList<>();

  ActorEntry(ActorCreationSpec spec, long attempt) {
    this.id = spec.getActorId();
    this.spec = spec;
    this.attempt = attempt;
    this.info =
        ActorInfo.newBuilder()
            .setActorId(spec.getActorId())
            .setState(ActorState.PENDING_CREATION)
            .setVersion(1)
            .setSpec(spec)
            .build();
  }

  ActorState state() {
    return info.getState();
  }

  boolean dead() {
    return info.getState() == ActorState.DEAD;
  }

  String nameKey() {
    return spec.getName().isEmpty()
        ? null
        : ActorSpecs.nameKey(spec.getNamespace(), spec.getName());
  }

  String describe() {
    return ActorSpecs.describe(spec);
  }
}
