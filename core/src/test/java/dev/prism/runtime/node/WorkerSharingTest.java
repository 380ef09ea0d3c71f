package dev.prism.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.LeaseReply;
import dev.prism.runtime.rpc.LeaseRequest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker whose task waits serves more leases itself (real fixture worker JVMs, leases and wait
 * notices sent as a worker would): for its own nested tasks and its submitters' tasks, up to {@code
 * maxTasksPerWorker}, never for an actor's lease or an unrelated submitter, and it goes back to the
 * idle pool only once its last lease is returned. A fresh node per test.
 */
@Timeout(120)
class WorkerSharingTest {

  private static final Map<String, Double> ONE_CPU = Map.of("CPU", 1.0);

  private final NodeTestSupport.LogCollector logs = new NodeTestSupport.LogCollector();
  private NodeManager nm;
  private NodeTestSupport.Leases leases;

  @BeforeEach
  void start() {
    nm =
        NodeManager.start(
            NodeTestSupport.fixtureConfig(logs).prestartWorkers(2).maxTasksPerWorker(2).build());
    assertThat(nm.awaitRegisteredWorkers(2, Duration.ofSeconds(40))).isTrue();
    leases = new NodeTestSupport.Leases(nm.address());
  }

  @AfterEach
  void stop() throws Exception {
    if (leases != null) {
      leases.close();
    }
    if (nm != null) {
      nm.close();
    }
    NodeTestSupport.assertNothingLeaked();
  }

  private static LeaseRequest.Builder from(Address submitter) {
    return NodeTestSupport.Leases.request(ONE_CPU).setSubmitter(submitter);
  }

  private LeaseReply.Granted grant(LeaseRequest.Builder request) throws Exception {
    LeaseReply reply = leases.call(request);
    assertThat(reply.hasGranted()).as("lease reply %s", reply).isTrue();
    return reply.getGranted();
  }

  private WorkerInfo.State stateOf(long pid) {
    return nm.workers().stream().filter(w -> w.pid() == pid).findFirst().orElseThrow().state();
  }

