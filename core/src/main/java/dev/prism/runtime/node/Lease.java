package dev.prism.runtime.node;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.scheduler.BundleId;
import dev.prism.scheduler.Grant;
import dev.prism.scheduler.LabelSelector;
import dev.prism.scheduler.ResourceRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.HexFormat;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lease request and, once granted, the lease. Mutable fields are guarded by the {@link
 * LeaseScheduler}'s monitor.
 */
final class Lease {

  private static final Logger LOG = LoggerFactory.getLogger(Lease.class);

  /** Where a lease is in its life. */
  enum State {
    /** Waiting for resources on this node. */
    QUEUED,
    /** Resources taken; waiting for a worker of its GPU set to register or come back. */
    AWAITING_WORKER,
    /** Answered with a worker; the submitter holds it until it returns it. */
    GRANTED,
    /** Returned, rejected, timed out, cancelled, or its worker died. */
    DONE
  }

  final ByteString id;
  final LeaseRequest request;
  final ResourceRequest demand;
  final StreamObserver<LeaseReply> reply;

  /** The constraints on the labels of the node that may serve it (empty: any node). */
  final LabelSelector selector;

  /** The submitter's job environment: its jars' hashes, comma separated; empty for none. */
  final String jobJars;

  /** The runtime environment its worker must have (the default instance for none). */
  final dev.prism.runtime.rpc.RuntimeEnvProto env;

  State state = State.QUEUED;
  Grant grant;

  /** The placement-group bundle it draws from (index may be ANY), or null for node resources. */
  BundleId bundle;

  WorkerHandle worker;
  ScheduledFuture<?> timeout;

  /** How deep the worker is in blocking waits; its CPU grant is lent out while above zero. */
  int blockedDepth;

  /** Whether the grant was freed for others while the worker was blocked. */
  boolean grantLent;

  Lease(LeaseRequest request, ResourceRequest demand, StreamObserver<LeaseReply> reply) {
    this.id = request.getLeaseId();
    this.request = request;
    this.demand = demand;
    this.reply = reply;
    this.jobJars = request.getJobJarsCount() == 0 ? "" : String.join(",", request.getJobJarsList());
    this.env = request.getRuntimeEnv();
    this.bundle = LeaseDecider.bundleOf(request.getStrategy());
    this.selector = LeaseDecider.selectorOf(request.getStrategy());
  }

  String submitterWorkerId() {
    return request.getSubmitter().getWorkerId();
  }

  boolean callCancelled() {
    return reply instanceof ServerCallStreamObserver<LeaseReply> s && s.isCancelled();
  }

  /** Answers the request with a rejection (never throws). */
  void reject(String why) {
    send(reply, LeaseReply.newBuilder().setRejected(why).build());
  }

  /** Answers a lease request (never throws: a submitter that went away is only logged). */
  static void send(StreamObserver<LeaseReply> reply, LeaseReply message) {
    try {
      reply.onNext(message);
      reply.onCompleted();
    } catch (RuntimeException e) {
      LOG.debug("could not answer a lease request: {}", e.toString());
    }
  }

  /** The id in hex, for logs and messages. */
  String hexId() {
    return HexFormat.of().formatHex(id.toByteArray());
  }
}
