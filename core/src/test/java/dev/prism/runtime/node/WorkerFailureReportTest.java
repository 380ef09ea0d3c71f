package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.GetAllNodesReply;
import dev.prism.runtime.rpc.GetAllNodesRequest;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.RegisterNodeReply;
import dev.prism.runtime.rpc.RegisterNodeRequest;
import dev.prism.runtime.rpc.ReportResourcesReply;
import dev.prism.runtime.rpc.ReportResourcesRequest;
import dev.prism.runtime.rpc.ReportWorkerFailureReply;
import dev.prism.runtime.rpc.ReportWorkerFailureRequest;
import dev.prism.runtime.rpc.UnregisterNodeReply;
import dev.prism.runtime.rpc.UnregisterNodeRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Worker deaths reach the GCS: a worker killed with {@code kill -9} while leased, and one whose
 * lease came back as failed, each make exactly one {@code ReportWorkerFailure}; a worker stopped
 * for idleness, and workers stopped at node shutdown, make none. The GCS is a fake that records the
 * reports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerFailureReportTest {

  /** Answers what a node manager calls, and records worker failure reports. */
  private static final class FakeGcs extends GcsServiceGrpc.GcsServiceImplBase {
    final ConcurrentLinkedQueue<ReportWorkerFailureRequest> failures =
        new ConcurrentLinkedQueue<>();

    @Override
    public void registerNode(RegisterNodeRequest request, StreamObserver<RegisterNodeReply> out) {
      out.onNext(RegisterNodeReply.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void unregisterNode(
        UnregisterNodeRequest request, StreamObserver<UnregisterNodeReply> out) {
      out.onNext(UnregisterNodeReply.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void reportResources(
        ReportResourcesRequest request, StreamObserver<ReportResourcesReply> out) {
      out.onNext(ReportResourcesReply.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void getAllNodes(GetAllNodesRequest request, StreamObserver<GetAllNodesReply> out) {
      out.onNext(GetAllNodesReply.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void reportWorkerFailure(
        ReportWorkerFailureRequest request, StreamObserver<ReportWorkerFailureReply> out) {
      failures.add(request);
      out.onNext(ReportWorkerFailureReply.getDefaultInstance());
      out.onCompleted();
    }
  }

  private final FakeGcs gcs = new FakeGcs();
  private Server server;

  @BeforeAll
  void startGcs() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(gcs)
            .build()
            .start();
  }

  @AfterAll
  void stopGcs() throws Exception {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    NodeTestSupport.assertNothingLeaked();
  }

  @BeforeEach
  void clear() {
    gcs.failures.clear();
  }

  private NodeConfig.Builder config() {
    return NodeTestSupport.fixtureConfig(new NodeTestSupport.LogCollector())
        .prestartWorkers(0)
        .gcsAddress("127.0.0.1:" + server.getPort());
  }

  private static final Map<String, Double> ONE_CPU = Map.of("CPU", 1.0);

  /** Waits for the one report of a worker, then a while longer to see that no other comes. */
  private ReportWorkerFailureRequest theOnlyReport(String nodeId, String workerId)
      throws InterruptedException {
    await().atMost(Duration.ofSeconds(10)).until(() -> !gcs.failures.isEmpty());
    Thread.sleep(300);
    assertThat(gcs.failures)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getWorkerId()).isEqualTo(workerId);
              assertThat(r.getNodeId()).isEqualTo(nodeId);
            });
    return gcs.failures.peek();
  }

  @Test
  void aLeasedWorkerKilledWithKillMinus9IsReportedOnce() throws Exception {
    try (NodeManager nm = NodeManager.start(config().build());
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
      LeaseRequest.Builder request = NodeTestSupport.Leases.request(ONE_CPU);
      LeaseReply reply = leases.call(request);
      assertThat(reply.getResultCase()).isEqualTo(LeaseReply.ResultCase.GRANTED);
      String workerId = reply.getGranted().getWorker().getWorkerId();
      int pid = reply.getGranted().getWorkerPid();

      Process kill = new ProcessBuilder("kill", "-9", Integer.toString(pid)).start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).isZero();

      ReportWorkerFailureRequest report = theOnlyReport(nm.nodeId(), workerId);
      assertThat(report.getPid()).isEqualTo(pid);
      assertThat(report.getExitCode()).isEqualTo(137);
      assertThat(report.getReason())
          .startsWith("exited with code 137 (killed by signal 9, SIGKILL")
          .endsWith(
              "while holding lease "
                  + HexFormat.of().formatHex(request.getLeaseId().toByteArray()));
    }
    assertThat(gcs.failures).as("no more reports after the node shut down").hasSize(1);
  }

  @Test
  void aWorkerReturnedAsFailedIsReportedOnce() throws Exception {
    try (NodeManager nm = NodeManager.start(config().build());
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
      LeaseRequest.Builder request = NodeTestSupport.Leases.request(ONE_CPU);
      LeaseReply reply = leases.call(request);
      assertThat(reply.getResultCase()).isEqualTo(LeaseReply.ResultCase.GRANTED);
      String workerId = reply.getGranted().getWorker().getWorkerId();

      leases.giveBack(request.getLeaseId(), true);

      ReportWorkerFailureRequest report = theOnlyReport(nm.nodeId(), workerId);
      assertThat(report.getReason()).isEqualTo("killed: its lease was returned as failed");
      assertThat(report.getPid()).isEqualTo(reply.getGranted().getWorkerPid());
    }
    assertThat(gcs.failures).as("no more reports after the node shut down").hasSize(1);
  }

  @Test
  void aWorkerStoppedForIdlenessIsNotReported() throws Exception {
    ConcurrentLinkedQueue<String> died = new ConcurrentLinkedQueue<>();
    try (NodeManager nm =
            NodeManager.start(config().workerIdleTimeout(Duration.ofMillis(300)).build());
        NodeTestSupport.Leases leases = new NodeTestSupport.Leases(nm.address())) {
      nm.addWorkerListener(
          new WorkerListener() {
            @Override
            public void workerDied(WorkerInfo worker, int exitCode) {
              died.add(worker.workerId());
            }
          });
      LeaseRequest.Builder request = NodeTestSupport.Leases.request(ONE_CPU);
      LeaseReply reply = leases.call(request);
      assertThat(reply.getResultCase()).isEqualTo(LeaseReply.ResultCase.GRANTED);
      String workerId = reply.getGranted().getWorker().getWorkerId();
      leases.giveBack(request.getLeaseId(), false);

      await().atMost(Duration.ofSeconds(15)).until(() -> died.contains(workerId));
      assertThat(nm.workers()).isEmpty();
      Thread.sleep(300);
      assertThat(gcs.failures).isEmpty();
    }
    assertThat(gcs.failures).isEmpty();
  }
}
