package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.PushTaskRequest;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;

/**
 * A worker this submitter holds a lease on, with the stream tasks are pushed on and the tasks in
 * flight on it. Guarded by the lock of the {@link SchedulingQueue} that owns it.
 */
final class Lease {
  final ByteString leaseId;
  final Address worker;
  final int workerPid;

  /** The node manager that granted it: where it is returned. */
  final NodeManagerServiceGrpc.NodeManagerServiceStub grantor;

  final long grantedAtNanos;
  final LinkedHashMap<ByteString, PendingTask> inflight = new LinkedHashMap<>();
  StreamObserver<PushTaskRequest> requests;
  long tasksPushed;
  long idleSinceNanos;
  boolean closed;

  Lease(
      ByteString leaseId,
      Address worker,
      int workerPid,
      NodeManagerServiceGrpc.NodeManagerServiceStub grantor,
      long now) {
    this.leaseId = leaseId;
    this.worker = worker;
    this.workerPid = workerPid;
    this.grantor = grantor;
    this.grantedAtNanos = now;
    this.idleSinceNanos = now;
  }

  @Override
  public String toString() {
    return "lease on worker pid "
        + workerPid
        + " ("
        + worker.getHost()
        + ":"
        + worker.getPort()
        + ")";
  }
}
