package dev.prism.runtime.node;

import dev.prism.runtime.metrics.ReportedMetrics;
import dev.prism.runtime.rpc.CleanUpDeadOwnerReply;
import dev.prism.runtime.rpc.CleanUpDeadOwnerRequest;
import dev.prism.runtime.rpc.CommitBundlesReply;
import dev.prism.runtime.rpc.CommitBundlesRequest;
import dev.prism.runtime.rpc.GetNodeInfoReply;
import dev.prism.runtime.rpc.GetNodeInfoRequest;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.ListObjectsReply;
import dev.prism.runtime.rpc.ListObjectsRequest;
import dev.prism.runtime.rpc.ListWorkersReply;
import dev.prism.runtime.rpc.ListWorkersRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.PrepareBundlesReply;
import dev.prism.runtime.rpc.PrepareBundlesRequest;
import dev.prism.runtime.rpc.RegisterWorkerReply;
import dev.prism.runtime.rpc.RegisterWorkerRequest;
import dev.prism.runtime.rpc.ReportMetricsReply;
import dev.prism.runtime.rpc.ReportMetricsRequest;
import dev.prism.runtime.rpc.ReturnBundlesReply;
import dev.prism.runtime.rpc.ReturnBundlesRequest;
import dev.prism.runtime.rpc.ReturnLeaseReply;
import dev.prism.runtime.rpc.ReturnLeaseRequest;
import dev.prism.runtime.rpc.StoredObjectInfo;
import dev.prism.runtime.rpc.WorkerBlockedReply;
import dev.prism.runtime.rpc.WorkerBlockedRequest;
import dev.prism.runtime.rpc.WorkerOwnsObjectsReply;
import dev.prism.runtime.rpc.WorkerOwnsObjectsRequest;
import dev.prism.runtime.rpc.WorkerProcessInfo;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** The gRPC face of a node manager. */
final class NodeManagerServiceImpl extends NodeManagerServiceGrpc.NodeManagerServiceImplBase {

  private final LeaseScheduler scheduler;
  private final Supplier<GetNodeInfoReply> nodeInfo;
  private final DeadOwnerCleanup deadOwners;
  private final Supplier<java.util.List<dev.prism.store.ObjectInfo>> objects;
  private final ReportedMetrics reported;

  NodeManagerServiceImpl(
      LeaseScheduler scheduler,
      Supplier<GetNodeInfoReply> nodeInfo,
      DeadOwnerCleanup deadOwners,
      Supplier<java.util.List<dev.prism.store.ObjectInfo>> objects,
      ReportedMetrics reported) {
    this.scheduler = scheduler;
    this.nodeInfo = nodeInfo;
    this.deadOwners = deadOwners;
    this.objects = objects;
    this.reported = reported;
  }

  @Override
  public void reportMetrics(ReportMetricsRequest request, StreamObserver<ReportMetricsReply> out) {
    out.onNext(reported.add(request));
    out.onCompleted();
  }

  @Override
  public void listWorkers(ListWorkersRequest request, StreamObserver<ListWorkersReply> out) {
    ListWorkersReply.Builder reply = ListWorkersReply.newBuilder();
    for (WorkerInfo w : scheduler.workers()) {
      reply.addWorkers(
          WorkerProcessInfo.newBuilder()
              .setWorkerId(w.workerId())
              .setPid(w.pid())
              .setAddress(w.address())
              .setState(w.state().name())
              .addAllGpuIds(w.gpuIds()));
    }
    out.onNext(reply.build());
    out.onCompleted();
  }

  @Override
  public void listObjects(ListObjectsRequest request, StreamObserver<ListObjectsReply> out) {
    ListObjectsReply.Builder reply = ListObjectsReply.newBuilder();
    for (dev.prism.store.ObjectInfo o : objects.get()) {
      reply.addObjects(
          StoredObjectInfo.newBuilder()
              .setObjectId(com.google.protobuf.ByteString.copyFrom(o.id().toBytes()))
              .setSize(o.size())
              .setState(o.state().name())
              .setCopy(o.copy().name())
              .setPinCount(o.pinCount())
              .setSpilled(o.spilled())
              .setCreatedMs(o.createdAt().toEpochMilli()));
    }
    out.onNext(reply.build());
    out.onCompleted();
  }

