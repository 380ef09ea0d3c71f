package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.CreateActorReply;
import dev.prism.runtime.rpc.CreateActorRequest;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ReturnLeaseReply;
import dev.prism.runtime.rpc.ReturnLeaseRequest;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/** Fake node managers and workers for the GCS actor tests: real gRPC servers on loopback. */
final class GcsActorFakes {

  private GcsActorFakes() {}

  private static Server serve(BindableService service) {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build();
    try {
      return server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void stop(Server server) {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A returned lease. */
  record Returned(ByteString leaseId, boolean workerFailed) {}

  /**
   * A node manager whose answer to each lease request comes from a policy: a reply, or null to hold
   * the request (it records when the caller cancels it).
   */
  static final class FakeNodeManager extends NodeManagerServiceGrpc.NodeManagerServiceImplBase
      implements AutoCloseable {
    final String nodeId;
    final ConcurrentLinkedQueue<LeaseRequest> requests = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Returned> returns = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<ByteString> cancelled = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<StreamObserver<LeaseReply>> held = new ConcurrentLinkedQueue<>();
    private final AtomicInteger workers = new AtomicInteger();
    private final Server server;
    volatile Function<LeaseRequest, LeaseReply> policy;

    FakeNodeManager(String nodeId) {
      this.nodeId = nodeId;
      this.server = serve(this);
    }

    Address address() {
      return Address.newBuilder()
          .setHost("127.0.0.1")
          .setPort(server.getPort())
          .setNodeId(nodeId)
          .build();
    }

    /** Grants every request with a new worker id ({@code <node>-w<n>}) served by the worker. */
    FakeNodeManager granting(FakeWorker worker) {
      policy = r -> grant(worker);
      return this;
    }

    LeaseReply grant(FakeWorker worker) {
      int n = workers.incrementAndGet();
      return LeaseReply.newBuilder()
          .setGranted(
              LeaseReply.Granted.newBuilder()
                  .setWorker(
                      Address.newBuilder()
                          .setHost("127.0.0.1")
                          .setPort(worker.port())
                          .setNodeId(nodeId)
                          .setWorkerId(nodeId + "-w" + n))
                  .setWorkerPid(1000 + n)
                  .addGpuIds(0))
          .build();
    }

    static LeaseReply infeasible(String why) {
      return LeaseReply.newBuilder().setInfeasible(why).build();
    }

    static LeaseReply spillback(Address to) {
      return LeaseReply.newBuilder().setSpillback(to).build();
    }

    @Override
    public void requestWorkerLease(LeaseRequest request, StreamObserver<LeaseReply> out) {
      requests.add(request);
      LeaseReply reply = policy == null ? null : policy.apply(request);
      if (reply == null) {
        ((ServerCallStreamObserver<LeaseReply>) out)
            .setOnCancelHandler(() -> cancelled.add(request.getLeaseId()));
        held.add(out);
        return;
      }
      out.onNext(reply);
      out.onCompleted();
    }

    @Override
    public void returnWorkerLease(
        ReturnLeaseRequest request, StreamObserver<ReturnLeaseReply> out) {
      returns.add(new Returned(request.getLeaseId(), request.getWorkerFailed()));
      out.onNext(ReturnLeaseReply.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void close() {
      stop(server);
    }
  }

  /** A worker whose CreateActor answer comes from a policy (null: fail the call). */
  static final class FakeWorker extends CoreWorkerServiceGrpc.CoreWorkerServiceImplBase
      implements AutoCloseable {
    final ConcurrentLinkedQueue<CreateActorRequest> creates = new ConcurrentLinkedQueue<>();
    private final Server server;
    volatile Function<CreateActorRequest, CreateActorReply> policy =
        r -> CreateActorReply.getDefaultInstance();

    FakeWorker() {
      this.server = serve(this);
    }

    int port() {
      return server.getPort();
    }

    @Override
    public void createActor(CreateActorRequest request, StreamObserver<CreateActorReply> out) {
      creates.add(request);
      CreateActorReply reply = policy.apply(request);
      if (reply == null) {
        out.onError(Status.UNAVAILABLE.withDescription("worker crashed").asRuntimeException());
        return;
      }
      out.onNext(reply);
      out.onCompleted();
    }

    @Override
    public void close() {
      stop(server);
    }
  }

  /** Lists the ids of the requests as they were answered. */
  static List<ByteString> leaseIds(FakeNodeManager nm) {
    return nm.requests.stream().map(LeaseRequest::getLeaseId).toList();
  }
}