  @Test
  void aWaitingWorkerRunsItsOwnNestedTasksUpToTheBound() throws Exception {
    LeaseRequest.Builder parent = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply.Granted w = grant(parent);
    Address worker = w.getWorker();
    leases.blocked(worker.getWorkerId(), parent.getLeaseId(), true);

    // Its nested task: served by the waiting worker itself, although another worker is idle.
    LeaseRequest.Builder nested = from(worker);
    assertThat(grant(nested).getWorkerPid()).isEqualTo(w.getWorkerPid());

    // The bound (2 leases) is reached: the next one goes to the idle worker.
    leases.blocked(worker.getWorkerId(), nested.getLeaseId(), true);
    LeaseRequest.Builder third = from(worker);
    assertThat(grant(third).getWorkerPid()).isNotEqualTo(w.getWorkerPid());
    leases.giveBack(third.getLeaseId(), false);

    // Returning the nested lease leaves the worker leased; returning the last one frees it.
    leases.blocked(worker.getWorkerId(), nested.getLeaseId(), false);
    leases.giveBack(nested.getLeaseId(), false);
    assertThat(stateOf(w.getWorkerPid())).isEqualTo(WorkerInfo.State.LEASED);
    leases.blocked(worker.getWorkerId(), parent.getLeaseId(), false);
    leases.giveBack(parent.getLeaseId(), false);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stateOf(w.getWorkerPid()) == WorkerInfo.State.IDLE);
    await().atMost(Duration.ofSeconds(10)).until(() -> nm.availableResources().get("CPU") == 2.0);
  }

  @Test
  void aQueuedNestedLeaseIsServedByItsSubmitterOnceItWaits() throws Exception {
    LeaseRequest.Builder parent = NodeTestSupport.Leases.request(Map.of("CPU", 2.0));
    LeaseReply.Granted w = grant(parent);
    var nested = leases.send(from(w.getWorker()));
    Thread.sleep(200);
    assertThat(nested.isDone()).as("no CPU is free: the nested lease waits").isFalse();
    leases.blocked(w.getWorker().getWorkerId(), parent.getLeaseId(), true);
    assertThat(nested.get(30, TimeUnit.SECONDS).getGranted().getWorkerPid())
        .isEqualTo(w.getWorkerPid());
  }

  @Test
  void aTaskThatResumedWithoutItsCpuAndWaitsAgainStillServesItsNestedTasks() throws Exception {
    LeaseRequest.Builder parent = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply.Granted w = grant(parent);
    String workerId = w.getWorker().getWorkerId();
    leases.blocked(workerId, parent.getLeaseId(), true);
    // Both CPUs go to another lease (the other, idle worker) while the parent waits...
    LeaseRequest.Builder big = NodeTestSupport.Leases.request(Map.of("CPU", 2.0));
    LeaseReply.Granted other = grant(big);
    assertThat(other.getWorkerPid()).isNotEqualTo(w.getWorkerPid());
    // ...so the parent resumes without a CPU (oversubscribed) and waits again (fib's second get):
    // it has nothing to lend, but its JVM still serves its nested task, although a worker is idle.
    leases.blocked(workerId, parent.getLeaseId(), false);
    leases.blocked(workerId, parent.getLeaseId(), true);
    leases.giveBack(big.getLeaseId(), false);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stateOf(other.getWorkerPid()) == WorkerInfo.State.IDLE);
    assertThat(grant(from(w.getWorker())).getWorkerPid()).isEqualTo(w.getWorkerPid());
  }

  @Test
  void anActorsLeaseNeverSharesAWorker() throws Exception {
    LeaseRequest.Builder parent = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply.Granted w = grant(parent);
    leases.blocked(w.getWorker().getWorkerId(), parent.getLeaseId(), true);
    LeaseReply.Granted actor = grant(from(w.getWorker()).setExclusiveWorker(true));
    assertThat(actor.getWorkerPid()).isNotEqualTo(w.getWorkerPid());
  }

  @Test
  void aWorkerNeverRunsTheTasksOfAnUnrelatedSubmitter() throws Exception {
    LeaseRequest.Builder a = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseRequest.Builder b = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply.Granted wa = grant(a);
    LeaseReply.Granted wb = grant(b);
    leases.blocked(wa.getWorker().getWorkerId(), a.getLeaseId(), true);

    // "driver" submitted a and b; another process's task may not join a's worker: the node
    // starts a worker for it (the submitter dying kills its leases' workers).
    Address stranger =
        Address.newBuilder().setHost("127.0.0.1").setPort(2).setWorkerId("stranger").build();
    LeaseReply.Granted s = grant(from(stranger));
    assertThat(s.getWorkerPid()).isNotIn(wa.getWorkerPid(), wb.getWorkerPid());

    // The same submitter's next task may join a worker that waits.
    leases.blocked(wb.getWorker().getWorkerId(), b.getLeaseId(), true);
    LeaseReply.Granted again = grant(NodeTestSupport.Leases.request(ONE_CPU));
    assertThat(again.getWorkerPid()).isIn(wa.getWorkerPid(), wb.getWorkerPid());
  }

  @Test
  void aSharedWorkerThatDiesEndsAllItsLeases() throws Exception {
    LeaseRequest.Builder parent = NodeTestSupport.Leases.request(ONE_CPU);
    LeaseReply.Granted w = grant(parent);
    leases.blocked(w.getWorker().getWorkerId(), parent.getLeaseId(), true);
    LeaseRequest.Builder nested = from(w.getWorker());
    assertThat(grant(nested).getWorkerPid()).isEqualTo(w.getWorkerPid());

    ProcessHandle.of(w.getWorkerPid()).orElseThrow().destroyForcibly();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> nm.workers().stream().noneMatch(i -> i.pid() == w.getWorkerPid()));
    await().atMost(Duration.ofSeconds(10)).until(() -> nm.availableResources().get("CPU") == 2.0);
  }
}
