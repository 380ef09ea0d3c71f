package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.rpc.CleanUpDeadOwnerReply;
import dev.prism.runtime.rpc.CleanUpDeadOwnerRequest;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GetObjectReply;
import dev.prism.runtime.rpc.GetObjectRequest;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ReportWorkerFailureRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the drivers of live jobs: a driver that stops answering for the node timeout (killed
 * rather than shut down) ends its job, as its {@code Prism.shutdown()} would have, so the job's
 * actors that are not detached (and its placement groups) are destroyed instead of staying. Every
 * live node is then told to clean up after the dead driver (as Ray's job-finished broadcast does):
 * the leases it held end and their workers are killed, and the objects it owned are deleted from
 * the node's store. Likewise, when a node reports a dead worker, the other nodes end the leases
 * that worker held there (a task's nested tasks on other nodes), as Ray's worker-failure broadcast
 * does; the worker's own node already did so for its leases there.
 */
final class DriverWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DriverWatcher.class);

  /** An object id no driver has: asking for it is a cheap "are you there". */
  private static final ByteString PROBE = ByteString.copyFrom(new byte[20]);

  private final JobTable jobs;
  private final java.util.function.Consumer<ByteString> jobFinished;
  private final NodeTable nodes;
  private final Duration timeout;
  private final RpcChannels channels;
  private final Map<Integer, Long> lastAnswer = new ConcurrentHashMap<>();

  DriverWatcher(
      JobTable jobs,
      java.util.function.Consumer<ByteString> jobFinished,
      NodeTable nodes,
      Duration timeout,
      dev.prism.runtime.security.ClusterToken token) {
    this.channels = new RpcChannels(token);
    this.jobs = jobs;
    this.jobFinished = jobFinished;
    this.nodes = nodes;
    this.timeout = timeout;
  }

  /** Probes every live job's driver once; ends the jobs whose drivers stayed silent. */
  void check() {
    long now = System.nanoTime();
    for (JobTable.Job job : jobs.live()) {
      long seen = lastAnswer.computeIfAbsent(job.id(), id -> now);
      if (now - seen > timeout.toNanos()) {
        finish(
            job,
            "its driver at "
                + job.driver().getHost()
                + ":"
                + job.driver().getPort()
                + " has not answered for "
                + timeout.toSeconds()
                + " s");
        continue;
      }
      io.grpc.Channel channel;
      try {
        channel = channels.get(job.driver());
      } catch (IllegalArgumentException e) {
        // an address no channel can be made to (RegisterJob checks them): it never answers
        continue;
      }
      CoreWorkerServiceGrpc.newStub(channel)
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .getObject(
              GetObjectRequest.newBuilder().setObjectId(PROBE).setTimeoutMs(0).build(),
              new StreamObserver<>() {
                @Override
                public void onNext(GetObjectReply reply) {
                  lastAnswer.put(job.id(), System.nanoTime());
                }

                @Override
                public void onError(Throwable t) {
                  if (Status.fromThrowable(t).getCode() != Status.Code.UNAVAILABLE) {
                    // It answered, if only with an error: it is alive.
                    lastAnswer.put(job.id(), System.nanoTime());
                  }
                }

                @Override
                public void onCompleted() {}
              });
    }
  }

  private void finish(JobTable.Job job, String why) {
    if (jobs.finish(job.id())) {
      LOG.warn(
          "job {} ended: {}; destroying its actors that are not detached and its"
              + " placement groups",
          job.id(),
          why);
      jobFinished.accept(JobTable.encode(job.id()));
      cleanUpNodes(job.driver().getWorkerId(), true, "job " + job.id() + " ended: " + why, "");
    }
    lastAnswer.remove(job.id());
    channels.drop(job.driver());
  }

  /** A node reported a dead worker: the other nodes end the leases it held there. */
  void workerDied(ReportWorkerFailureRequest failure) {
    // Outside the report's call context: the calls must outlive the report's answer.
    io.grpc.Context.ROOT.run(
        () ->
            cleanUpNodes(
                failure.getWorkerId(),
                false,
                "worker "
                    + failure.getWorkerId()
                    + " of node "
                    + failure.getNodeId()
                    + " died: "
                    + failure.getReason(),
                failure.getNodeId()));
  }

  /**
   * Tells every live node (but {@code skipNode}) that a process died (best effort: a node that does
   * not answer is logged; one that is dead has nothing of the process's left to clean up).
   */
  private void cleanUpNodes(String workerId, boolean freeObjects, String why, String skipNode) {
    if (workerId.isEmpty()) {
      return;
    }
    CleanUpDeadOwnerRequest request =
        CleanUpDeadOwnerRequest.newBuilder()
            .setWorkerId(workerId)
            .setFreeObjects(freeObjects)
            .setReason(why)
            .build();
    for (NodeInfo node : nodes.all()) {
      if (!node.getAlive()) {
        channels.drop(node.getAddress()); // opened for an earlier clean-up; never needed again
        continue;
      }
      if (node.getNodeId().equals(skipNode)) {
        continue;
      }
      NodeManagerServiceGrpc.NodeManagerServiceStub stub;
      try {
        stub = NodeManagerServiceGrpc.newStub(channels.get(node.getAddress()));
      } catch (IllegalStateException e) {
        return; // the GCS is shutting down
      }
      stub.withDeadlineAfter(10, TimeUnit.SECONDS)
          .cleanUpDeadOwner(
              request,
              new StreamObserver<>() {
                @Override
                public void onNext(CleanUpDeadOwnerReply reply) {}

                @Override
                public void onError(Throwable t) {
                  LOG.warn(
                      "node {} could not clean up after {} ({}): {}",
                      node.getNodeId(),
                      workerId,
                      why,
                      t.toString());
                }

                @Override
                public void onCompleted() {}
              });
    }
  }

  @Override
  public void close() {
    channels.close();
  }
}
