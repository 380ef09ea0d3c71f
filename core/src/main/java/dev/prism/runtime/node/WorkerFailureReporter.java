package dev.prism.runtime.node;

import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.ReportWorkerFailureReply;
import dev.prism.runtime.rpc.ReportWorkerFailureRequest;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the GCS that a registered worker's process died ({@code ReportWorkerFailure}), so it can
 * restart or fail the actor the worker hosted and clean up after what it owned. Reports are sent
 * asynchronously on a channel of their own, never waited for and never retried; a report that fails
 * is logged at debug. Without a GCS nothing is sent.
 *
 * <p>Not reported: workers stopped on purpose (idle, node shutdown) and workers that never
 * registered (those are start failures, which fail the lease they were started for).
 */
final class WorkerFailureReporter implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerFailureReporter.class);
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  /** Why the node manager killed a worker whose lease came back with {@code worker_failed}. */
  static final String KILLED_RETURNED_AS_FAILED = "killed: its lease was returned as failed";

  private final String nodeId;
  private final ManagedChannel channel;
  private final GcsServiceGrpc.GcsServiceStub stub;
  private volatile boolean closed;

  WorkerFailureReporter(
      String nodeId, Optional<String> gcsAddress, dev.prism.runtime.security.ClusterToken token) {
    this.nodeId = nodeId;
    this.channel = gcsAddress.map(a -> Rpc.channel(a, token).build()).orElse(null);
    this.stub = channel == null ? null : GcsServiceGrpc.newStub(channel);
  }

  /** Why the node manager killed a worker whose lease's submitter died. */
  static String killedSubmitterDied(String submitterWorkerId) {
    return "killed: the submitter of its lease (worker " + submitterWorkerId + ") died";
  }

  /**
   * Describes an exit the node manager did not cause, e.g. {@code "exited with code 137 (killed by
   * signal 9, SIGKILL: kill -9 or the out-of-memory killer) while holding lease 0a1b"}.
   */
  static String exitReason(int exitCode, String leaseHexId) {
    String what =
        switch (exitCode) {
          case 0 -> " (it was not asked to exit)";
          case 1 -> " (an uncaught error, or a task cancelled with force)";
          case 70 -> " (a fatal JVM error such as OutOfMemoryError in a task)";
          case 134 -> " (killed by signal 6, SIGABRT: the JVM crashed)";
          case 137 -> " (killed by signal 9, SIGKILL: kill -9 or the out-of-memory killer)";
          case 143 -> " (killed by signal 15, SIGTERM)";
          default ->
              exitCode > 128 && exitCode < 160
                  ? " (killed by signal " + (exitCode - 128) + ")"
                  : "";
        };
    return "exited with code "
        + exitCode
        + what
        + (leaseHexId == null ? " while idle" : " while holding lease " + leaseHexId);
  }

  /** How often a report the GCS did not acknowledge is sent again, and the first pause. */
  private static final int ATTEMPTS = 6;

  private static final long FIRST_RETRY_MILLIS = 500;

  /**
   * Sends a report in the background; returns at once. A report the GCS did not acknowledge
   * (unreachable, timed out) is sent again with growing pauses: without it the GCS would believe a
   * dead actor alive, and its callers would keep trying its address.
   */
  void report(WorkerInfo worker, int exitCode, String reason) {
    if (stub == null || closed) {
      return;
    }
    ReportWorkerFailureRequest request =
        ReportWorkerFailureRequest.newBuilder()
            .setNodeId(nodeId)
            .setWorkerId(worker.workerId())
            .setPid((int) worker.pid())
            .setExitCode(exitCode)
            .setReason(reason)
            .build();
    send(request, 1);
  }

  private void send(ReportWorkerFailureRequest request, int attempt) {
    if (closed) {
      return;
    }
    try {
      stub.withDeadlineAfter(DEADLINE.toNanos(), TimeUnit.NANOSECONDS)
          .reportWorkerFailure(
              request,
              new StreamObserver<>() {
                @Override
                public void onNext(ReportWorkerFailureReply value) {}

                @Override
                public void onError(Throwable t) {
                  io.grpc.Status.Code code = io.grpc.Status.fromThrowable(t).getCode();
                  boolean retry =
                      attempt < ATTEMPTS
                          && !closed
                          && (code == io.grpc.Status.Code.UNAVAILABLE
                              || code == io.grpc.Status.Code.DEADLINE_EXCEEDED);
                  LOG.debug(
                      "could not report the failure of worker {} to the GCS (attempt {}): {}",
                      request.getWorkerId(),
                      attempt,
                      t.toString());
                  if (retry) {
                    CompletableFuture.delayedExecutor(
                            FIRST_RETRY_MILLIS << (attempt - 1), TimeUnit.MILLISECONDS)
                        .execute(() -> send(request, attempt + 1));
                  }
                }

                @Override
                public void onCompleted() {
                  LOG.debug(
                      "reported the failure of worker {} to the GCS: {}",
                      request.getWorkerId(),
                      request.getReason());
                }
              });
    } catch (RuntimeException e) {
      LOG.debug(
          "could not report the failure of worker {} to the GCS: {}",
          request.getWorkerId(),
          e.toString());
    }
  }

  /** Stops sending; reports in flight get a moment to finish. */
  @Override
  public void close() {
    closed = true;
    if (channel == null) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
