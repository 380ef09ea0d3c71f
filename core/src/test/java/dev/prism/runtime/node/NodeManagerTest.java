package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.GetNodeInfoReply;
import dev.prism.runtime.rpc.GetNodeInfoRequest;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One node manager with two CPUs and two prestarted fixture workers (real child JVMs): the pool,
 * log forwarding, leases granted, reused, queued, timed out and infeasible, worker deaths, and a
 * shutdown that leaves nothing behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeManagerTest {

  private static final Map<String, Double> ONE_CPU = Map.of("CPU", 1.0);

  private final NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
  private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
  private NodeManager nm;
  private NodeTestSupport.Leases leases;
  private long prestartMillis;

  @BeforeAll
  void start() {
    long t0 = System.nanoTime();
    nm = NodeManager.start(NodeTestSupport.fixtureConfig(logs).build());
    nm.addWorkerListener(
        new WorkerListener() {
          @Override
          public void workerDied(WorkerInfo worker, int exitCode) {
            events.add("died " + worker.pid() + " " + worker.state() + " " + exitCode);
          }
        });
    assertThat(nm.awaitRegisteredWorkers(2, Duration.ofSeconds(40))).isTrue();
    prestartMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.println(
        "NodeManagerTest: node manager started and 2 workers registered in "
            + prestartMillis
            + " ms");
    leases = new NodeTestSupport.Leases(nm.address());
  }

  @AfterAll
  void stop() throws Exception {
    if (leases != null) {
      leases.close();
    }
    if (nm != null) {
      nm.close();
    }
    NodeTestSupport.assertNothingLeaked();
  }

  private Set<Long> workerPids() {
    Set<Long> pids = new HashSet<>();
    nm.workers().forEach(w -> pids.add(w.pid()));
    return pids;
  }

  private void awaitAllCpusFree() {
    await().atMost(Duration.ofSeconds(10)).until(() -> nm.availableResources().get("CPU") == 2.0);
  }

  @Test
  @Order(1)
  void prestartsTheWorkersInParallelAndOwnsAStore() throws Exception {
    List<WorkerInfo> workers = nm.workers();
    assertThat(workers)
        .hasSize(2)
        .allSatisfy(
            w -> {
              assertThat(w.state()).isEqualTo(WorkerInfo.State.IDLE);
              assertThat(w.address()).startsWith("127.0.0.1:");
              assertThat(w.gpuIds()).isEmpty();
              assertThat(ProcessHandle.of(w.pid()))
                  .hasValueSatisfying(
                      p -> {
                        assertThat(p.isAlive()).isTrue();
                        assertThat(p.parent().map(ProcessHandle::pid))
                            .contains(ProcessHandle.current().pid());
                      });
            });
    assertThat(workerPids()).hasSize(2);
    assertThat(nm.storeShmPath()).exists().hasParent(Path.of("/dev/shm"));
    assertThat(Files.exists(nm.storeSocketPath())).isTrue();
    assertThat(nm.totalResources().get("CPU")).isEqualTo(2.0);

    ManagedChannel channel =
        Grpc.newChannelBuilder(nm.address(), InsecureChannelCredentials.create())
            .intercept(
                dev.prism.runtime.security.TokenAuth.clientInterceptor(
                    dev.prism.runtime.security.ClusterToken.processDefault()))
            .build();
    try {
      GetNodeInfoReply info =
          NodeManagerServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .getNodeInfo(GetNodeInfoRequest.getDefaultInstance());
      assertThat(info.getNodeId()).isEqualTo(nm.nodeId());
      assertThat(info.getStoreSocket()).isEqualTo(nm.storeSocketPath().toString());
      assertThat(info.getAddress().getPort()).isEqualTo(nm.port());
      assertThat(info.getTotal().getAmountsMap()).containsEntry("CPU", 20_000L);
      assertThat(info.getGcsAddress()).isEmpty();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  @Order(2)
  void forwardsEachWorkerLinePrefixedWithItsPid() {
    for (long pid : workerPids()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(logs.of(pid))
                    .anySatisfy(
                        l -> {
                          assertThat(l.stream()).isEqualTo(WorkerLogSink.Stream.STDOUT);
                          assertThat(l.text()).contains("CUDA_VISIBLE_DEVICES= PRISM_GPU_IDS=");
                        });
                assertThat(logs.of(pid))
                    .anySatisfy(
                        l -> {
                          assertThat(l.stream()).isEqualTo(WorkerLogSink.Stream.STDERR);
                          assertThat(l.text()).contains("says hello on stderr");
                        });
              });
    }
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      WorkerLogSink.console().line(4242, WorkerLogSink.Stream.STDOUT, "hello from a worker");
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .isEqualTo("(pid=4242) hello from a worker" + System.lineSeparator());
  }

  @Test
  @Order(3)
  void grantsALeaseAndReusesTheWorkerAfterItsReturn() throws Exception {
    Set<Long> before = workerPids();
    LeaseRequest.Builder req = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply reply = leases.call(req);
    assertThat(reply.getResultCase()).isEqualTo(LeaseReply.ResultCase.GRANTED);
    Address worker = reply.getGranted().getWorker();
    assertThat(worker.getNodeId()).isEqualTo(nm.nodeId());
    assertThat(worker.getWorkerId()).isNotEmpty();
    assertThat(before).contains((long) reply.getGranted().getWorkerPid());
    assertThat(reply.getGranted().getGpuIdsList()).isEmpty();
    assertThat(nm.availableResources().get("CPU")).isEqualTo(1.0);
    assertThat(nm.workers())
        .filteredOn(w -> w.state() == WorkerInfo.State.LEASED)
        .singleElement()
        .satisfies(w -> assertThat(w.workerId()).isEqualTo(worker.getWorkerId()));

    leases.giveBack(req.getLeaseId(), false);
    assertThat(nm.availableResources().get("CPU")).isEqualTo(2.0);
    LeaseRequest.Builder again = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply second = leases.call(again);
    assertThat(second.getGranted().getWorkerPid()).isEqualTo(reply.getGranted().getWorkerPid());
    leases.giveBack(again.getLeaseId(), false);
    assertThat(workerPids()).isEqualTo(before);
  }

  @Test
  @Order(4)
  void queuesARequestThatFitsLaterAndGrantsItWhenALeaseReturns() throws Exception {
    LeaseRequest.Builder a = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseRequest.Builder b = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply ra = leases.call(a);
    LeaseReply rb = leases.call(b);
    assertThat(ra.hasGranted()).isTrue();
    assertThat(rb.hasGranted()).isTrue();
    assertThat(nm.availableResources().get("CPU")).isEqualTo(0.0);

    LeaseRequest.Builder c = NodeTestSupport.Leases.request(ONE_CPU);
    ListenableFuture<LeaseReply> pending = leases.send(c);
    Thread.sleep(300);
    assertThat(pending).isNotDone();

    leases.giveBack(a.getLeaseId(), false);
    LeaseReply rc = pending.get(20, TimeUnit.SECONDS);
    assertThat(rc.hasGranted()).isTrue();
    assertThat(rc.getGranted().getWorkerPid()).isEqualTo(ra.getGranted().getWorkerPid());
    leases.giveBack(b.getLeaseId(), false);
    leases.giveBack(c.getLeaseId(), false);
    awaitAllCpusFree();
  }

  /** What a submitter withdrawing a request it no longer needs relies on. */
  @Test
  @Order(5)
  void returningARequestNotGrantedYetCancelsItAndAnUnknownIdIsIgnored() throws Exception {
    LeaseRequest.Builder both = NodeTestSupport.Leases.request(Map.of("CPU", 2.0));
    assertThat(leases.call(both).hasGranted()).isTrue();
    LeaseRequest.Builder queued = NodeTestSupport.Leases.request(ONE_CPU);
    ListenableFuture<LeaseReply> pending = leases.send(queued);
    Thread.sleep(300);
    assertThat(pending).isNotDone();

    leases.giveBack(queued.getLeaseId(), false);
    LeaseReply cancelled = pending.get(20, TimeUnit.SECONDS);
    assertThat(cancelled.getResultCase()).isEqualTo(LeaseReply.ResultCase.REJECTED);
    assertThat(cancelled.getRejected()).contains("returned before it was granted");
    leases.giveBack(queued.getLeaseId(), false); // again: unknown now, ignored

    long granted = nm.leasesGranted();
    leases.giveBack(both.getLeaseId(), false);
    awaitAllCpusFree();
    Thread.sleep(300);
    assertThat(nm.leasesGranted())
        .as("the cancelled request is not granted once CPUs free up")
        .isEqualTo(granted);
    assertThat(nm.availableResources().get("CPU")).isEqualTo(2.0);
  }

  @Test
  @Order(6)
  void rejectsAQueuedRequestAfterItsTimeout() throws Exception {
    LeaseRequest.Builder a = NodeTestSupport.Leases.request(Map.of("CPU", 2.0));
    assertThat(leases.call(a).hasGranted()).isTrue();
    LeaseReply late = leases.call(NodeTestSupport.Leases.request(ONE_CPU).setTimeoutMs(300));
    assertThat(late.getResultCase()).isEqualTo(LeaseReply.ResultCase.REJECTED);
    assertThat(late.getRejected()).contains("lease timeout of 300 ms");
    leases.giveBack(a.getLeaseId(), false);
    awaitAllCpusFree();
  }

  @Test
  @Order(7)
  void answersInfeasibleWithTheReason() throws Exception {
    LeaseReply tooMany = leases.call(NodeTestSupport.Leases.request(Map.of("CPU", 8.0)));
    assertThat(tooMany.getResultCase()).isEqualTo(LeaseReply.ResultCase.INFEASIBLE);
    assertThat(tooMany.getInfeasible()).contains("CPU").contains("8");

    LeaseReply unknown = leases.call(NodeTestSupport.Leases.request(Map.of("TPU", 1.0)));
    assertThat(unknown.getInfeasible()).contains("TPU");

    LeaseReply invalid = leases.call(NodeTestSupport.Leases.request(Map.of("CPU", 1.5)));
    assertThat(invalid.getInfeasible()).contains("whole number");
    assertThat(nm.availableResources().get("CPU")).isEqualTo(2.0);
  }

  @Test
  @Order(8)
  void aWorkerKilledWithSigkillIsDetectedAndItsResourcesFreed() throws Exception {
    LeaseRequest.Builder req = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply reply = leases.call(req);
    long pid = reply.getGranted().getWorkerPid();
    assertThat(nm.availableResources().get("CPU")).isEqualTo(1.0);

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> events.contains("died " + pid + " LEASED 137"));
    awaitAllCpusFree();
    assertThat(workerPids()).doesNotContain(pid);
    leases.giveBack(req.getLeaseId(), true);

    LeaseRequest.Builder next = NodeTestSupport.Leases.request(Map.of("CPU", 2.0));
    LeaseReply nextReply = leases.call(next);
    assertThat(nextReply.hasGranted()).isTrue();
    assertThat((long) nextReply.getGranted().getWorkerPid()).isNotEqualTo(pid);
    leases.giveBack(next.getLeaseId(), false);
  }

  @Test
  @Order(9)
  void aWorkerReturnedAsFailedIsKilled() throws Exception {
    LeaseRequest.Builder req = NodeTestSupport.Leases.request(ONE_CPU);
    long pid = leases.call(req).getGranted().getWorkerPid();
    leases.giveBack(req.getLeaseId(), true);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    assertThat(workerPids()).doesNotContain(pid);
    awaitAllCpusFree();
  }

  @Test
  @Order(10)
  void theLeasesOfASubmitterThatDiesEndAndTheirWorkersAreKilled() throws Exception {
    LeaseRequest.Builder first = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply submitter = leases.call(first);
    Address submitterAddress = submitter.getGranted().getWorker();
    LeaseRequest.Builder nested =
        NodeTestSupport.Leases.request(ONE_CPU).setSubmitter(submitterAddress);
    LeaseReply nestedReply = leases.call(nested);
    long nestedPid = nestedReply.getGranted().getWorkerPid();
    assertThat(nestedPid).isNotEqualTo(submitter.getGranted().getWorkerPid());

    ProcessHandle.of(submitter.getGranted().getWorkerPid()).orElseThrow().destroyForcibly();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(nestedPid).map(p -> !p.isAlive()).orElse(true));
    awaitAllCpusFree();
    leases.giveBack(first.getLeaseId(), true);
    leases.giveBack(nested.getLeaseId(), true);
  }

  @Test
  @Order(11)
  void closeStopsEveryWorkerAndRemovesTheStoreFiles() throws Exception {
    List<Long> pids = nm.workers().stream().map(WorkerInfo::pid).toList();
    Path shm = nm.storeShmPath();
    Path socket = nm.storeSocketPath();
    String address = nm.address();
    long t0 = System.nanoTime();
    nm.close();
    System.out.println(
        "NodeManagerTest: close took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    nm.close();
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
    assertThat(shm).doesNotExist();
    assertThat(socket).doesNotExist();
    NodeTestSupport.assertNothingLeaked();
    try (NodeTestSupport.Leases closed = new NodeTestSupport.Leases(address)) {
      assertThatThrownBy(() -> closed.call(NodeTestSupport.Leases.request(ONE_CPU)))
          .isInstanceOf(ExecutionException.class);
    }
  }
}