  @Override
  public void registerWorker(
      RegisterWorkerRequest request, StreamObserver<RegisterWorkerReply> out) {
    if (!request.hasAddress() || request.getAddress().getPort() <= 0) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "RegisterWorker from worker "
                      + request.getWorkerId()
                      + " has no address; send the host:port of its CoreWorkerService")
              .asRuntimeException());
      return;
    }
    GetNodeInfoReply node = nodeInfo.get();
    RegisterWorkerReply reply =
        RegisterWorkerReply.newBuilder()
            .setNodeId(node.getNodeId())
            .setStoreSocket(node.getStoreSocket())
            .build();
    String error =
        scheduler.registered(
            request.getWorkerId(),
            request.getPid(),
            request.getAddress(),
            () -> {
              out.onNext(reply);
              out.onCompleted();
            });
    if (error != null) {
      out.onError(Status.FAILED_PRECONDITION.withDescription(error).asRuntimeException());
    }
  }

  @Override
  public void requestWorkerLease(LeaseRequest request, StreamObserver<LeaseReply> out) {
    scheduler.requestLease(request, out);
  }

  @Override
  public void returnWorkerLease(ReturnLeaseRequest request, StreamObserver<ReturnLeaseReply> out) {
    scheduler.returnLease(request.getLeaseId(), request.getWorkerFailed());
    out.onNext(ReturnLeaseReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void notifyWorkerBlocked(
      WorkerBlockedRequest request, StreamObserver<WorkerBlockedReply> out) {
    scheduler.workerBlocked(request.getWorkerId(), request.getLeaseId(), request.getBlocked());
    out.onNext(WorkerBlockedReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void notifyWorkerOwnsObjects(
      WorkerOwnsObjectsRequest request, StreamObserver<WorkerOwnsObjectsReply> out) {
    scheduler.workerOwnsObjects(request.getWorkerId(), request.getOwns());
    out.onNext(WorkerOwnsObjectsReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void prepareBundles(
      PrepareBundlesRequest request, StreamObserver<PrepareBundlesReply> out) {
    if (refuseBadBundles(request.getBundlesList(), out)) {
      return;
    }
    String error = scheduler.prepareBundles(request.getBundlesList());
    if (error == null && request.getCommit()) {
      error = scheduler.commitBundles(request.getBundlesList());
    }
    out.onNext(
        PrepareBundlesReply.newBuilder()
            .setPrepared(error == null)
            .setReason(error == null ? "" : error)
            .build());
    out.onCompleted();
  }

  @Override
  public void commitBundles(CommitBundlesRequest request, StreamObserver<CommitBundlesReply> out) {
    if (refuseBadBundles(request.getBundlesList(), out)) {
      return;
    }
    String error = scheduler.commitBundles(request.getBundlesList());
    if (error != null) {
      out.onError(Status.FAILED_PRECONDITION.withDescription(error).asRuntimeException());
      return;
    }
    out.onNext(CommitBundlesReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void returnBundles(ReturnBundlesRequest request, StreamObserver<ReturnBundlesReply> out) {
    if (refuseBadBundles(request.getBundlesList(), out)) {
      return;
    }
    scheduler.returnBundles(request.getBundlesList(), request.getReason());
    out.onNext(ReturnBundlesReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void cleanUpDeadOwner(
      CleanUpDeadOwnerRequest request, StreamObserver<CleanUpDeadOwnerReply> out) {
    try {
      deadOwners.ownerDied(request.getWorkerId(), request.getFreeObjects(), request.getReason());
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    out.onNext(CleanUpDeadOwnerReply.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void getNodeInfo(GetNodeInfoRequest request, StreamObserver<GetNodeInfoReply> out) {
    out.onNext(nodeInfo.get());
    out.onCompleted();
  }

  /**
   * Answers INVALID_ARGUMENT, before anything is reserved or returned, when a bundle has no group
   * id or a negative index (a reserved bundle is always one index of its group).
   */
  private static boolean refuseBadBundles(
      java.util.List<dev.prism.runtime.rpc.BundleProto> bundles, StreamObserver<?> out) {
    for (dev.prism.runtime.rpc.BundleProto b : bundles) {
      if (b.getPlacementGroupId().isEmpty() || b.getBundleIndex() < 0) {
        out.onError(
            Status.INVALID_ARGUMENT
                .withDescription(
                    "bundle "
                        + b.getBundleIndex()
                        + " of placement group "
                        + java.util.HexFormat.of().formatHex(b.getPlacementGroupId().toByteArray())
                        + ": a bundle needs a placement group id and an index of 0 or more")
                .asRuntimeException());
        return true;
      }
    }
    return false;
  }
}
