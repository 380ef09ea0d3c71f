package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.ActorCreationSpec;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.CreateActorReply;
import dev.prism.runtime.rpc.CreateActorRequest;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.ReturnLeaseReply;
import dev.prism.runtime.rpc.ReturnLeaseRequest;
import dev.prism.runtime.rpc.SchedulingStrategyProto;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RPC side of actor scheduling: lease requests to node managers, {@code CreateActor} on the
 * granted workers, lease returns, and the timer thread for retries and long-poll timeouts. Every
 * call is asynchronous; replies go back to the {@link Callbacks} on gRPC threads. Holds no lock
 * while it calls out.
 */
final class ActorScheduler implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ActorScheduler.class);

  /** The worker id the GCS uses as a lease submitter. */
  static final String SUBMITTER_ID = "gcs";

  /** How long a lease return may take. */
  private static final Duration RETURN_TIMEOUT = Duration.ofSeconds(10);

  /** Where replies go. Called on gRPC threads, never under a lock of this class. */
  interface Callbacks {
    void leaseReplied(
        ByteString actorId,
        long attempt,
        Context.CancellableContext call,
        ByteString leaseId,
        Address nodeManager,
        LeaseReply reply);

    void leaseFailed(
        ByteString actorId,
        long attempt,
        Context.CancellableContext call,
        Address nodeManager,
        Status status);

    void created(ByteString actorId, long attempt, ActorEntry.Lease lease, CreateActorReply reply);

    void createFailed(ByteString actorId, long attempt, ActorEntry.Lease lease, Status status);
  }

  private final RpcChannels channels;
  private final SecureRandom random = new SecureRandom();
  private final ScheduledExecutorService timer;
  private final Duration creationTimeout;
  private volatile Callbacks callbacks;
  private volatile Address submitter = Address.newBuilder().setWorkerId(SUBMITTER_ID).build();

  ActorScheduler(Duration creationTimeout, dev.prism.runtime.security.ClusterToken token) {
    this.creationTimeout = creationTimeout;
    this.channels = new RpcChannels(token);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "prism-gcs-actors");
              t.setDaemon(true);
              return t;
            });
  }

  void callbacks(Callbacks callbacks) {
    this.callbacks = callbacks;
  }

  /** Sets the address the GCS serves on: the submitter of its lease requests. */
  void serveAt(String host, int port) {
    submitter = Address.newBuilder().setHost(host).setPort(port).setWorkerId(SUBMITTER_ID).build();
  }

  /** Runs a task on the actor thread now; dropped once closed. */
  void now(Runnable task) {
    try {
      timer.execute(guard(task));
    } catch (RejectedExecutionException e) {
      LOG.debug("GCS actor thread is closed; dropping a task");
    }
  }

  /** Runs a task on the actor thread after a delay; returns null once closed. */
  ScheduledFuture<?> later(Runnable task, Duration delay) {
    try {
      return timer.schedule(guard(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("GCS actor thread is closed; dropping a timer");
      return null;
    }
  }

  private static Runnable guard(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.error("GCS actor task failed", e);
      }
    };
  }

  /** Returns a fresh random 16-byte lease id. */
  ByteString newLeaseId() {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return ByteString.copyFrom(id);
  }

  /**
   * Asks a node manager for a worker for an actor, inside {@code call}: cancelling it abandons the
   * request on the node manager.
   */
  void requestLease(
      ByteString actorId,
      long attempt,
      Context.CancellableContext call,
      Address nodeManager,
      ResourceAmounts resources,
      SchedulingStrategyProto strategy,
      List<String> jobJars,
      dev.prism.runtime.rpc.RuntimeEnvProto runtimeEnv,
      boolean grantOrQueue) {
    ByteString leaseId = newLeaseId();
    LeaseRequest request =
        LeaseRequest.newBuilder()
            .setLeaseId(leaseId)
            .setResources(resources)
            .setStrategy(strategy)
            .setSubmitter(submitter)
            .setGrantOrQueue(grantOrQueue)
            .setTimeoutMs(0)
            .setExclusiveWorker(true)
            .addAllJobJars(jobJars)
            .setRuntimeEnv(runtimeEnv)
            .build();
    StreamObserver<LeaseReply> observer =
        new StreamObserver<>() {
          private boolean replied;

          @Override
          public void onNext(LeaseReply reply) {
            replied = true;
            callbacks.leaseReplied(actorId, attempt, call, leaseId, nodeManager, reply);
          }

          @Override
          public void onError(Throwable t) {
            if (!replied) {
              callbacks.leaseFailed(actorId, attempt, call, nodeManager, Status.fromThrowable(t));
            }
          }

          @Override
          public void onCompleted() {
            if (!replied) {
              callbacks.leaseFailed(
                  actorId,
                  attempt,
                  call,
                  nodeManager,
                  Status.INTERNAL.withDescription("the lease call completed without a reply"));
            }
          }
        };
    try {
      NodeManagerServiceGrpc.NodeManagerServiceStub stub =
          NodeManagerServiceGrpc.newStub(channels.get(nodeManager));
      call.run(() -> stub.requestWorkerLease(request, observer));
    } catch (IllegalStateException e) {
      LOG.debug("not asking {} for a lease: {}", RpcChannels.key(nodeManager), e.getMessage());
    }
  }

  /** Asks the granted worker to construct the actor. */
  void createActor(
      ByteString actorId,
      long attempt,
      ActorEntry.Lease lease,
      ActorCreationSpec spec,
      int numRestarts) {
    CreateActorRequest request =
        CreateActorRequest.newBuilder().setSpec(spec).setNumRestarts(numRestarts).build();
    StreamObserver<CreateActorReply> observer =
        new StreamObserver<>() {
          private boolean replied;

          @Override
          public void onNext(CreateActorReply reply) {
            replied = true;
            callbacks.created(actorId, attempt, lease, reply);
          }

          @Override
          public void onError(Throwable t) {
            channels.drop(lease.worker);
            if (!replied) {
              callbacks.createFailed(actorId, attempt, lease, Status.fromThrowable(t));
            }
          }

          @Override
          public void onCompleted() {
            // The GCS calls a worker once, to create its actor: no need to keep its channel.
            channels.drop(lease.worker);
            if (!replied) {
              callbacks.createFailed(
                  actorId,
                  attempt,
                  lease,
                  Status.INTERNAL.withDescription("CreateActor completed without a reply"));
            }
          }
        };
    try {
      CoreWorkerServiceGrpc.CoreWorkerServiceStub stub =
          CoreWorkerServiceGrpc.newStub(channels.get(lease.worker))
              .withDeadlineAfter(creationTimeout.toNanos(), TimeUnit.NANOSECONDS);
      // Not in the caller's context: that may be the (cancelled) context of the lease call.
      Context.ROOT.run(() -> stub.createActor(request, observer));
    } catch (IllegalStateException e) {
      LOG.debug(
          "not creating {} on {}: {}",
          ActorSpecs.describe(spec),
          RpcChannels.key(lease.worker),
          e.getMessage());
    }
  }

  /** Gives a held lease back (once; later calls for the same lease do nothing). */
  void returnLease(ActorEntry.Lease lease, boolean workerFailed) {
    if (lease.claimReturn()) {
      returnLease(lease.nodeManager, lease.leaseId, workerFailed);
    }
  }

  /** Gives a lease back to the node manager that granted it. */
  void returnLease(Address nodeManager, ByteString leaseId, boolean workerFailed) {
    ReturnLeaseRequest request =
        ReturnLeaseRequest.newBuilder().setLeaseId(leaseId).setWorkerFailed(workerFailed).build();
    StreamObserver<ReturnLeaseReply> observer =
        new StreamObserver<>() {
          @Override
          public void onNext(ReturnLeaseReply value) {}

          @Override
          public void onError(Throwable t) {
            LOG.debug(
                "returning lease {} to {} failed: {}",
                ActorSpecs.hex(leaseId),
                RpcChannels.key(nodeManager),
                Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {}
        };
    try {
      NodeManagerServiceGrpc.NodeManagerServiceStub stub =
          NodeManagerServiceGrpc.newStub(channels.get(nodeManager))
              .withDeadlineAfter(RETURN_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      // Not in the caller's context: that may be the (cancelled) context of the lease call.
      Context.ROOT.run(() -> stub.returnWorkerLease(request, observer));
    } catch (IllegalStateException e) {
      LOG.debug("not returning lease {}: {}", ActorSpecs.hex(leaseId), e.getMessage());
    }
  }

  /** Shuts the channel to a process that is gone. */
  void drop(Address address) {
    channels.drop(address);
  }

  int channelCount() {
    return channels.size();
  }

  /** Stops the timer thread and shuts every channel down (calls in flight are cancelled). */
  @Override
  public void close() {
    timer.shutdownNow();
    channels.close();
  }
}
